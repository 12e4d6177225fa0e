/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// A hashed-feature model may declare a dense lexicon input (features.lexicon: VADER's 4 scores per message). The loader
// checks the declaration against the graph, so a mismatch fails at load with a clear error instead of a wrong answer.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { OnnxTextClassifier } from '../../src/inference/onnx-text-classifier.js';
import { LEXICON_COLUMNS, lexiconFeatures, vaderScores } from '../../src/inference/lexicon/index.js';

const MODELS = path.join(__dirname, '..', '..', 'models');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'omnicx-lexicon-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The intent model (no lexicon input) with its manifest's features.lexicon set to `lexicon`. */
function intentWithLexicon(lexicon: unknown): string {
  cpSync(path.join(MODELS, 'intent', 'model.onnx'), path.join(dir, 'model.onnx'));
  const manifest = JSON.parse(readFileSync(path.join(MODELS, 'intent', 'manifest.json'), 'utf8'));
  manifest.features.lexicon = lexicon;
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

test('a manifest declaring a lexicon input the graph does not have is refused at load', async () => {
  const spec = { name: 'vader-sentiment-1.1.3', input: 'lexicon', columns: [...LEXICON_COLUMNS] };
  await expect(OnnxTextClassifier.load(intentWithLexicon(spec))).rejects.toThrow(/declares the lexicon input lexicon/);
});

test('an unknown lexicon is refused at load', async () => {
  const spec = { name: 'afinn-165', input: 'lexicon', columns: [...LEXICON_COLUMNS] };
  await expect(OnnxTextClassifier.load(intentWithLexicon(spec))).rejects.toThrow(/unsupported features.lexicon/);
});

test('the lexicon input holds each text’s VADER scores, row by row', () => {
  const texts = ['I love it!!', 'this is terrible', '', 'where is my order?'];
  const values = lexiconFeatures(texts);
  expect(values.length).toBe(texts.length * 4);
  texts.forEach((t, i) => {
    const s = vaderScores(t);
    expect(Array.from(values.subarray(i * 4, i * 4 + 4))).toEqual([s.compound, s.neg, s.neu, s.pos].map(Math.fround));
  });
});

test('the committed sentiment model, if it takes the lexicon, reads it: the same ids with other scores move it', async () => {
  const sentiment = await OnnxTextClassifier.load(path.join(MODELS, 'sentiment'));
  try {
    const features = sentiment.hashingSpec!;
    if (features.lexicon === undefined) return; // a version-4 model: nothing to check
    // "GREAT!!!" and "great" hash alike (normalised ids) but VADER scores the capitals and the marks higher.
    const [loud, plain] = await sentiment.classify(['this is GREAT!!!', 'this is great']);
    const p = (c: typeof loud) => c!.ranking.find((r) => r.label === 'positive')!.probability;
    expect(p(loud)).toBeGreaterThan(p(plain));
  } finally {
    await sentiment.close();
  }
});
