// The channel gateway over real HTTP: provider-format webhooks, signed as the providers sign them, posted to the
// node on 127.0.0.1; every accepted message is committed before the 2xx and retrievable by its provider id, every
// refused one leaves nothing behind. Also a full round trip: a WhatsApp reply goes out to a local server speaking
// the Graph API, and the provider's status webhook for it shows up on the delivery.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import pino from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import type { UnifiedMessage } from '../../src/domain/index.js';
import { OmniNode } from '../../src/node.js';
import { freePort } from '../helpers/node-process.js';
import { getJson, type ErrorBody } from '../helpers/http.js';
import { testConfig } from '../helpers/test-config.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { eventually } from '../helpers/eventually.js';

const WA_SECRET = 'whatsapp-app-secret-for-tests';
const META_SECRET = 'meta-app-secret-for-tests';
const TWILIO_TOKEN = 'twilio-auth-token-for-tests';
const TELEGRAM_SECRET = 'telegram-secret-token-for-tests';

let node: OmniNode;
let dir: string;
let base: string;
let graph: Server;
const graphCalls: Array<{ path: string; auth: string; body: Record<string, unknown> }> = [];
const mediaRequests: Array<{ path: string; auth: string }> = [];
let graphBase = '';
const IMAGE = Buffer.from('\xff\xd8\xff\xe0 pretend JPEG bytes for the media test', 'latin1');

function fixture(name: string): string {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'meta', name), 'utf8');
}

function metaSign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function twilioSign(url: string, form: URLSearchParams): string {
  const sorted = [...form].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHmac('sha1', TWILIO_TOKEN)
    .update(url + sorted.map(([k, v]) => k + v).join(''))
    .digest('base64');
}

async function post(
  pathname: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(`${base}${pathname}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

async function stored(channel: string, providerMessageId: string): Promise<UnifiedMessage | undefined> {
  const res = await getJson<UnifiedMessage>(
    base,
    `/v1/messages?channel=${channel}&providerMessageId=${encodeURIComponent(providerMessageId)}`,
  );
  return res.status === 200 ? res.body : undefined;
}

beforeAll(async () => {
  graph = createServer((req, res) => {
    if (req.method === 'GET') {
      mediaRequests.push({ path: req.url ?? '', auth: String(req.headers.authorization) });
      // The media id resolves to a download URL; the first download attempt fails, as providers sometimes do.
      if (req.url?.startsWith('/v21.0/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            url: `${graphBase}/download/photo.jpg`,
            mime_type: 'image/jpeg',
            sha256: 'x',
            file_size: IMAGE.length,
            id: '1',
          }),
        );
        return;
      }
      if (mediaRequests.filter((r) => r.path === '/download/photo.jpg').length === 1) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(IMAGE.length) }).end(IMAGE);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      graphCalls.push({
        path: req.url ?? '',
        auth: String(req.headers.authorization),
        body: JSON.parse(body) as Record<string, unknown>,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          messaging_product: 'whatsapp',
          contacts: [{ input: '16505551234', wa_id: '16505551234' }],
          messages: [{ id: 'wamid.REPLY1' }],
        }),
      );
    });
  });
  await new Promise<void>((r) => graph.listen(0, '127.0.0.1', r));
  const graphUrl = `http://127.0.0.1:${(graph.address() as { port: number }).port}`;
  graphBase = graphUrl;
  dir = makeTempDir();
  const port = await freePort();
  const defaults = defaultConfig();
  node = new OmniNode(
    testConfig(dir, {
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      maxBodyBytes: 64 * 1024,
      channels: {
        ...testConfig(dir).channels,
        whatsapp: {
          ...defaults.channels.whatsapp,
          appSecret: WA_SECRET,
          verifyToken: 'wa-verify',
          accessToken: 'wa-token',
          phoneNumberId: '106540352242922',
          apiBaseUrl: graphUrl,
        },
        meta: { ...defaults.channels.meta, appSecret: META_SECRET, verifyToken: 'meta-verify' },
        twilio: { ...defaults.channels.twilio, authToken: TWILIO_TOKEN },
      },
    }),
    pino({ level: 'silent' }),
  );
  await node.start();
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  await node.stop();
  graph.close();
  removeDir(dir);
});

