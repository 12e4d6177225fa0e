// The negation-scope ids (omnicx-neg-v1) must be bit-identical to the Python reference the sentiment model was
// trained with: replay models/features/negation-vectors.json (written by models/features/hashing.py), then check the
// rules that hold for any text.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { HashingSpec } from '../../src/inference/features/hashed-ngrams.js';
import { negatedWords, negationIds, type NegationSpec } from '../../src/inference/features/negation-scope.js';

interface NegationVectors {
  features: HashingSpec;
  negation: NegationSpec;
  vectors: Array<{ text: string; negatedWords: string[]; ids: number[] }>;
}

const doc = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'models', 'features', 'negation-vectors.json'), 'utf8'),
) as NegationVectors;
const spec = doc.negation;
const firstId = 1 + doc.features.wordBuckets + doc.features.charBuckets;

test.each(doc.vectors.map((v, i) => [i, v] as const))('vector %i: negated words and ids are identical', (_i, v) => {
  expect(negatedWords(v.text, spec)).toEqual(v.negatedWords);
  expect(negationIds(v.text, spec, firstId)).toEqual(v.ids);
});

test('the vectors cover a scope, a clause break, a stop word, a symbol and the id cap', () => {
  const words = (text: string) => doc.vectors.find((v) => v.text === text)?.negatedWords;
  expect(words('I am not happy with the product')).toEqual(['happy']);
  expect(words('not bad, the delivery was quick')).toEqual(['bad']);
  expect(words('not cheap but good')).toEqual(['cheap']);
  expect(words("isn't it great?")).toEqual(['great']);
  expect(doc.vectors.some((v) => v.ids.length === spec.maxIds || v.negatedWords.length > v.ids.length)).toBe(true);
});

test('negation ids are distinct, in their own range, at most maxIds, and absent without a negator', () => {
  const word = fc.constantFrom('not', 'never', "don't", 'happy', 'good', 'bad', 'very', 'but', 'the', 'app', 'NO');
  const sep = fc.constantFrom(' ', ', ', '. ', '!', ' 😀 ', '\n', '  ');
  const text = fc.array(fc.tuple(word, sep), { maxLength: 40 }).map((parts) => parts.flat().join(''));
  fc.assert(
    fc.property(fc.oneof(text, fc.string({ maxLength: 200 })), (t) => {
      const ids = negationIds(t, spec, firstId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeLessThanOrEqual(spec.maxIds);
      for (const id of ids) {
        expect(id).toBeGreaterThanOrEqual(firstId);
        expect(id).toBeLessThan(firstId + spec.buckets);
      }
      // Without any negator in the text there is no scope, so no id.
      if (!spec.negators.some((n) => t.toLowerCase().replace(/['’]/g, '').includes(n))) expect(ids).toEqual([]);
    }),
    { numRuns: 200 },
  );
});
