/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The committed intent, sentiment and encoder graphs merged into one session (BagBundle) must give what the three
// sessions give on their own: same labels and probabilities, same embeddings, for messages plus extra intent-only
// rows, including empty rows and hostile text. And a graph that is not a packed bag is refused, not merged wrongly.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { BagBundle, mergeBagGraphs } from '../../src/inference/features/bag-bundle.js';
import { textToIds } from '../../src/inference/features/hashed-ngrams.js';
import { hashedIdLimit, OnnxTextClassifier, withNegationIds } from '../../src/inference/onnx-text-classifier.js';
import { SentenceEncoder } from '../../src/inference/sentence-encoder.js';
import { lexiconFeatures } from '../../src/inference/lexicon/index.js';

const MODELS = path.join(__dirname, '..', '..', 'models');
const bytes = (name: string) => readFileSync(path.join(MODELS, name, 'model.onnx'));

describe('BagBundle', () => {
  let intent: OnnxTextClassifier;
  let sentiment: OnnxTextClassifier;
  let encoder: SentenceEncoder;
  let bundle: BagBundle;
  beforeAll(async () => {
    [intent, sentiment, encoder] = await Promise.all([
      OnnxTextClassifier.load(path.join(MODELS, 'intent')),
      OnnxTextClassifier.load(path.join(MODELS, 'sentiment')),
      SentenceEncoder.load(path.join(MODELS, 'encoder')),
    ]);
    const created = await BagBundle.create([
      { name: 'intent', bytes: bytes('intent'), rows: 'all' },
      // The committed sentiment model takes negation-scope ids too (omnicx-neg-v1): its own rows.
      { name: 'sentiment', bytes: bytes('sentiment'), rows: sentiment.hashingSpec?.negation ? 'negated' : 'messages' },
      { name: 'encoder', bytes: bytes('encoder'), rows: 'messages' },
    ]);
    if (created === undefined) throw new Error('the committed models should merge');
    bundle = created;
  });
  afterAll(() => Promise.all([intent.close(), sentiment.close(), encoder.close(), bundle.close()]));

  const spec = () => intent.hashingSpec!;
  const limits = () => ({ maxLen: spec().maxLen, numIds: 1 + spec().wordBuckets + spec().charBuckets });

  async function compare(messages: string[], extra: string[]): Promise<void> {
    const rows = [...messages, ...extra].map((t) => textToIds(t, spec()));
    const messageRows = rows.slice(0, messages.length);
    const sentimentSpec = sentiment.hashingSpec!;
    const negated = sentimentSpec.negation && {
      rows: withNegationIds(sentimentSpec, messages, messageRows),
      maxLen: sentimentSpec.maxLen + sentimentSpec.negation.maxIds,
      numIds: hashedIdLimit(sentimentSpec),
    };
    // Sentiment version 5 also takes each message's VADER scores (the lexicon input).
    const lexicon = sentimentSpec.lexicon && lexiconFeatures(messages);
    const out = await bundle.run(rows, messages.length, limits(), negated, lexicon);
    const [ownIntent, ownSentiment, ownEmbeddings] = await Promise.all([
      intent.classify([...messages, ...extra], rows),
      sentiment.classify(messages, messageRows),
      encoder.encodeIds(messageRows),
    ]);
    const bundledIntent = intent.classifyOutput(out.intent!, rows.length);
    const bundledSentiment = sentiment.classifyOutput(out.sentiment!, messages.length);
    const bundledEmbeddings = encoder.embeddingsFrom(out.encoder!.embeddings!, messages.length);
    const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-5);
    bundledIntent.forEach((c, i) => {
      expect(c.label).toBe(ownIntent[i]!.label);
      near(c.confidence, ownIntent[i]!.confidence);
    });
    bundledSentiment.forEach((c, i) => {
      expect(c.label).toBe(ownSentiment[i]!.label);
      c.ranking.forEach((r, k) => near(r.probability, ownSentiment[i]!.ranking[k]!.probability));
    });
    bundledEmbeddings.forEach((e, i) => e.forEach((v, k) => near(v, ownEmbeddings[i]![k]!)));
  }

  test('real messages with clause rows: the same as three separate sessions', async () => {
    await compare(
      [
        'where is my order 4711? it was due yesterday',
        'I was charged twice, please refund $9.99 and also cancel my subscription',
        'can I talk to a human please',
        '',
        '👍👍',
      ],
      ['please refund $9.99', 'cancel my subscription'],
    );
  });

  test('any batch of texts (incl. empty, emoji, other scripts) gives the separate sessions’ answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.lorem({ maxCount: 12 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.lorem({ maxCount: 6 }), { maxLength: 4 }),
        (messages, extra) => compare(messages, extra),
      ),
      { numRuns: 100 },
    );
  });

  test('a graph that is not a packed bag (other inputs) is not merged', () => {
    const tinyBert = path.join(__dirname, '..', 'fixtures', 'tiny-bert', 'model.onnx');
    expect(
      mergeBagGraphs([
        { name: 'intent', bytes: bytes('intent'), rows: 'all' },
        { name: 'bert', bytes: readFileSync(tinyBert), rows: 'messages' },
      ]),
    ).toBeUndefined();
  });
});
