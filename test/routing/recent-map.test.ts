// RecentMap: bounded per-conversation memory keeps the most recently written keys.
import { RecentMap } from '../../src/routing/recent-map';

test('keeps the most recently written keys, up to its capacity', () => {
  const m = new RecentMap<string, number>(3);
  for (const [k, v] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const)
    m.set(k, v);
  m.set('a', 10); // a is now the newest
  m.set('d', 4); // over capacity: the oldest written (b) goes
  expect(m.size).toBe(3);
  expect([m.get('a'), m.get('b'), m.get('c'), m.get('d')]).toEqual([10, undefined, 3, 4]);
  expect(m.delete('c')).toBe(true);
  expect(m.size).toBe(2);
  for (let i = 0; i < 10_000; i++) m.set(`k${i}`, i);
  expect(m.size).toBe(3);
  expect(m.get('k9999')).toBe(9999);
  expect(() => new RecentMap(0)).toThrow(RangeError);
});
