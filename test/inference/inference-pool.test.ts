/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The inference pool over real worker threads and real ONNX sessions: same answers as the models run directly,
// micro-batching, a bounded queue that refuses instead of growing, hot reload and worker replacement.
import * as path from 'node:path';
import pino from 'pino';
import { OmniError } from '../../src/domain/index.js';
import { InferencePool, TextAnalyzer } from '../../src/inference/index.js';

const MODELS = path.join(__dirname, '..', '..', 'models');
const TEXTS = [
  'please cancel order 4711',
  'where is my package, I need to track my order',
  'thank you so much, great service!',
  'this is terrible, I am furious',
  'I forgot my password',
  'hi',
  '',
  'Mi pedido no ha llegado todavía 😡',
];

let pool: InferencePool;
beforeAll(async () => {
  pool = new InferencePool({
    modelsDir: MODELS,
    workers: 2,
    maxBatch: 16,
    maxWaitMs: 5,
    logger: pino({ level: 'silent' }),
  });
  await pool.start();
});
afterAll(() => pool.close());

test('answers match the models run directly, and concurrent texts are micro-batched', async () => {
  const direct = await TextAnalyzer.load(MODELS);
  try {
    const expected = await direct.analyze(TEXTS);
    const before = pool.stats;
    const got = await Promise.all(
      Array.from({ length: 10 }, () => TEXTS)
        .flat()
        .map((t) => pool.analyze(t)),
    );
    got.forEach((analysis, i) => {
      const want = expected[i % TEXTS.length]!;
      expect(analysis.intent.label).toBe(want.intent.label);
      expect(analysis.intent.confidence).toBeCloseTo(want.intent.confidence, 5);
      expect(analysis.sentiment.label).toBe(want.sentiment.label);
      expect(analysis.sentiment.score).toBeGreaterThanOrEqual(-1);
      expect(analysis.sentiment.score).toBeLessThanOrEqual(1);
    });
    const after = pool.stats;
    expect(after.items - before.items).toBe(80);
    expect(after.batches - before.batches).toBeLessThanOrEqual(10);
  } finally {
    await direct.close();
  }
});

test('past the queue bound requests are refused at once with INFERENCE_OVERLOADED, and the rest still complete', async () => {
  const small = new InferencePool({
    modelsDir: MODELS,
    workers: 1,
    maxBatch: 8,
    maxWaitMs: 1,
    maxQueue: 20,
    logger: pino({ level: 'silent' }),
  });
  await small.start();
  try {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) => small.analyze(`message number ${i} about my order`)),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    expect(refused.length).toBeGreaterThan(0);
    expect(done.length).toBeGreaterThan(0);
    for (const r of refused)
      expect(((r as PromiseRejectedResult).reason as OmniError).code).toBe('INFERENCE_OVERLOADED');
    expect(small.stats.queued).toBe(0);
  } finally {
    await small.close();
  }
});

test('hot reload swaps models without dropping requests; a dead worker is replaced', async () => {
  const inFlight = Array.from({ length: 40 }, (_, i) => pool.analyze(`reload test ${i}`));
  await pool.reload();
  expect((await Promise.all(inFlight)).every((a) => typeof a.intent.label === 'string')).toBe(true);

  const workers = (pool as unknown as { workers: Array<{ worker: { terminate(): Promise<number> } }> }).workers;
  await workers[0]!.worker.terminate();
  // The survivor keeps serving; the replacement joins once its models are loaded.
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => pool.analyze(`after crash ${i}`)));
  expect(
    results.every(
      (r) =>
        r.status === 'fulfilled' || ((r as PromiseRejectedResult).reason as OmniError).code === 'INFERENCE_UNAVAILABLE',
    ),
  ).toBe(true);
  const deadline = Date.now() + 20_000;
  while (pool.stats.workers < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(pool.stats.workers).toBe(2);
  expect((await pool.analyze('still here?')).intent.label).toEqual(expect.any(String));
});

test("each worker's event-loop delay is reported with its answers and read once per scrape", async () => {
  pool.takeEventLoopLag(); // start from a clean slate
  await Promise.all(Array.from({ length: 64 }, (_, i) => pool.analyze(TEXTS[i % TEXTS.length] as string)));
  const lags = pool.takeEventLoopLag();
  expect(lags).toHaveLength(2);
  for (const ms of lags) {
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(0);
  }
  // Reading resets: with no answer since, every worker reads 0.
  expect(pool.takeEventLoopLag()).toEqual([0, 0]);
});

test('the batching wait applies only while waitWhen says so: a quiet node sends a lone text at once', async () => {
  let busy = false;
  const waiting = new InferencePool({
    modelsDir: MODELS,
    workers: 1,
    maxWaitMs: 400,
    waitWhen: () => busy,
    logger: pino({ level: 'silent' }),
  });
  await waiting.start();
  try {
    await waiting.analyze('warm up');
    const t0 = performance.now();
    await waiting.analyze('where is my order');
    const quiet = performance.now() - t0;
    busy = true;
    const before = waiting.stats;
    const t1 = performance.now();
    const first = waiting.analyze('where is my order');
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all([first, waiting.analyze('cancel my subscription')]); // joins the waiting batch
    const held = performance.now() - t1;
    expect(quiet).toBeLessThan(300); // not held for the 400-ms wait
    expect(held).toBeGreaterThanOrEqual(390);
    expect(waiting.stats.batches - before.batches).toBe(1);
    expect(waiting.stats.items - before.items).toBe(2);
  } finally {
    await waiting.close();
  }
});

// (A worker killed while it holds batches is not tested here: terminating a worker while onnxruntime runs aborts
// the whole process. The exit path that rejects every batch it held is the one the hot-reload test goes through.)
test('a worker holds up to pipelineDepth batches, each answered to its own callers', async () => {
  const direct = await TextAnalyzer.load(MODELS);
  const piped = new InferencePool({
    modelsDir: MODELS,
    workers: 1,
    maxBatch: 4,
    pipelineDepth: 2,
    onBatch: (_size, _seconds, workSeconds) => work.push(workSeconds),
    logger: pino({ level: 'silent' }),
  });
  const work: number[] = [];
  await piped.start();
  const inFlight = () =>
    (piped as unknown as { workers: Array<{ inFlight: unknown[] }> }).workers.map((w) => w.inFlight.length);
  try {
    const texts = Array.from({ length: 40 }, (_, i) => `${TEXTS[i % TEXTS.length]} (${i})`);
    const expected = await direct.analyze(texts);
    const started = performance.now();
    const answers = texts.map((t) => piped.analyze(t));
    // 40 texts, batches of 4: the first two are posted at once, the rest wait in the pool's queue.
    expect(inFlight()).toEqual([2]);
    expect(piped.stats.queued).toBe(32);
    const got = await Promise.all(answers);
    expect(work).toHaveLength(10);
    expect(work.every((s) => s > 0 && s <= (performance.now() - started) / 1000)).toBe(true);
    got.forEach((analysis, i) => {
      expect(analysis.intent.label).toBe(expected[i]!.intent.label);
      expect(analysis.intent.confidence).toBeCloseTo(expected[i]!.intent.confidence, 5);
      expect(analysis.sentiment.score).toBeCloseTo(expected[i]!.sentiment.score, 5);
    });
    expect(inFlight()).toEqual([0]);
  } finally {
    await direct.close();
    await piped.close();
  }
});
