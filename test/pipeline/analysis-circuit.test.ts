/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// Inference down: messages are still stored and acknowledged, they wait in the durable analysis-due index, the
// circuit opens after consecutive failures (no hammering a dead pool), and they are analysed once inference is back.
import pino from 'pino';
import { DEFAULT_MODELS_DIR } from '../../src/config/index.js';
import { InferencePool } from '../../src/inference/index.js';
import { AnalysisPipeline } from '../../src/pipeline/index.js';
import { freshTenant, startInProcessNode } from '../helpers/in-process-node.js';

const silent = pino({ level: 'silent' });

test('while inference is down messages wait (circuit opens); when it is back they are all analysed once', async () => {
  const node = startInProcessNode({ analysis: true });
  const dead = new InferencePool({ modelsDir: DEFAULT_MODELS_DIR, logger: silent });
  await dead.start();
  await dead.close(); // every analyze() now rejects with INFERENCE_UNAVAILABLE
  const down = new AnalysisPipeline({
    pool: dead,
    gateway: node.gateway,
    storage: node.storage,
    logger: silent,
    breakAfter: 3,
    halfOpenAfterMs: 60_000,
  });
  node.gateway.onStored((tenant, draft, result) =>
    down.submit(
      { tenant, ...result },
      { channel: draft.channel, from: draft.from },
      draft.content.type === 'text' ? draft.content.text : '',
      Date.now(),
    ),
  );
  const tenant = freshTenant();
  const acks = [];
  for (let i = 0; i < 10; i++) {
    acks.push(
      await node.gateway.ingest(tenant, {
        channel: 'sms',
        from: `+4477009222${i % 4}`,
        content: { type: 'text', text: `message ${i}: where is my refund?` },
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(down.circuit).toBe('open');
  expect(down.stats.failed).toBe(3);
  expect(down.stats.skippedOpenCircuit).toBe(7);
  down.stop();
  const waiting = [...node.storage.analysisDue.pending(1000)].filter((e) => e.tenant === tenant);
  expect(waiting).toHaveLength(10);

  const live = new InferencePool({ modelsDir: DEFAULT_MODELS_DIR, logger: silent });
  await live.start();
  const up = new AnalysisPipeline({
    pool: live,
    gateway: node.gateway,
    storage: node.storage,
    logger: silent,
    sweepMinAgeMs: 0,
  });
  let events = 0;
  up.onAnalysed(() => events++);
  await up.sweep();
  up.stop();
  await live.close();
  expect(events).toBe(10);
  await node.storage.flushed(); // analysis commits are write-behind on inline shards: the due entries go with them
  expect([...node.storage.analysisDue.pending(1000)].filter((e) => e.tenant === tenant)).toHaveLength(0);
  for (const ack of acks) {
    const conversation = await node.gateway.getConversation(tenant, ack.conversationId);
    const message = conversation.messages.find((m) => m.seq === ack.seq);
    expect(message?.analysis?.status).toBe('analysed');
  }
  node.destroy();
});

test('a message whose analysis keeps failing is dead-lettered, and analysed when replayed', async () => {
  const node = startInProcessNode({ analysis: true });
  const dead = new InferencePool({ modelsDir: DEFAULT_MODELS_DIR, logger: silent });
  await dead.start();
  await dead.close();
  const failing = new AnalysisPipeline({
    pool: dead,
    gateway: node.gateway,
    storage: node.storage,
    logger: silent,
    breakAfter: 1000, // keep calling: this test is about one poison message, not an outage
    maxAttempts: 3,
    retryBaseMs: 1,
    sweepMinAgeMs: 0,
  });
  const tenant = freshTenant();
  const ack = await node.gateway.ingest(tenant, {
    channel: 'telegram',
    from: '424242',
    content: { type: 'text', text: 'this one always fails' },
  });
  const letters = () => node.storage.deadLetters.list(tenant);
  for (let attempt = 0; attempt < 10 && letters().length === 0; attempt++) {
    await failing.sweep(Date.now() + 60_000);
  }
  failing.stop();
  expect(letters()).toHaveLength(1);
  const [letter] = letters();
  expect(letter).toMatchObject({ step: 'analysis', conversationId: ack.conversationId, seq: ack.seq, attempts: 3 });
  expect(letter?.lastError.code).toBe('INFERENCE_UNAVAILABLE');
  // Out of the waiting line: it no longer trips anything.
  expect([...node.storage.analysisDue.pending(100)].filter((e) => e.tenant === tenant)).toHaveLength(0);

  const live = new InferencePool({ modelsDir: DEFAULT_MODELS_DIR, logger: silent });
  await live.start();
  const healthy = new AnalysisPipeline({ pool: live, gateway: node.gateway, storage: node.storage, logger: silent });
  expect(await healthy.replay(tenant, 'dl_nope')).toBe(false);
  expect(await healthy.replay(tenant, letter?.id as string)).toBe(true);
  healthy.stop();
  await live.close();
  expect(letters()).toHaveLength(0);
  const conversation = await node.gateway.getConversation(tenant, ack.conversationId);
  expect(conversation.messages[0]?.analysis?.status).toBe('analysed');
  node.destroy();
});
