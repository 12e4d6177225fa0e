// Messages between the inference pool (main or shard thread) and its workers: batches of texts in, per-text analyses
// out, typed errors back. Structured clone carries them (plain objects of strings and numbers).
import type { ExtractedEntity, WireError } from '../domain/index.js';
import type { WarmUpResult } from './warm-up.js';

export interface TextAnalysis {
  intent: {
    label: string;
    confidence: number;
    /** Confidence below 0.70 (Requirement 2.2). */
    lowConfidence: boolean;
    outOfScope: boolean;
    ranking: Array<{ label: string; probability: number }>;
  };
  /** Every intent found in the message (per clause), strongest first (Requirement 2.5). */
  intents: Array<{ label: string; confidence: number; clause: string }>;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number; confidence: number };
  /** ISO 639-1 code of the message's language, or 'und' when the text is too short or unclear to tell. */
  language: string;
  entities: ExtractedEntity[];
  /** The best custom intent (configured taxonomy), when there are custom intents; it overrides `intent` if accepted. */
  customIntent?: { intent: string; similarity: number; confidence: number; accepted: boolean };
  /** Dimensions of the message's sentence embedding (when the pool computes embeddings: see `embeddings`). */
  embeddingDims?: number;
}

export interface InferenceWorkerData {
  modelsDir: string;
  intraOpNumThreads: number;
  products: string[];
  defaultCurrency: string;
  /** Custom intents from configuration (a head over the sentence encoder). */
  customIntents: Array<{ name: string; examples: string[] }>;
  /** Compute every message's sentence embedding even when no custom intent needs it. */
  embeddings: boolean;
  /** Merge the hashed models into one session (one run per batch); off only to measure the difference. */
  bundle: boolean;
  /** Texts the worker analyses before it reports ready, so live traffic meets compiled code (0: none). */
  warmUpTexts: number;
}

/** A text and, for date resolution, when it was received (epoch ms). */
export interface AnalysisItem {
  text: string;
  at: number;
}

export type PoolToWorker =
  | { t: 'batch'; id: number; items: AnalysisItem[] }
  /** Release the ONNX sessions and end the thread (sent only when no batch is in flight). */
  | { t: 'close' };

export type WorkerToPool =
  | {
      t: 'ready';
      models: Record<string, string>;
      /** What the warm-up did; `error` when it stopped early (the worker serves anyway). */
      warmUp: WarmUpResult & { error?: string };
      /** The worker thread's kernel id (Linux), for the per-thread CPU metrics; absent elsewhere. */
      tid?: number;
    }
  | { t: 'result'; id: number; ok: true; analyses: TextAnalysis[]; loopLagP99Ms: number; workMs: number }
  | { t: 'result'; id: number; ok: false; error: WireError; loopLagP99Ms: number; workMs: number };
