// CoalescingFlush: the first request after a quiet spell flushes on the next turn (no added latency); requests in
// the same turn share one flush; under a stream of requests flushes are at least `minIntervalMs` apart.
import { CoalescingFlush } from '../../src/actors/coalescing-flush.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('requests in one turn share one flush, on the next turn', async () => {
  let flushes = 0;
  const flusher = new CoalescingFlush(() => flushes++, 1);
  for (let i = 0; i < 100; i++) flusher.request();
  expect(flushes).toBe(0);
  await turn();
  expect(flushes).toBe(1);
});

test('a steady stream is flushed at most once per interval, and the last request is always flushed', async () => {
  const at: number[] = [];
  const flusher = new CoalescingFlush(() => at.push(performance.now()), 5);
  const started = performance.now();
  while (performance.now() - started < 100) {
    flusher.request();
    await turn();
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  const elapsed = performance.now() - started;
  expect(at.length).toBeGreaterThan(2);
  // Spaced by the interval: never more flushes than intervals that fit in the elapsed time (timers only fire late).
  expect(at.length).toBeLessThanOrEqual(Math.floor(elapsed / 5) + 1);
  for (let i = 1; i < at.length; i++) expect((at[i] as number) - (at[i - 1] as number)).toBeGreaterThanOrEqual(4);
  const lastRequest = performance.now();
  flusher.request();
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(at.at(-1) as number).toBeGreaterThanOrEqual(lastRequest);
});

test('now() flushes at once', () => {
  let flushes = 0;
  const flusher = new CoalescingFlush(() => flushes++);
  flusher.now();
  expect(flushes).toBe(1);
});