describe('WhatsApp Cloud API', () => {
  test('GET verification answers the challenge only with the right token', async () => {
    const ok = await fetch(
      `${base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wa-verify&hub.challenge=1158201444`,
    );
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    const bad = await fetch(`${base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(bad.status).toBe(401);
  });

  test('a signed message is committed before the 200, normalized, and a provider retry stores nothing new', async () => {
    const body = fixture('wa-text.json');
    const headers = { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(WA_SECRET, body) };
    const first = await post('/webhooks/whatsapp', body, headers);
    expect(first.status).toBe(200);
    const id = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=';
    const message = await stored('whatsapp', id);
    expect(message).toMatchObject({
      channel: 'whatsapp',
      direction: 'inbound',
      content: { type: 'text', text: 'Does it come in another color?' },
      timestamp: 1749416383000,
      sender: { kind: 'customer', address: '16505551234', name: 'Sheena Nelson' },
    });
    expect(message?.metadata).toMatchObject({ phoneNumberId: '106540352242922' });
    await post('/webhooks/whatsapp', body, headers);
    const conversation = await getJson<{ messages: unknown[] }>(base, `/v1/conversations/${message!.conversationId}`);
    expect(conversation.body.messages).toHaveLength(1);
  });

  test.each([
    ['a missing signature', (_body: string) => ({ 'content-type': 'application/json' }), 401, 'INVALID_SIGNATURE'],
    [
      'a wrong signature',
      (b: string) => ({ 'content-type': 'application/json', 'x-hub-signature-256': metaSign('other', b) }),
      401,
      'INVALID_SIGNATURE',
    ],
    [
      'the wrong content type',
      (b: string) => ({ 'content-type': 'text/plain', 'x-hub-signature-256': metaSign(WA_SECRET, b) }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('%s is refused and nothing is stored', async (_label, headersFor, status, code) => {
    const body = fixture('wa-image.json').replace(/"id": "wamid\.[^"]+"/, `"id": "wamid.refused-${status}-${code}"`);
    const res = await post('/webhooks/whatsapp', body, headersFor(body));
    expect(res.status).toBe(status);
    expect((JSON.parse(res.text) as ErrorBody).error.code).toBe(code);
    const id = (
      JSON.parse(body) as { entry: Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }> }
    ).entry[0]!.changes[0]!.value.messages[0]!.id;
    expect(await stored('whatsapp', id)).toBeUndefined();
  });

  test('an image is committed at once, then downloaded (with a retry), stored by hash and attached', async () => {
    const body = fixture('wa-image.json').replace(/"id": "wamid\.[^"]+"/, '"id": "wamid.IMAGE-1"');
    const res = await post('/webhooks/whatsapp', body, {
      'content-type': 'application/json',
      'x-hub-signature-256': metaSign(WA_SECRET, body),
    });
    expect(res.status).toBe(200);
    const first = await stored('whatsapp', 'wamid.IMAGE-1');
    expect(first?.content).toMatchObject({ type: 'media', mediaKind: 'image' });
    const attached = await eventually(async () => {
      const m = await stored('whatsapp', 'wamid.IMAGE-1');
      return m?.content.type === 'media' && m.content.media !== undefined ? m.content.media : undefined;
    });
    expect(attached).toMatchObject({ mimeType: 'image/jpeg', size: IMAGE.length });
    expect(attached.sha256).toBe(createHash('sha256').update(IMAGE).digest('hex'));
    expect(
      readFileSync(path.join(dir, 'data', 'media', attached.sha256.slice(0, 2), attached.sha256)).equals(IMAGE),
    ).toBe(true);
    expect(mediaRequests.every((r) => r.auth === 'Bearer wa-token')).toBe(true);
    expect(mediaRequests.filter((r) => r.path === '/download/photo.jpg')).toHaveLength(2);
  });

  test('malformed and oversized bodies are refused with 400 / 413', async () => {
    const broken = '{"object":"whatsapp_business_account","entry":[';
    expect(
      (
        await post('/webhooks/whatsapp', broken, {
          'content-type': 'application/json',
          'x-hub-signature-256': metaSign(WA_SECRET, broken),
        })
      ).status,
    ).toBe(400);
    const missing = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { phone_number_id: '1', display_phone_number: '1' },
                messages: [{ type: 'text', text: { body: 'no id, no sender' } }],
              },
            },
          ],
        },
      ],
    });
    expect(
      (
        await post('/webhooks/whatsapp', missing, {
          'content-type': 'application/json',
          'x-hub-signature-256': metaSign(WA_SECRET, missing),
        })
      ).status,
    ).toBe(400);
    const big = JSON.stringify({ object: 'whatsapp_business_account', entry: [], padding: 'x'.repeat(70 * 1024) });
    expect(
      (
        await post('/webhooks/whatsapp', big, {
          'content-type': 'application/json',
          'x-hub-signature-256': metaSign(WA_SECRET, big),
        })
      ).status,
    ).toBe(413);
  });

  test('a reply goes out through the Graph API and the status webhook for it is recorded on the delivery', async () => {
    const message = (await stored('whatsapp', 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA='))!;
    // The customer wrote (per the fixture) long ago: outside the 24-hour window only a template may go out.
    const late = await fetch(`${base}/v1/conversations/${message.conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'We have it in blue.' }),
    });
    const lateAck = (await late.json()) as { outboxId: string };
    const refused = await eventually(async () => {
      const r = await getJson<{ state: string; errors: Array<{ providerCode?: string }> }>(
        base,
        `/v1/outbox/${lateAck.outboxId}`,
      );
      return r.body.state === 'failed' ? r.body : undefined;
    });
    expect(refused.errors[0]?.providerCode).toBe('WINDOW_CLOSED');

    const template = await fetch(`${base}/v1/conversations/${message.conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: { name: 'order_update', language: 'en_US', parameters: ['blue'] } }),
    });
    const ack = (await template.json()) as { outboxId: string };
    const sent = await eventually(async () => {
      const r = await getJson<{ state: string; providerMessageIds: string[] }>(base, `/v1/outbox/${ack.outboxId}`);
      return r.body.state === 'sent' ? r.body : undefined;
    });
    expect(sent.providerMessageIds).toEqual(['wamid.REPLY1']);
    const call = graphCalls.at(-1)!;
    expect(call.path).toBe('/v21.0/106540352242922/messages');
    expect(call.auth).toBe('Bearer wa-token');
    expect(call.body).toMatchObject({ messaging_product: 'whatsapp', to: '16505551234', type: 'template' });

    const status = fixture('wa-status-sent.json')
      .replace(/wamid\.[A-Za-z0-9=]+/, 'wamid.REPLY1')
      .replace('"sent"', '"read"');
    const res = await post('/webhooks/whatsapp', status, {
      'content-type': 'application/json',
      'x-hub-signature-256': metaSign(WA_SECRET, status),
    });
    expect(res.status).toBe(200);
    // The link from the provider's id to the outbox record is written after the send is recorded, and a status
    // report may land before it (providers report "sent" at once); the two merge into one delivery record.
    const delivery = await eventually(async () => {
      const r = await getJson<{ deliveries: Array<{ status: string; outboxId?: string }> }>(
        base,
        `/v1/outbox/${ack.outboxId}`,
      );
      return r.body.deliveries[0]?.outboxId === undefined ? undefined : r.body.deliveries[0];
    });
    expect(delivery).toMatchObject({ status: 'read', outboxId: ack.outboxId });
  });
});

describe('Twilio', () => {
  test('an SMS signed over the public URL is stored and answered with empty TwiML', async () => {
    const form = new URLSearchParams({
      ToCountry: 'US',
      SmsMessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      NumMedia: '0',
      SmsSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      SmsStatus: 'received',
      Body: 'Where is my order #A-1234? Ça urge 😊',
      To: '+15558675310',
      MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      AccountSid: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      From: '+14017122661',
      ApiVersion: '2010-04-01',
    });
    const url = `${base}/webhooks/twilio/sms`;
    const res = await post('/webhooks/twilio/sms', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSign(url, form),
    });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/xml/);
    expect(res.text).toContain('<Response></Response>');
    const message = await stored('sms', 'SM1f0e8ae6ade43cb3c0ce4525424e404f');
    expect(message).toMatchObject({
      channel: 'sms',
      content: { type: 'text', text: 'Where is my order #A-1234? Ça urge 😊' },
    });
    const bad = await post('/webhooks/twilio/sms', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSign(`${url}?x=1`, form),
    });
    expect(bad.status).toBe(401);
  });

  test('a call is answered with a speech <Gather>, and the transcript becomes a voice message', async () => {
    const url = `${base}/webhooks/twilio/voice`;
    const call = new URLSearchParams({
      CallSid: 'CA5f0c3e2a0d6b4f8f9c1e2d3c4b5a6978',
      AccountSid: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      From: '+14155550100',
      To: '+15558675310',
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    const answer = await post('/webhooks/twilio/voice', call.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSign(url, call),
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/<Gather[^>]*input="speech"/);
    const speech = new URLSearchParams({
      ...Object.fromEntries(call),
      CallStatus: 'in-progress',
      SpeechResult: 'I want to cancel my subscription',
      Confidence: '0.91',
    });
    const heard = await post('/webhooks/twilio/voice', speech.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSign(url, speech),
      'i-twilio-idempotency-token': 'idem-voice-1',
    });
    expect(heard.status).toBe(200);
    const message = await stored('voice', 'idem-voice-1');
    expect(message?.content).toEqual({
      type: 'voice_transcript',
      text: 'I want to cancel my subscription',
      confidence: 0.91,
    });
    expect(message?.sender).toMatchObject({ address: '+14155550100' });
  });
});

describe('Messenger, and channels without credentials', () => {
  test('a signed Messenger message is stored; echoes of our own sends are ignored', async () => {
    const body = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: '1234567890',
          time: 1700000000000,
          messaging: [
            {
              sender: { id: '6789012345' },
              recipient: { id: '1234567890' },
              timestamp: 1700000000000,
              message: { mid: 'm_AAA', text: 'hello from messenger' },
            },
            {
              sender: { id: '1234567890' },
              recipient: { id: '6789012345' },
              timestamp: 1700000000001,
              message: { mid: 'm_ECHO', text: 'our reply', is_echo: true },
            },
          ],
        },
      ],
    });
    const res = await post('/webhooks/messenger', body, {
      'content-type': 'application/json',
      'x-hub-signature-256': metaSign(META_SECRET, body),
    });
    expect(res.status).toBe(200);
    expect((await stored('messenger', 'm_AAA'))?.content).toEqual({ type: 'text', text: 'hello from messenger' });
    expect(await stored('messenger', 'm_ECHO')).toBeUndefined();
  });

  test('a channel with no secret configured is not served', async () => {
    const res = await post('/webhooks/telegram', '{"update_id":1}', {
      'content-type': 'application/json',
      'x-telegram-bot-api-secret-token': TELEGRAM_SECRET,
    });
    expect(res.status).toBe(404);
    expect((JSON.parse(res.text) as ErrorBody).error.code).toBe('CHANNEL_NOT_CONFIGURED');
  });
});
