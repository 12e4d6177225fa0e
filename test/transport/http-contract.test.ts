// The HTTP contract of issue #2 against a real node: uWS on 127.0.0.1, shard worker threads, LMDB in a temp dir.
import pino from 'pino';
import type { OmniConfig } from '../../src/config/index.js';
import { testConfig } from '../helpers/test-config.js';
import type { ConversationWithMessages, CustomerProfile } from '../../src/domain/index.js';
import { OmniNode } from '../../src/node.js';
import { getJson, postJson, type ErrorBody } from '../helpers/http.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

interface Ack {
  conversationId: string;
  customerId: string;
  messageId: string;
  seq: number;
  duplicate: boolean;
}

const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';

async function startNode(overrides: Partial<OmniConfig>): Promise<{ node: OmniNode; base: string; dir: string }> {
  const dir = makeTempDir();
  const node = new OmniNode(testConfig(dir, { maxBodyBytes: 4096, ...overrides }), pino({ level: 'silent' }));
  await node.start();
  return { node, base: `http://127.0.0.1:${node.port}`, dir };
}

describe('single-tenant node (embedded default)', () => {
  let node: OmniNode;
  let base: string;
  let dir: string;
  beforeAll(async () => ({ node, base, dir } = await startNode({})));
  afterAll(async () => {
    await node.stop();
    removeDir(dir);
  });

  test('GET /health reports ready with the shard count', async () => {
    const res = await getJson(base, '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', shards: 2 });
  });

  test('POST /v1/messages answers 202 with ids and seq; cross-channel by phone is one conversation', async () => {
    const a = await postJson<Ack>(base, '/v1/messages', {
      channel: 'whatsapp',
      from: '+44 7700 900123',
      text: 'Hi, my order is late',
      providerMessageId: 'wamid.A1',
      name: 'Ada',
    });
    expect(a.status).toBe(202);
    expect(a.body).toMatchObject({ seq: 1, duplicate: false });
    expect(a.body.conversationId).toMatch(/^cnv_/);
    expect(a.body.customerId).toMatch(/^cus_/);
    expect(a.body.messageId).toMatch(/^msg_/);
    const b = await postJson<Ack>(base, '/v1/messages', {
      channel: 'sms',
      from: '447700900123',
      text: 'Sent by SMS too',
      timestamp: new Date().toISOString(),
    });
    const c = await postJson<Ack>(base, '/v1/messages', {
      channel: 'voice',
      from: '+447700900123',
      text: 'calling',
      timestamp: Math.floor(Date.now() / 1000),
    });
    expect([b.status, c.status]).toEqual([202, 202]);
    expect(b.body.customerId).toBe(a.body.customerId);
    expect(c.body.conversationId).toBe(a.body.conversationId);
    expect([b.body.seq, c.body.seq]).toEqual([2, 3]);

    const conversation = await getJson<ConversationWithMessages>(base, `/v1/conversations/${a.body.conversationId}`);
    expect(conversation.status).toBe(200);
    expect(conversation.body.archived).toBe(false);
    expect(conversation.body.messages.map((m) => [m.seq, m.channel])).toEqual([
      [1, 'whatsapp'],
      [2, 'sms'],
      [3, 'voice'],
    ]);
    expect(conversation.body.messages[0]?.content).toEqual({ type: 'text', text: 'Hi, my order is late' });

    // Long timelines page with fromSeq/limit.
    const page = await getJson<ConversationWithMessages>(
      base,
      `/v1/conversations/${a.body.conversationId}?fromSeq=2&limit=1`,
    );
    expect(page.body.messages.map((m) => m.seq)).toEqual([2]);
    expect(page.body.lastSeq).toBe(3);
    expect((await getJson(base, `/v1/conversations/${a.body.conversationId}?limit=0`)).status).toBe(400);

    const customer = await getJson<CustomerProfile>(base, `/v1/customers/${a.body.customerId}`);
    expect(customer.status).toBe(200);
    expect(customer.body.name).toBe('Ada');
    expect(customer.body.identities).toEqual([{ kind: 'phone', value: '+447700900123' }]);
    expect(customer.body.contacts.map((x) => x.channel)).toEqual(['whatsapp', 'sms', 'voice']);
  });

  test('a repeated (channel, providerMessageId) returns the original ids and stores nothing new', async () => {
    const body = { channel: 'telegram', from: '98765', text: 'first', providerMessageId: 'tg-77' };
    const first = await postJson<Ack>(base, '/v1/messages', body);
    const again = await Promise.all(
      [1, 2, 3].map(() => postJson<Ack>(base, '/v1/messages', { ...body, text: 'retry' })),
    );
    for (const r of again) {
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ ...first.body, duplicate: true });
    }
    const conversation = await getJson<ConversationWithMessages>(
      base,
      `/v1/conversations/${first.body.conversationId}`,
    );
    expect(conversation.body.messages).toHaveLength(1);
    const lookup = await getJson<{ id: string }>(base, '/v1/messages?channel=telegram&providerMessageId=tg-77');
    expect(lookup.status).toBe(200);
    expect(lookup.body.id).toBe(first.body.messageId);
    // The same provider id on another channel is another message.
    const other = await postJson<Ack>(base, '/v1/messages', { ...body, channel: 'messenger' });
    expect(other.body.duplicate).toBe(false);
  });

  test.each([
    ['malformed JSON', '{"channel": "sms", ', 400, 'INVALID_JSON'],
    ['a JSON array', '[1,2]', 400, 'VALIDATION_FAILED'],
    ['missing from', { channel: 'sms', text: 'x' }, 400, 'VALIDATION_FAILED'],
    ['missing text', { channel: 'sms', from: '+15550001' }, 400, 'VALIDATION_FAILED'],
    ['wrong type', { channel: 'sms', from: '+15550001', text: 42 }, 400, 'VALIDATION_FAILED'],
    ['unknown field', { channel: 'sms', from: '+15550001', text: 'x', colour: 'red' }, 400, 'VALIDATION_FAILED'],
    ['unknown channel', { channel: 'pigeon', from: 'x', text: 'x' }, 400, 'UNKNOWN_CHANNEL'],
    [
      'bad timestamp',
      { channel: 'sms', from: '+15550001', text: 'x', timestamp: 'yesterday-ish' },
      400,
      'VALIDATION_FAILED',
    ],
    ['bad sender for its channel', { channel: 'sms', from: 'not-a-number', text: 'x' }, 400, 'INVALID_SENDER'],
    ['bad email hint', { channel: 'sms', from: '+15550001', text: 'x', email: 'nope' }, 400, 'VALIDATION_FAILED'],
    ['body over the limit', { channel: 'sms', from: '+15550001', text: 'x'.repeat(5000) }, 413, 'PAYLOAD_TOO_LARGE'],
  ])('bad input (%s) gets a 4xx with a stable code and stores nothing', async (_label, body, status, code) => {
    const res = await postJson<ErrorBody>(base, '/v1/messages', body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    // The sender of a refused message was never created.
    const lookup = await postJson<Ack>(base, '/v1/messages', { channel: 'sms', from: '+15550001', text: 'probe' });
    expect(lookup.body.seq).toBeGreaterThanOrEqual(1);
  });

  test('nothing from refused requests was stored', async () => {
    const probe = await postJson<Ack>(base, '/v1/messages', { channel: 'sms', from: '+15550001', text: 'final probe' });
    const conversation = await getJson<ConversationWithMessages>(
      base,
      `/v1/conversations/${probe.body.conversationId}`,
    );
    expect(conversation.body.messages.every((m) => m.content.type === 'text' && /probe/.test(m.content.text))).toBe(
      true,
    );
  });

  test('wrong content type → 415; chunked body over the limit → 413; unknown route → 404; wrong method → 405', async () => {
    const form = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as ErrorBody).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
        controller.close();
      },
    });
    const chunked = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const missing = await getJson<ErrorBody>(base, '/v1/nope');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    const wrong = await fetch(`${base}/v1/messages`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    const unknownConversation = await getJson<ErrorBody>(base, '/v1/conversations/cnv_0000000000000000000000');
    expect([unknownConversation.status, unknownConversation.body.error.code]).toEqual([404, 'CONVERSATION_NOT_FOUND']);
    const unknownCustomer = await getJson<ErrorBody>(base, '/v1/customers/not-an-id');
    expect([unknownCustomer.status, unknownCustomer.body.error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
    // Still serving.
    expect((await getJson(base, '/health')).status).toBe(200);
  });

  test('POST /v1/customers/:id/identities links an identity explicitly and merges the customer who held it', async () => {
    const phone = await postJson<Ack>(base, '/v1/messages', {
      channel: 'whatsapp',
      from: '+33612345678',
      text: 'bonjour',
    });
    const mail = await postJson<Ack>(base, '/v1/messages', {
      channel: 'email',
      from: 'claire@example.fr',
      text: 'par mail',
    });
    expect(phone.body.customerId).not.toBe(mail.body.customerId);
    const linked = await postJson<CustomerProfile>(base, `/v1/customers/${mail.body.customerId}/identities`, {
      identities: [{ kind: 'phone', value: '+33 6 12 34 56 78' }],
    });
    expect(linked.status).toBe(200);
    expect(linked.body.identities).toEqual(
      expect.arrayContaining([
        { kind: 'phone', value: '+33612345678' },
        { kind: 'email', value: 'claire@example.fr' },
      ]),
    );
    const sms = await postJson<Ack>(base, '/v1/messages', { channel: 'sms', from: '+33612345678', text: 'et par sms' });
    const mail2 = await postJson<Ack>(base, '/v1/messages', {
      channel: 'email',
      from: 'claire@example.fr',
      text: 'encore',
    });
    expect(sms.body.customerId).toBe(linked.body.id);
    expect(mail2.body.conversationId).toBe(sms.body.conversationId);
    const viaOldId = await getJson<CustomerProfile>(base, `/v1/customers/${phone.body.customerId}`);
    expect(viaOldId.body.id).toBe(linked.body.id);
    const bad = await postJson<ErrorBody>(base, `/v1/customers/${mail.body.customerId}/identities`, {
      identities: [{ kind: 'phone', value: 'abc' }],
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknown = await postJson<ErrorBody>(base, '/v1/customers/cus_0000000000000000000000/identities', {
      identities: [{ kind: 'email', value: 'x@y.com' }],
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
  });

  test('GET /metrics exposes Prometheus text', async () => {
    const res = await fetch(`${base}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('omnicx_messages_ingested_total');
    expect(text).toContain('omnicx_http_request_duration_seconds_bucket');
    expect(text).toMatch(/omnicx_actors_in_memory\{shard="[01]",kind="conversations"\} [1-9]/);
    expect(text).toMatch(/omnicx_shard_heap_used_bytes\{shard="1"\} \d+/);
  });
});

describe('multi-tenant node', () => {
  let node: OmniNode;
  let base: string;
  let dir: string;
  beforeAll(
    async () =>
      ({ node, base, dir } = await startNode({
        tenants: [
          { id: 'acme', apiKeys: [KEY_A] },
          { id: 'globex', apiKeys: [KEY_B] },
        ],
      })),
  );
  afterAll(async () => {
    await node.stop();
    removeDir(dir);
  });

  test('requests need an API key, and one tenant cannot read or link into another', async () => {
    const anonymous = await postJson<ErrorBody>(base, '/v1/messages', {
      channel: 'sms',
      from: '+15551112222',
      text: 'x',
    });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    const wrongKey = await postJson<ErrorBody>(
      base,
      '/v1/messages',
      { channel: 'sms', from: '+15551112222', text: 'x' },
      { authorization: 'Bearer not-a-real-key-000000' },
    );
    expect(wrongKey.status).toBe(401);

    const asA = { authorization: `Bearer ${KEY_A}` };
    const asB = { authorization: `Bearer ${KEY_B}` };
    const a = await postJson<Ack>(
      base,
      '/v1/messages',
      { channel: 'sms', from: '+15551112222', text: 'acme secret', providerMessageId: 'same-id' },
      asA,
    );
    const b = await postJson<Ack>(
      base,
      '/v1/messages',
      { channel: 'sms', from: '+15551112222', text: 'globex hello', providerMessageId: 'same-id' },
      asB,
    );
    expect([a.status, b.status]).toEqual([202, 202]);
    // Same phone and same provider id, but different tenants: separate customers, no cross-tenant dedup.
    expect(b.body.customerId).not.toBe(a.body.customerId);
    expect(b.body.duplicate).toBe(false);

    expect((await getJson(base, `/v1/conversations/${a.body.conversationId}`, asA)).status).toBe(200);
    const leak = await getJson<ErrorBody>(base, `/v1/conversations/${a.body.conversationId}`, asB);
    expect([leak.status, leak.body.error.code]).toEqual([404, 'CONVERSATION_NOT_FOUND']);
    const leakCustomer = await getJson<ErrorBody>(base, `/v1/customers/${a.body.customerId}`, asB);
    expect(leakCustomer.status).toBe(404);
    const leakLookup = await getJson<ErrorBody>(base, '/v1/messages?channel=sms&providerMessageId=same-id', asB);
    expect(leakLookup.status).toBe(200);
    expect((leakLookup.body as unknown as { id: string }).id).toBe(b.body.messageId);
  });
});
