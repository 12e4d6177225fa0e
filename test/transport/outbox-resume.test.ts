// A long SMS split into several Twilio messages fails half-way: the retry resumes after the parts that went out, so
// the customer receives every part exactly once. Real Twilio adapter, real delivery engine and LMDB outbox, and a
// local server speaking the Twilio Messages API that fails the second part once.
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import pino from 'pino';
import { parseTenantId, type ConversationId } from '../../src/domain/index.js';
import { Storage, type OutboxRecord } from '../../src/persistence/index.js';
import { createTwilioSmsAdapter, DeliveryEngine } from '../../src/transport/outbound/index.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

test('a split message resumes after the parts already sent', async () => {
  const bodies: string[] = [];
  let failedOnce = false;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = new URLSearchParams(raw).get('Body') ?? '';
      if (bodies.length === 1 && !failedOnce) {
        failedOnce = true;
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"code":20500,"message":"Service unavailable","status":503}');
        return;
      }
      bodies.push(body);
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: `SM${bodies.length}`, status: 'queued' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = makeTempDir();
  const storage = Storage.open(path.join(dir, 'data'), { create: true });
  try {
    const adapter = createTwilioSmsAdapter(
      {
        baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        accountSid: 'ACtest',
        authToken: 'token',
        from: '+15550000000',
      },
      (url, init) => fetch(url, init),
    );
    let clock = 1_000_000;
    const engine = new DeliveryEngine({
      store: storage.outbox,
      adapters: { sms: adapter },
      policy: { baseDelayMs: 10, maxDelayMs: 100, maxAttempts: 5 },
      concurrency: 1,
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} of a long answer.`);
    const text = sentences.join(' ');
    expect(text.length).toBeGreaterThan(1600); // Twilio's Body limit: two messages at least
    const tenant = parseTenantId('resume');
    const record: OutboxRecord = {
      id: 'out-resume',
      tenant,
      conversationId: 'cnv_0000000000000000000000' as ConversationId,
      seq: 2,
      channel: 'sms',
      to: '+15557654321',
      content: { type: 'text', text },
      context: {},
      state: 'pending',
      attempts: 0,
      nextAttemptAt: clock,
      createdAt: clock,
      updatedAt: clock,
      errors: [],
      providerMessageIds: [],
    };
    await storage.outbox.save(record);
    await engine.runOnce();
    const afterFailure = storage.outbox.get(tenant, record.id)!;
    expect(afterFailure).toMatchObject({ state: 'pending', attempts: 1, providerMessageIds: ['SM1'] });
    clock = afterFailure.nextAttemptAt;
    await engine.runOnce();
    const final = storage.outbox.get(tenant, record.id)!;
    expect(final.state).toBe('sent');
    // Every part exactly once, in order, and together the whole text.
    expect(final.providerMessageIds).toEqual(bodies.map((_, i) => `SM${i + 1}`));
    expect(bodies.join(' ').replace(/\s+/g, ' ')).toBe(text);
    expect(new Set(bodies).size).toBe(bodies.length);
  } finally {
    storage.close();
    server.close();
    removeDir(dir);
  }
});
