// Runs the default models on a batch of messages: intent (with its out-of-scope rule and the low-confidence flag),
// several intents per message (each clause classified, distinct intents ranked by confidence), and sentiment as a
// score in [-1, 1] = p(positive) - p(negative) with its label from fixed thresholds (Requirements 2.1-2.5, 3.1-3.3).
import * as path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { BagBundle } from './features/bag-bundle.js';
import { CustomIntentHead, type CustomIntentSpec } from './custom-intents.js';
import { NgramLanguageDetector } from './language/ngram-language-detector.js';
import { EntityExtractor, type EntityExtractorOptions } from './entities/entity-extractor.js';
import { SentenceEncoder } from './sentence-encoder.js';
import { textToIds, type HashingSpec } from './features/hashed-ngrams.js';
import { lexiconFeatures } from './lexicon/index.js';
import type { AnalysisItem, TextAnalysis } from './inference-protocol.js';
import {
  hashedIdLimit,
  OnnxTextClassifier,
  withNegationIds,
  type Classification,
  type HashedFeatures,
} from './onnx-text-classifier.js';

/** Below this confidence an intent is flagged (Requirement 2.2). */
export const LOW_CONFIDENCE = 0.7;
/** Sentiment labels from the score: ≤ -0.25 negative, ≥ 0.25 positive, neutral between (Requirements 3.2-3.3). */
export const SENTIMENT_THRESHOLDS = { negative: -0.25, positive: 0.25 } as const;
/** The models read at most this many characters of a message (the rest is stored, not analysed). */
export const MAX_ANALYSED_CHARS = 4_000;
/** How many intents an analysis ranks (Requirement 2.1's alternatives). */
const RANKING_SIZE = 5;
/** A clause's intent counts towards the message's intents from this confidence on. */
const CLAUSE_MIN_CONFIDENCE = 0.5;

let detector: NgramLanguageDetector | undefined;

/** Loads the language detector once per thread (ELD's database, flattened: a few seconds). */
export async function loadLanguageDetector(): Promise<void> {
  detector ??= await NgramLanguageDetector.load();
}

/**
 * The message's language (ELD's n-gram method and database, 60 languages, scored by NgramLanguageDetector: the same
 * answers as eld.detect at a fraction of its CPU); 'und' when it cannot tell (fewer than 4 characters, emoji, digits).
 */
export function detectLanguage(text: string): string {
  if (detector === undefined) throw new Error('call loadLanguageDetector() first');
  const code = text.trim().length < 4 ? '' : detector.detect(text.slice(0, 1000));
  return code === '' ? 'und' : code;
}

export function sentimentLabel(score: number): 'negative' | 'neutral' | 'positive' {
  return score <= SENTIMENT_THRESHOLDS.negative
    ? 'negative'
    : score >= SENTIMENT_THRESHOLDS.positive
      ? 'positive'
      : 'neutral';
}

/** Splits a message into clauses: sentences, and parts joined by "and also", "also", "and", "but", "plus". */
export function splitClauses(text: string): string[] {
  return text
    .split(/[.!?;\n]+|\b(?:and also|also|and|but|plus)\b/i)
    .map((clause) => clause.trim())
    .filter((clause) => clause.split(/\s+/).length >= 2);
}

export class TextAnalyzer {
  private constructor(
    private readonly intent: OnnxTextClassifier,
    private readonly sentiment: OnnxTextClassifier,
    private readonly entities: EntityExtractor,
    private readonly encoder: SentenceEncoder | undefined,
    private readonly custom: CustomIntentHead | undefined,
    /** Run the encoder for every message, or only when the custom-intent head needs its embedding. */
    private readonly embedAll: boolean,
    /** The hashed models merged into one session (one run per batch), when they can be. */
    private readonly bundle: BagBundle | undefined,
    /** The hashing spec every hashed model here shares, if they do (undefined: each hashes for itself). */
    private readonly sharedSpec: HashingSpec | undefined,
  ) {}

