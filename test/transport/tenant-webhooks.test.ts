// Per-tenant webhooks: a tenant with its own provider secrets is served at /t/<tenant>/webhooks/…, its messages land
// in that tenant only, and another tenant's (or the node-wide) secret does not open its door.
import { createHmac } from 'node:crypto';
import pino from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import { OmniNode } from '../../src/node.js';
import { getJson } from '../helpers/http.js';
import { testConfig } from '../helpers/test-config.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

const ACME_KEY = 'acme-api-key-0123456789';
const GLOBEX_KEY = 'globex-api-key-0123456789';

let node: OmniNode;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = makeTempDir();
  const defaults = defaultConfig();
  node = new OmniNode(
    testConfig(dir, {
      channels: {
        ...testConfig(dir).channels,
        whatsapp: { ...defaults.channels.whatsapp, appSecret: 'node-wide-secret' },
      },
      tenants: [
        {
          id: 'acme',
          apiKeys: [ACME_KEY],
          webhooks: { whatsapp: { appSecret: 'acme-secret', verifyToken: 'acme-verify' } },
        },
        { id: 'globex', apiKeys: [GLOBEX_KEY] },
      ],
    }),
    pino({ level: 'silent' }),
  );
  await node.start();
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  await node.stop();
  removeDir(dir);
});

function whatsappBody(id: string): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: '99' },
              contacts: [{ profile: { name: 'Ada' }, wa_id: '447700900123' }],
              messages: [
                {
                  from: '447700900123',
                  id,
                  timestamp: '1750000000',
                  type: 'text',
                  text: { body: 'tenant-scoped hello' },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

test("a tenant's webhook stores into that tenant only", async () => {
  const body = whatsappBody('wamid.ACME-1');
  const res = await fetch(`${base}/t/acme/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign('acme-secret', body) },
    body,
  });
  expect(res.status).toBe(200);
  const lookup = '/v1/messages?channel=whatsapp&providerMessageId=wamid.ACME-1';
  const asAcme = await getJson<{ content: unknown }>(base, lookup, { authorization: `Bearer ${ACME_KEY}` });
  expect(asAcme.status).toBe(200);
  expect(asAcme.body.content).toEqual({ type: 'text', text: 'tenant-scoped hello' });
  expect((await getJson(base, lookup, { authorization: `Bearer ${GLOBEX_KEY}` })).status).toBe(404);
  const verify = await fetch(
    `${base}/t/acme/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=acme-verify&hub.challenge=42`,
  );
  expect(await verify.text()).toBe('42');
});

test("the node-wide secret does not open a tenant's webhook, and a tenant without secrets is not served", async () => {
  const body = whatsappBody('wamid.ACME-2');
  const forged = await fetch(`${base}/t/acme/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign('node-wide-secret', body) },
    body,
  });
  expect(forged.status).toBe(401);
  const globex = await fetch(`${base}/t/globex/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign('acme-secret', body) },
    body,
  });
  expect(globex.status).toBe(404);
  expect(((await globex.json()) as { error: { code: string } }).error.code).toBe('CHANNEL_NOT_CONFIGURED');
});
