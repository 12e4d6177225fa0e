// Replies end to end: POST /v1/conversations/:id/messages stores the reply and its outbox record together, the
// delivery engine sends it to a provider on 127.0.0.1 (retrying while the provider fails), and a node restarted with
// undelivered replies resumes them. The provider here is a local HTTP server; the adapter posts JSON to it.
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { defaultConfig } from '../../src/config/index.js';
import type { ConversationWithMessages } from '../../src/domain/index.js';
import { OmniNode } from '../../src/node.js';
import type { OutboxRecord } from '../../src/persistence/index.js';
import { DeliveryError, type OutboundAdapter } from '../../src/transport/index.js';
import { getJson, postJson } from '../helpers/http.js';
import { testConfig } from '../helpers/test-config.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { eventually } from '../helpers/eventually.js';

interface ProviderCall {
  idempotencyKey: string;
  body: { to: string; text: string };
}

/** A provider on 127.0.0.1 that fails while `failing` is set, then accepts. */
function startProvider(): Promise<{
  server: Server;
  url: string;
  calls: ProviderCall[];
  setFailing(v: boolean): void;
}> {
  const calls: ProviderCall[] = [];
  let failing = false;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push({
        idempotencyKey: String(req.headers['idempotency-key']),
        body: JSON.parse(body) as ProviderCall['body'],
      });
      if (failing) {
        res.writeHead(503, { 'retry-after': '0' }).end('{"error":"busy"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${calls.length}` }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}`, calls, setFailing: (v) => (failing = v) });
    }),
  );
}

function httpAdapter(url: string): OutboundAdapter {
  return {
    channel: 'sms',
    async send(message) {
      let res: Response;
      try {
        res = await fetch(`${url}/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': message.id },
          body: JSON.stringify({ to: message.to, text: message.content.type === 'text' ? message.content.text : '' }),
        });
      } catch (error) {
        throw new DeliveryError(`network: ${String(error)}`, true);
      }
      if (res.status >= 500) throw new DeliveryError(`provider answered ${res.status}`, true);
      const json = (await res.json()) as { sid: string };
      return { providerMessageIds: [json.sid] };
    },
  };
}

test('a reply is stored, queued, retried while the provider fails, delivered, and resumed after a restart', async () => {
  const dir = makeTempDir();
  const provider = await startProvider();
  const config = testConfig(dir, {
    outbox: { ...defaultConfig().outbox, baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 50 },
  });
  let node = new OmniNode(config, pino({ level: 'silent' }), { sms: httpAdapter(provider.url) });
  await node.start();
  let base = `http://127.0.0.1:${node.port}`;
  try {
    const inbound = await postJson<{ conversationId: string }>(base, '/v1/messages', {
      channel: 'sms',
      from: '+15557654321',
      text: 'Is my parcel on its way?',
    });
    provider.setFailing(true);
    const reply = await postJson<{ outboxId: string; seq: number; channel: string; to: string }>(
      base,
      `/v1/conversations/${inbound.body.conversationId}/messages`,
      { text: 'Yes, it ships today.', sender: { kind: 'agent', agentId: 'agent-7', name: 'Sam' } },
    );
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ seq: 2, channel: 'sms', to: '+15557654321' });
    await eventually(async () => (provider.calls.length >= 2 ? true : undefined));
    const pending = await getJson<OutboxRecord>(base, `/v1/outbox/${reply.body.outboxId}`);
    expect(pending.body.state).toBe('pending');
    expect(pending.body.errors.length).toBeGreaterThanOrEqual(1);
    expect(pending.body.errors[0]?.reason).toMatch(/503/);

    // Stop while the provider is still failing: the reply must survive and be delivered by the next node.
    await node.stop();
    const callsBefore = provider.calls.length;
    provider.setFailing(false);
    node = new OmniNode(config, pino({ level: 'silent' }), { sms: httpAdapter(provider.url) });
    await node.start();
    base = `http://127.0.0.1:${node.port}`;
    const sent = await eventually(async () => {
      const r = await getJson<OutboxRecord>(base, `/v1/outbox/${reply.body.outboxId}`);
      return r.body.state === 'sent' ? r.body : undefined;
    });
    expect(sent.providerMessageIds).toEqual([`SM${provider.calls.length}`]);
    expect(provider.calls.length).toBeGreaterThan(callsBefore);
    // Every attempt carried the same idempotency key and the same content.
    expect(new Set(provider.calls.map((c) => c.idempotencyKey))).toEqual(new Set([reply.body.outboxId]));
    expect(provider.calls.every((c) => c.body.text === 'Yes, it ships today.' && c.body.to === '+15557654321')).toBe(
      true,
    );

    const conversation = await getJson<ConversationWithMessages>(
      base,
      `/v1/conversations/${inbound.body.conversationId}`,
    );
    const out = conversation.body.messages[1];
    expect(out).toMatchObject({
      seq: 2,
      direction: 'outbound',
      channel: 'sms',
      content: { type: 'text', text: 'Yes, it ships today.' },
    });
    expect(out?.sender).toEqual({ kind: 'agent', agentId: 'agent-7', name: 'Sam' });
    expect(out?.metadata.outboxId).toBe(reply.body.outboxId);

    // Bad replies are refused with stable codes.
    const none = await postJson<{ error: { code: string } }>(
      base,
      `/v1/conversations/${inbound.body.conversationId}/messages`,
      {},
    );
    expect([none.status, none.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const wrongChannel = await postJson<{ error: { code: string } }>(
      base,
      `/v1/conversations/${inbound.body.conversationId}/messages`,
      { text: 'x', channel: 'telegram' },
    );
    expect(wrongChannel.status).toBe(400);
    const missing = await postJson<{ error: { code: string } }>(
      base,
      '/v1/conversations/cnv_0000000000000000000000/messages',
      { text: 'x' },
    );
    expect(missing.status).toBe(404);
  } finally {
    await node.stop();
    provider.server.close();
    removeDir(dir);
  }
});

test('a channel without an outbound adapter fails the delivery at once, with the reason recorded', async () => {
  const dir = makeTempDir();
  const node = new OmniNode(testConfig(dir, { shards: 1 }), pino({ level: 'silent' }), {});
  await node.start();
  const base = `http://127.0.0.1:${node.port}`;
  try {
    const inbound = await postJson<{ conversationId: string }>(base, '/v1/messages', {
      channel: 'telegram',
      from: '4242',
      text: 'hi',
    });
    const reply = await postJson<{ outboxId: string }>(
      base,
      `/v1/conversations/${inbound.body.conversationId}/messages`,
      { text: 'hello' },
    );
    const failed = await eventually(async () => {
      const r = await getJson<OutboxRecord>(base, `/v1/outbox/${reply.body.outboxId}`);
      return r.body.state === 'failed' ? r.body : undefined;
    });
    expect(failed.attempts).toBe(1);
    expect(failed.errors[0]).toMatchObject({ retryable: false, providerCode: 'NOT_CONFIGURED' });
  } finally {
    await node.stop();
    removeDir(dir);
  }
});