  /**
   * Loads intent, sentiment and (when `modelsDir/encoder` exists) the sentence encoder; custom intents need the
   * encoder and are learned here from their examples.
   */
  static async load(
    modelsDir: string,
    intraOpNumThreads = 1,
    entityOptions: EntityExtractorOptions = {},
    customIntents: CustomIntentSpec[] = [],
    options: { embeddings?: boolean; bundle?: boolean } = {},
  ): Promise<TextAnalyzer> {
    await loadLanguageDetector();
    const encoderDir = path.join(modelsDir, 'encoder');
    const [intent, sentiment, encoder] = await Promise.all([
      OnnxTextClassifier.load(path.join(modelsDir, 'intent'), { intraOpNumThreads }),
      OnnxTextClassifier.load(path.join(modelsDir, 'sentiment'), { intraOpNumThreads }),
      existsSync(path.join(encoderDir, 'model.onnx'))
        ? SentenceEncoder.load(encoderDir, { intraOpNumThreads })
        : Promise.resolve(undefined),
    ]);
    let custom: CustomIntentHead | undefined;
    if (customIntents.length > 0) {
      if (encoder === undefined) throw new Error(`custom intents need the sentence encoder (${encoderDir})`);
      const embeddings = await Promise.all(customIntents.map((spec) => encoder.encode(spec.examples)));
      custom = CustomIntentHead.fit(customIntents, embeddings);
    }
    const embedAll = options.embeddings ?? true;
    const useEncoder = encoder !== undefined && (embedAll || custom !== undefined);
    const spec = sharedHashingSpec(intent, sentiment, encoder);
    const bundle =
      (options.bundle ?? true) &&
      spec !== undefined &&
      intent.packedBag &&
      sentiment.packedBag &&
      (!useEncoder || encoder.packedBag)
        ? await BagBundle.create(
            [
              { name: 'intent', bytes: readFileSync(path.join(modelsDir, 'intent', 'model.onnx')), rows: 'all' },
              {
                name: 'sentiment',
                bytes: readFileSync(path.join(modelsDir, 'sentiment', 'model.onnx')),
                rows: sentiment.hashingSpec?.negation === undefined ? 'messages' : 'negated',
              },
              ...(useEncoder
                ? [
                    {
                      name: 'encoder',
                      bytes: readFileSync(path.join(encoderDir, 'model.onnx')),
                      rows: 'messages' as const,
                    },
                  ]
                : []),
            ],
            { intraOpNumThreads },
          )
        : undefined;
    const entities = new EntityExtractor(entityOptions);
    return new TextAnalyzer(intent, sentiment, entities, encoder, custom, embedAll, bundle, spec);
  }

  get models(): Record<string, string> {
    return {
      intent: this.intent.manifest.name,
      sentiment: this.sentiment.manifest.name,
      ...(this.encoder === undefined ? {} : { encoder: 'encoder' }),
      ...(this.custom === undefined ? {} : { customIntents: this.custom.intents.join(',') }),
    };
  }

  get intentLabels(): readonly string[] {
    return this.intent.manifest.labels;
  }

  /** Analyses texts received now; `analyzeItems` takes each text's receipt time (dates resolve against it). */
  analyze(texts: string[]): Promise<TextAnalysis[]> {
    const at = Date.now();
    return this.analyzeItems(texts.map((text) => ({ text, at })));
  }

  async analyzeItems(items: AnalysisItem[]): Promise<TextAnalysis[]> {
    // Beyond this many characters nothing changes the intent or the mood; it only costs time (100 KB bodies).
    const texts = items.map((item) => item.text.slice(0, MAX_ANALYSED_CHARS));
    // One intent batch for the messages and all their clauses (a message with one clause adds nothing).
    const clauses = texts.map((text) => {
      const parts = splitClauses(text);
      return parts.length > 1 ? parts : [];
    });
    // All default models read the same hashed features: hash each message once and feed every model the ids.
    const spec = this.sharedSpec;
    const rows = spec === undefined ? undefined : texts.map((text) => textToIds(text, spec));
    const clauseTexts = clauses.flat();
    const intentRows =
      rows === undefined || spec === undefined ? undefined : [...rows, ...clauseTexts.map((c) => textToIds(c, spec))];
    const [intents, sentiments, embeddings] = await this.runModels(texts, clauseTexts, rows, intentRows);
    let offset = texts.length;
    return texts.map((text, i) => {
      const whole = intents[i] as Classification;
      const own = clauses[i] as string[];
      const perClause = intents.slice(offset, offset + own.length);
      offset += own.length;
      const sentiment = sentiments[i] as Classification;
      const p = (label: string) => sentiment.ranking.find((r) => r.label === label)?.probability ?? 0;
      const score = Math.max(-1, Math.min(1, p('positive') - p('negative')));
      const analysis: TextAnalysis = {
        intent: {
          label: whole.label,
          confidence: whole.confidence,
          lowConfidence: whole.confidence < LOW_CONFIDENCE,
          outOfScope: whole.outOfScope,
          ranking: whole.ranking,
        },
        intents: rankIntents(text, whole, own, perClause),
        sentiment: { label: sentimentLabel(score), score, confidence: sentiment.confidence },
        language: detectLanguage(text),
        entities: this.entities.extract(text, new Date((items[i] as AnalysisItem).at)),
        ...(embeddings === undefined ? {} : { embeddingDims: embeddings[i]?.length ?? 0 }),
      };
      return withCustomIntent(analysis, this.custom, embeddings?.[i]);
    });
  }

