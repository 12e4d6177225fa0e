// Public surface of inference: the feature hashing shared with the training scripts, and the ONNX text classifier.
// (The inference pool of worker threads, entities, embeddings and RAG come with issue 4.)
export {
  fnv1a32Utf8,
  normalizeForHashing,
  textToIds,
  tokenizeForHashing,
  type HashingSpec,
} from './features/hashed-ngrams.js';
export { OnnxTextClassifier, type Classification, type ClassifierManifest } from './onnx-text-classifier.js';
export { InferencePool, type InferencePoolOptions, type InferencePoolStats } from './inference-pool.js';
export type { TextAnalysis } from './inference-protocol.js';
export { TextAnalyzer } from './text-analyzer.js';
export {
  EntityExtractor,
  parseAmount,
  type Entity,
  type EntityExtractorOptions,
  type EntityType,
} from './entities/entity-extractor.js';
export {
  detectLanguage,
  loadLanguageDetector,
  LOW_CONFIDENCE,
  SENTIMENT_THRESHOLDS,
  sentimentLabel,
  splitClauses,
} from './text-analyzer.js';
