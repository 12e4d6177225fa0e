// A trained intent classifier: labels + training vocabulary + hashbag model + decision rule. `predict(texts)` hashes
// each text once, runs the model and applies the out-of-scope rejection; `IntentClassifier.train` builds one from
// labelled texts (the benchmark command and, later, custom intents trained at run time use this).
import type { HashingSpec } from '../features/hashed-ngrams.js';
import { encodeLabels, hashTexts, OMNICX_HASH_V1, Vocabulary, type IdLists } from './featurized-set.js';
import { HashbagModel, softmaxInPlace } from './hashbag-model.js';
import { decideIndex, OOS_LABEL } from './metrics.js';
import { trainEnsemble, type EnsembleOptions } from './ensemble-trainer.js';
import { TRAIN_DEFAULTS, type TrainOptions, type TrainProgress } from './trainer.js';

export interface IntentPrediction {
  label: string;
  /** Probability of the best class (before rejection). */
  confidence: number;
  /** True when the label is the out-of-scope label (predicted or rejected below the threshold). */
  outOfScope: boolean;
}

export interface DecisionRule {
  /** Label marking out-of-scope rows; when it is one of the classes, rejection applies. @default 'oos' */
  oosLabel: string;
  /** Reject to oos when the best in-scope probability is below this. @default 0.5 */
  threshold: number;
}

export interface IntentTrainOptions extends TrainOptions, DecisionRule, EnsembleOptions {}

/**
 * The benchmark recipe (`npm run eval:intent`): train_generic.py's single-model recipe (TRAIN_DEFAULTS) plus the
 * changes measured in models/intent/EXPERIMENTS.md ("TypeScript trainer"): word features weighted ×2 in the bag and
 * an ensemble of 4 seeds averaged into one model.
 */
export const INTENT_RECIPE: IntentTrainOptions = {
  ...TRAIN_DEFAULTS,
  wordScale: 2,
  members: 4,
  threads: 2,
  oosLabel: OOS_LABEL,
  threshold: 0.5,
};

export class IntentClassifier {
  readonly oosIndex: number;

  constructor(
    readonly labels: readonly string[],
    readonly vocabulary: Vocabulary,
    readonly model: HashbagModel,
    readonly decision: DecisionRule = { oosLabel: OOS_LABEL, threshold: 0.5 },
    readonly spec: HashingSpec = OMNICX_HASH_V1,
  ) {
    if (labels.length !== model.numClasses) throw new Error('IntentClassifier: labels do not match the model');
    this.oosIndex = labels.indexOf(decision.oosLabel);
  }

  /**
   * Trains on labelled texts (classes = sorted distinct labels). Options default to TRAIN_DEFAULTS (one model, the
   * Python recipe); pass INTENT_RECIPE for the benchmark recipe.
   */
  static async train(
    texts: readonly string[],
    labels: readonly string[],
    options: Partial<IntentTrainOptions> = {},
    onProgress?: (p: TrainProgress) => void,
  ): Promise<IntentClassifier> {
    if (texts.length !== labels.length) throw new Error('IntentClassifier.train: texts and labels differ in length');
    if (texts.length === 0) throw new Error('IntentClassifier.train: no training examples');
    const lists = hashTexts(texts);
    const { classes, y } = encodeLabels(labels);
    const vocabulary = Vocabulary.build(lists);
    const isWordRow = new Uint8Array(vocabulary.size);
    for (let id = 1; id < vocabulary.rowOf.length; id++) {
      const r = vocabulary.rowOf[id] as number;
      if (r > 0 && id <= OMNICX_HASH_V1.wordBuckets) isWordRow[r] = 1;
    }
    const model = await trainEnsemble(
      { rows: vocabulary.toRows(lists), y, numRows: vocabulary.size, numClasses: classes.length, isWordRow },
      options,
      { members: options.members ?? 1, threads: options.threads ?? 1 },
      onProgress,
    );
    return new IntentClassifier(classes, vocabulary, model, {
      oosLabel: options.oosLabel ?? OOS_LABEL,
      threshold: options.threshold ?? 0.5,
    });
  }

  /** Class probabilities (row-major, texts × labels) of already hashed texts. */
  probabilities(lists: IdLists): Float32Array {
    const n = lists.offsets.length - 1;
    const C = this.model.numClasses;
    const out = new Float32Array(n * C);
    const logits = new Float64Array(C);
    const x = new Float64Array(this.model.dim);
    const rows = this.vocabulary.toRows(lists);
    for (let i = 0; i < n; i++) {
      this.model.logitsInto(rows.ids, rows.offsets[i] as number, rows.offsets[i + 1] as number, logits, x);
      softmaxInPlace(logits, C);
      for (let k = 0; k < C; k++) out[i * C + k] = logits[k] as number;
    }
    return out;
  }

  /** Applies the decision rule to probability rows. */
  decide(probs: Float32Array, threshold = this.decision.threshold): IntentPrediction[] {
    const C = this.model.numClasses;
    const n = probs.length / C;
    const out: IntentPrediction[] = [];
    for (let i = 0; i < n; i++) {
      const k = decideIndex(probs, i * C, C, this.oosIndex, threshold);
      let confidence = 0;
      for (let j = 0; j < C; j++)
        if ((probs[i * C + j] as number) > confidence) confidence = probs[i * C + j] as number;
      out.push({ label: this.labels[k] as string, confidence, outOfScope: k === this.oosIndex });
    }
    return out;
  }

  predict(texts: readonly string[]): IntentPrediction[] {
    return this.decide(this.probabilities(hashTexts(texts, this.spec)));
  }
}
