/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The inference worker's warm-up: which texts it uses, that it analyses exactly the configured number in batches
// of mixed sizes, and that a real pool's workers report it (done before they serve) in the "ready" log.
import { Writable } from 'node:stream';
import * as path from 'node:path';
import pino from 'pino';
import { InferencePool } from '../../src/inference/index.js';
import type { AnalysisItem, TextAnalysis } from '../../src/inference/inference-protocol.js';
import { warmUp, warmUpTexts } from '../../src/inference/warm-up.js';

const MODELS = path.join(__dirname, '..', '..', 'models');

test("the warm-up texts are the built-in messages plus the models' own examples, without CSV headers", () => {
  const texts = warmUpTexts(MODELS);
  expect(texts).toContain('where is my order 4711? it was due yesterday');
  expect(texts).toContain('your website is down'); // models/intent/own-examples.csv
  expect(texts).toContain('my order never showed up'); // models/sentiment/own-examples.csv
  expect(texts).not.toContain('text');
  expect(texts.every((t) => t.trim() !== '' && !t.endsWith('\r'))).toBe(true);
  // A models folder without examples (a user's own models) still has the built-in messages.
  expect(warmUpTexts(path.join(MODELS, 'does-not-exist')).length).toBeGreaterThan(20);
});

test('warmUp analyses exactly `count` texts, cycling through them, in batches of mixed sizes', async () => {
  const batches: AnalysisItem[][] = [];
  const target = {
    analyzeItems: (items: AnalysisItem[]) => {
      batches.push(items);
      return Promise.resolve([] as TextAnalysis[]);
    },
  };
  const result = await warmUp(target, ['a', 'b', 'c'], 250);
  const sizes = batches.map((b) => b.length);
  expect(result.texts).toBe(250);
  expect(result.batches).toBe(batches.length);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
  expect(new Set(sizes).size).toBeGreaterThan(3);
  expect(
    batches
      .flat()
      .map((i) => i.text)
      .slice(0, 7),
  ).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  expect(await warmUp(target, [], 10)).toEqual({ texts: 0, batches: 0, ms: 0 });
  expect((await warmUp(target, ['a'], 0)).texts).toBe(0);
  // A failing analysis stops the warm-up with the analyzer's error (the worker logs it and serves anyway).
  const failing = { analyzeItems: () => Promise.reject(new Error('model broken')) };
  await expect(warmUp(failing, ['a'], 5)).rejects.toThrow('model broken');
});

test('each real worker analyses its warm-up texts before it reports ready, and serves afterwards', async () => {
  const lines: Array<{ msg?: string; warmUp?: { texts: number; batches: number; ms: number } }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  const pool = new InferencePool({ modelsDir: MODELS, workers: 1, warmUpTexts: 300, logger: pino(sink) });
  await pool.start();
  try {
    const ready = lines.filter((l) => l.msg === 'inference worker ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]?.warmUp?.texts).toBe(300);
    expect(ready[0]?.warmUp?.batches).toBeGreaterThan(10);
    expect(ready[0]?.warmUp?.ms).toBeGreaterThan(0);
    // The warm-up's batches are the worker's own: the pool's counters start at zero.
    expect(pool.stats).toMatchObject({ batches: 0, items: 0 });
    const analysis = await pool.analyze('please cancel order 4711');
    expect(analysis.entities.some((e) => e.type === 'order_id')).toBe(true);
  } finally {
    await pool.close();
  }
});
