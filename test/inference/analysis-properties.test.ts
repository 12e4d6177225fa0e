/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// Properties 3, 4, 6, 7 and 8 over the real analyzer: the committed ONNX models run by onnxruntime-node on features
// computed by the TypeScript port, for arbitrary text (unicode, emoji, noise) and for composed customer messages.
import * as path from 'node:path';
import fc from 'fast-check';
import {
  LOW_CONFIDENCE,
  SENTIMENT_THRESHOLDS,
  sentimentLabel,
  TextAnalyzer,
} from '../../src/inference/text-analyzer.js';

const RUNS = { numRuns: 100 };
let analyzer: TextAnalyzer;
beforeAll(async () => {
  analyzer = await TextAnalyzer.load(path.join(__dirname, '..', '..', 'models'));
});
afterAll(() => analyzer.close());

/** Arbitrary text: plain strings, full unicode, and customer-like sentences with noise. */
const anyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc
    .array(
      fc.constantFrom(
        'order',
        'refund',
        'password',
        'invoice',
        'cancel',
        'hello',
        'thanks',
        '😡',
        '!!',
        'where',
        'is',
        'my',
        'the',
        '#4711',
        'delivery',
      ),
      { maxLength: 25 },
    )
    .map((words) => words.join(' ')),
);

test('Feature: omnichannel-cx-platform, Property 3: Intent Classification Validity', async () => {
  const labels = new Set(analyzer.intentLabels);
  await fc.assert(
    fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (texts) => {
      const analyses = await analyzer.analyze(texts);
      expect(analyses).toHaveLength(texts.length);
      for (const a of analyses) {
        expect(labels.has(a.intent.label)).toBe(true);
        expect(a.intent.confidence).toBeGreaterThanOrEqual(0);
        expect(a.intent.confidence).toBeLessThanOrEqual(1);
        for (const r of a.intent.ranking) expect(labels.has(r.label)).toBe(true);
      }
    }),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 4: Low Confidence Flagging', async () => {
  let flagged = 0;
  let confident = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (texts) => {
      for (const a of await analyzer.analyze(texts)) {
        expect(a.intent.lowConfidence).toBe(a.intent.confidence < LOW_CONFIDENCE);
        if (a.intent.lowConfidence) flagged++;
        else confident++;
      }
    }),
    RUNS,
  );
  // The generator reaches both sides of the threshold, so the property was exercised in both directions.
  expect(flagged).toBeGreaterThan(0);
  expect(confident).toBeGreaterThan(0);
});

test('Feature: omnichannel-cx-platform, Property 6: Multi-Intent Ranking', async () => {
  // Requests the model recognizes on their own; the property combines them.
  const candidates = [
    'please cancel order 4711',
    'I forgot my password',
    'where is my package, I need to track my order',
    'I want a refund for the broken item',
    'I need a copy of my invoice',
    'I want to talk to a human agent',
    'how can I change my shipping address',
  ];
  const alone = await analyzer.analyze(candidates);
  const clear = candidates
    .map((text, i) => ({ text, label: alone[i]!.intent.label, confidence: alone[i]!.intent.confidence }))
    .filter((c) => c.confidence >= 0.8 && c.label !== 'other');
  expect(new Set(clear.map((c) => c.label)).size).toBeGreaterThanOrEqual(4);
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.constantFrom(...clear), { minLength: 2, maxLength: 3, selector: (c) => c.label }),
      fc.constantFrom('. ', ' and also ', '; ', '! Also ', '\n'),
      async (parts, connector) => {
        const [analysis] = await analyzer.analyze([parts.map((p) => p.text).join(connector)]);
        const found = analysis!.intents.map((i) => i.label);
        for (const part of parts) expect(found).toContain(part.label);
        const confidences = analysis!.intents.map((i) => i.confidence);
        expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 7: Sentiment Score Range', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (texts) => {
      for (const a of await analyzer.analyze(texts)) {
        expect(a.sentiment.score).toBeGreaterThanOrEqual(-1);
        expect(a.sentiment.score).toBeLessThanOrEqual(1);
        expect(Number.isFinite(a.sentiment.score)).toBe(true);
      }
    }),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 8: Sentiment Label Mapping', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (texts) => {
      for (const a of await analyzer.analyze(texts)) {
        const { score, label } = a.sentiment;
        expect(label).toBe(sentimentLabel(score));
        if (score <= SENTIMENT_THRESHOLDS.negative) expect(label).toBe('negative');
        else if (score >= SENTIMENT_THRESHOLDS.positive) expect(label).toBe('positive');
        else expect(label).toBe('neutral');
      }
    }),
    RUNS,
  );
  // And on messages whose tone is plain, the labels are the expected ones.
  const [good, bad] = await analyzer.analyze([
    'thank you so much, great service, I love it!',
    'this is terrible, I am furious and disappointed',
  ]);
  expect([good!.sentiment.label, bad!.sentiment.label]).toEqual(['positive', 'negative']);
});
