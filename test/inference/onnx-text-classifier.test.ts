/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The committed default models load and run through onnxruntime-node from TypeScript, with the features computed by
// the TypeScript port: real sessions, real models, plain customer-service messages.
import * as path from 'node:path';
import { readLabelledTsv } from '../../bench/lib/labelled-tsv.js';
import { OnnxTextClassifier } from '../../src/inference/onnx-text-classifier.js';
import { TextAnalyzer } from '../../src/inference/text-analyzer.js';

const MODELS = path.join(__dirname, '..', '..', 'models');

describe('intent model', () => {
  let intent: OnnxTextClassifier;
  beforeAll(async () => {
    intent = await OnnxTextClassifier.load(path.join(MODELS, 'intent'));
  });
  afterAll(() => intent.close());

  test('clear customer-service requests get their intent; probabilities are a distribution', async () => {
    const cases: Array<[string, string]> = [
      ['please cancel order 4711', 'cancel_order'],
      // Until the intent model of 2026-12-07 these two read as get_refund (0.58, 0.75): Banking77 request_refund rows
      // that only ask to cancel an order (moved by label-mapping.json's reassign rule) and no own cancel examples.
      ['I want to cancel my order', 'cancel_order'],
      ['cancel my order please', 'cancel_order'],
      ['how can I reset my password? I forgot it', 'recover_password'],
      ['where is my package, I need to track my order', 'track_order'],
      ['I want a refund for the broken item', 'get_refund'],
    ];
    const results = await intent.classify(cases.map(([text]) => text));
    results.forEach((result, i) => {
      expect(result.label).toBe(cases[i]![1]);
      const sum = result.ranking.reduce((s, r) => s + r.probability, 0);
      expect(sum).toBeCloseTo(1, 4);
      expect(result.confidence).toBeGreaterThan(0);
      expect(result.confidence).toBeLessThanOrEqual(1);
      expect(result.ranking).toHaveLength(intent.manifest.labels.length);
    });
  });

  test('hand-written customer phrases never trained on (bench/data/intent-phrases-holdout.tsv): at least 90 % right', async () => {
    // 150 in-scope messages, 5 per label, written apart from the training examples (train.py leaves out any text that
    // is in the phrase sets). The model before the own examples of the Bitext intents got 53.3 %, this one 98.0 %
    // (npm run eval:intent-phrases); the line guards against a retrain that loses them. Out-of-scope rejection is
    // applied as the runtime does (outOfScope → 'other').
    const rows = readLabelledTsv(
      path.join(__dirname, '..', '..', 'bench', 'data', 'intent-phrases-holdout.tsv'),
    ).filter((row) => row.label !== 'other');
    expect(rows).toHaveLength(150);
    const results = await intent.classify(rows.map((row) => row.text));
    const right = results.filter((r, i) => (r.outOfScope ? 'other' : r.label) === rows[i]!.label).length;
    expect(right / rows.length).toBeGreaterThanOrEqual(0.9);
  });

  test('a batch gives the same answers as one message at a time, and empty text is handled', async () => {
    const texts = ['cancel my subscription please', 'hello there', '', 'my invoice is wrong 😡'];
    const batch = await intent.classify(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await intent.classify([text]);
      expect(single!.label).toBe(batch[i]!.label);
      expect(single!.confidence).toBeCloseTo(batch[i]!.confidence, 5);
    }
  });
});

test('the sentiment model separates clearly positive and negative messages', async () => {
  const sentiment = await OnnxTextClassifier.load(path.join(MODELS, 'sentiment'));
  try {
    const [good, bad] = await sentiment.classify([
      'thank you so much, great service, I love it!',
      'this is terrible, I am furious and disappointed',
    ]);
    expect(good!.label).toBe('positive');
    expect(bad!.label).toBe('negative');
  } finally {
    await sentiment.close();
  }
});

test('the sentiment model reads negation (omnicx-neg-v1 ids): negated praise is negative, negated complaints are not', async () => {
  // Version 3 (no negation ids) got the first, second and fourth of these wrong: "disappointed" had picked up a
  // positive weight from "not disappointed at all", and "not bad at all" was −1.0.
  const analyzer = await TextAnalyzer.load(MODELS);
  try {
    const cases: Array<[string, 'negative' | 'positive']> = [
      ['I am not happy with the product', 'negative'],
      ['I am very disappointed', 'negative'],
      ['not good', 'negative'],
      ['not bad at all', 'positive'],
      ['I am happy with the product', 'positive'],
      ['no complaints, great service', 'positive'],
    ];
    const analyses = await analyzer.analyze(cases.map(([text]) => text));
    expect(analyses.map((a) => a.sentiment.label)).toEqual(cases.map(([, label]) => label));
  } finally {
    await analyzer.close();
  }
});
