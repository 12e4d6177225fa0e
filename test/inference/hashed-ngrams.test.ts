// The TypeScript feature extraction must be bit-identical to the Python side the models were trained with: replay
// every test vector (unicode, emoji, scripts, surrogates, truncation) written by models/features/hashing.py.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  fnv1a32Utf8,
  normalizeForHashing,
  textToIds,
  tokenizeForHashing,
  type HashingSpec,
} from '../../src/inference/features/hashed-ngrams.js';

interface Vectors {
  features: HashingSpec;
  fnv1a32: Record<string, number>;
  vectors: Array<{ text: string; normalized: string; tokens: Array<string | [string, boolean]>; ids: number[] }>;
}

const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'models', 'features', 'test-vectors.json'), 'utf8'),
) as Vectors;

test('FNV-1a over UTF-8 matches the reference table', () => {
  expect(Object.keys(vectors.fnv1a32).length).toBeGreaterThan(0);
  for (const [text, hash] of Object.entries(vectors.fnv1a32)) expect(fnv1a32Utf8(text)).toBe(hash);
});

test.each(vectors.vectors.map((v, i) => [i, v] as const))(
  'vector %i: normalization, tokens and ids are identical',
  (_i, vector) => {
    expect(normalizeForHashing(vector.text)).toBe(vector.normalized);
    const tokens = tokenizeForHashing(vector.text).map((t) => t.text);
    expect(tokens).toEqual(vector.tokens.map((t) => (Array.isArray(t) ? t[0] : t)));
    expect(textToIds(vector.text, vectors.features)).toEqual(vector.ids);
  },
);

test('the vectors cover truncation at maxLen', () => {
  expect(vectors.vectors.some((v) => v.ids.length === vectors.features.maxLen)).toBe(true);
});

test('the inline UTF-8 FNV-1a equals FNV-1a over TextEncoder bytes for any string (lone surrogates included)', () => {
  const utf8 = new TextEncoder();
  const reference = (text: string) => {
    let h = 0x811c9dc5;
    for (const byte of utf8.encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    return h >>> 0;
  };
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (text) => {
      expect(fnv1a32Utf8(text)).toBe(reference(text));
    }),
    { numRuns: 500 },
  );
});

test('textToIds equals the JavaScript reference of the spec (models/features/hashing.cjs) for any text', () => {
  // The runtime hashes character n-grams in place; the reference builds every n-gram string. Same ids, same order.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const reference = require('../../models/features/hashing.cjs') as {
    textToIds(text: string, spec: HashingSpec): number[];
  };
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'grapheme' }),
        fc.string(),
        fc.stringMatching(/^[a-zA-Z0-9 '!?]{0,80}$/),
      ),
      (text) => {
        expect(textToIds(text, vectors.features)).toEqual(reference.textToIds(text, vectors.features));
        // n-gram sizes in another order (hashed shortest first, taken in the spec's order) and a short maxLen.
        const other = { ...vectors.features, charNgrams: [5, 3, 4], maxLen: 40 };
        expect(textToIds(text, other)).toEqual(reference.textToIds(text, other));
      },
    ),
    { numRuns: 500 },
  );
});