  /** Intent (messages and clauses), sentiment and embeddings: one bundle run, or one run per model. */
  private async runModels(
    texts: string[],
    clauseTexts: string[],
    rows: number[][] | undefined,
    intentRows: number[][] | undefined,
  ): Promise<[Classification[], Classification[], Float32Array[] | undefined]> {
    const spec = this.sharedSpec;
    if (texts.length === 0) return [[], [], undefined];
    if (this.bundle !== undefined && spec !== undefined && intentRows !== undefined) {
      const limits = { maxLen: spec.maxLen, numIds: 1 + spec.wordBuckets + spec.charBuckets };
      // The sentiment model's rows: the messages' shared ids, plus their negation-scope ids if its spec has them.
      const sentimentSpec = this.sentiment.hashingSpec as HashedFeatures;
      const negated =
        sentimentSpec.negation === undefined || rows === undefined
          ? undefined
          : {
              rows: withNegationIds(sentimentSpec, texts, rows),
              maxLen: spec.maxLen + sentimentSpec.negation.maxIds,
              numIds: hashedIdLimit(sentimentSpec),
            };
      // The sentiment model's dense lexicon input (VADER scores), when its spec declares one.
      const lexicon = sentimentSpec.lexicon === undefined ? undefined : lexiconFeatures(texts);
      const out = await this.bundle.run(intentRows, texts.length, limits, negated, lexicon);
      const part = (name: string) => out[name] ?? {};
      return [
        this.intent.classifyOutput(part('intent'), intentRows.length, { top: RANKING_SIZE }),
        this.sentiment.classifyOutput(part('sentiment'), texts.length),
        this.encoder === undefined || part('encoder').embeddings === undefined
          ? undefined
          : this.encoder.embeddingsFrom(part('encoder').embeddings as Float32Array, texts.length),
      ];
    }
    return Promise.all([
      this.intent.classify([...texts, ...clauseTexts], intentRows, { top: RANKING_SIZE }),
      this.sentiment.classify(texts, rows),
      this.encoder === undefined || (!this.embedAll && this.custom === undefined)
        ? Promise.resolve(undefined)
        : rows === undefined
          ? this.encoder.encode(texts)
          : this.encoder.encodeIds(rows),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all([this.intent.close(), this.sentiment.close(), this.encoder?.close(), this.bundle?.close()]);
  }
}

/**
 * The hashing spec intent, sentiment and the encoder (when present) all share, so a message is hashed once. A
 * model's negation-scope ids (its spec's `negation`) are its own, computed on top of the shared ids.
 */
function sharedHashingSpec(
  intent: OnnxTextClassifier,
  sentiment: OnnxTextClassifier,
  encoder: SentenceEncoder | undefined,
): HashingSpec | undefined {
  const spec = intent.hashingSpec;
  const base = (features: unknown) => {
    if (typeof features !== 'object' || features === null) return JSON.stringify(features);
    const { negation: _negation, lexicon: _lexicon, ...shared } = features as Record<string, unknown>;
    return JSON.stringify(shared);
  };
  const same = (other: unknown) => base(other) === base(spec);
  if (spec === undefined || !same(sentiment.hashingSpec)) return undefined;
  if (encoder !== undefined && !same(encoder.manifest.features)) return undefined;
  return spec;
}

/** The custom head's verdict; an accepted custom intent replaces the default intent and leads the ranking. */
function withCustomIntent(
  analysis: TextAnalysis,
  head: CustomIntentHead | undefined,
  embedding: Float32Array | undefined,
): TextAnalysis {
  const match = head === undefined || embedding === undefined ? undefined : head.match(embedding);
  if (match === undefined) return analysis;
  if (!match.accepted) return { ...analysis, customIntent: match };
  return {
    ...analysis,
    customIntent: match,
    intent: {
      label: match.intent,
      confidence: match.confidence,
      lowConfidence: match.confidence < LOW_CONFIDENCE,
      outOfScope: false,
      ranking: [{ label: match.intent, probability: match.confidence }, ...analysis.intent.ranking.slice(0, 4)],
    },
    intents: [
      { label: match.intent, confidence: match.confidence, clause: '' },
      ...analysis.intents.filter((i) => i.label !== match.intent && !analysis.intent.outOfScope),
    ],
  };
}

/** Distinct in-scope intents of the message and its clauses, each with its best confidence, strongest first. */
function rankIntents(
  text: string,
  whole: Classification,
  clauses: string[],
  perClause: Classification[],
): TextAnalysis['intents'] {
  const best = new Map<string, { label: string; confidence: number; clause: string }>();
  const consider = (c: Classification, clause: string, always: boolean) => {
    if (c.outOfScope || (!always && c.confidence < CLAUSE_MIN_CONFIDENCE)) return;
    const current = best.get(c.label);
    if (current === undefined || c.confidence > current.confidence)
      best.set(c.label, { label: c.label, confidence: c.confidence, clause });
  };
  consider(whole, text, true);
  perClause.forEach((c, k) => consider(c, clauses[k] as string, false));
  const ranked = [...best.values()].sort((a, b) => b.confidence - a.confidence);
  return ranked.length > 0 ? ranked : [{ label: whole.label, confidence: whole.confidence, clause: text }];
}
