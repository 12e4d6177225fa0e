// Public surface of the TypeScript intent trainer (hashbag-v1): CSV reading, training (single model or a seeded
// ensemble on worker threads), prediction with out-of-scope rejection, and the benchmark metrics.
export { CsvFormatError, decodeCsvBytes, parseCsvRecords, parseLabelledCsv, readLabelledCsv } from './csv-reader.js';
export type { CsvRecord, LabelledRows } from './csv-reader.js';
export { encodeLabels, hashTexts, OMNICX_HASH_V1, Vocabulary, type IdLists } from './featurized-set.js';
export { HashbagModel, softmaxInPlace } from './hashbag-model.js';
export { trainHashbag, TRAIN_DEFAULTS, type TrainingSet, type TrainOptions, type TrainProgress } from './trainer.js';
export { trainEnsemble, type EnsembleOptions } from './ensemble-trainer.js';
export {
  IntentClassifier,
  INTENT_RECIPE,
  type DecisionRule,
  type IntentPrediction,
  type IntentTrainOptions,
} from './intent-classifier.js';
export { computeMetrics, decideIndex, formatResultLine, OOS_LABEL, type IntentMetrics } from './metrics.js';
export { formatDuration, ProgressReporter, type ProgressStream } from './progress-reporter.js';
export { Prng } from './prng.js';
export { classifierToOnnx, exportOnnx, quantizeRows } from './onnx-export.js';
