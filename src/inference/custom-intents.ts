// A custom intent taxonomy from configuration (Requirement 14.4): new intents with a handful of examples each,
// learned at start-up in TypeScript as a head over the project's sentence encoder, no Python and no retraining of
// the default model. The head is nearest-centroid on L2-normalized embeddings: each intent's prototype is the
// normalized mean of its examples, and each intent gets its own acceptance threshold from leave-one-out similarity
// (how close a held-out example of that intent is to the prototype of the others), so a tight intent is strict and a
// varied one is lenient. A message takes a custom intent only when it clears that intent's threshold; otherwise the
// default model's intent stands.
import { cosine } from './sentence-encoder.js';

export interface CustomIntentSpec {
  name: string;
  examples: string[];
}

export interface CustomIntentMatch {
  intent: string;
  /** Cosine similarity to the intent's prototype, in [-1, 1]. */
  similarity: number;
  /**
   * In [0, 1]: the intent's softmax share among the custom intents (temperature 0.05) times a logistic of the margin
   * over its threshold (0.5 at the threshold), so a match just at the threshold is flagged low-confidence.
   */
  confidence: number;
  accepted: boolean;
}

interface Prototype {
  name: string;
  centroid: Float32Array;
  threshold: number;
}

const TEMPERATURE = 0.05;
/** Bounds on a learned threshold: never accept weak matches, never demand near-duplicates. */
const MIN_THRESHOLD = 0.45;
const MAX_THRESHOLD = 0.85;
/** A learned threshold is loosened by this factor: leave-one-out is pessimistic with 3-5 examples. */
const SLACK = 0.9;

function normalizedMean(vectors: Float32Array[]): Float32Array {
  const dims = vectors[0]?.length ?? 0;
  const mean = new Float32Array(dims);
  for (const v of vectors) for (let d = 0; d < dims; d++) mean[d] = (mean[d] as number) + (v[d] as number);
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += (mean[d] as number) ** 2;
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < dims; d++) mean[d] = (mean[d] as number) / norm;
  return mean;
}

export class CustomIntentHead {
  private constructor(private readonly prototypes: Prototype[]) {}

  /** Learns the head from each intent's example embeddings (same order as `specs`). */
  static fit(specs: CustomIntentSpec[], embeddings: Float32Array[][]): CustomIntentHead {
    const prototypes = specs.map((spec, i): Prototype => {
      const own = embeddings[i] ?? [];
      if (own.length < 2) throw new Error(`custom intent ${spec.name}: at least 2 examples are needed`);
      const looSimilarities = own.map((held, k) => cosine(held, normalizedMean(own.filter((_, j) => j !== k))));
      const threshold = Math.min(MAX_THRESHOLD, Math.max(MIN_THRESHOLD, Math.min(...looSimilarities) * SLACK));
      return { name: spec.name, centroid: normalizedMean(own), threshold };
    });
    return new CustomIntentHead(prototypes);
  }

  get intents(): string[] {
    return this.prototypes.map((p) => p.name);
  }

  thresholds(): Record<string, number> {
    return Object.fromEntries(this.prototypes.map((p) => [p.name, p.threshold]));
  }

  /** The best custom intent for an embedding, with whether it clears its threshold. */
  match(embedding: Float32Array): CustomIntentMatch | undefined {
    if (this.prototypes.length === 0) return undefined;
    const sims = this.prototypes.map((p) => cosine(embedding, p.centroid));
    let best = 0;
    for (let i = 1; i < sims.length; i++) if ((sims[i] as number) > (sims[best] as number)) best = i;
    const top = sims[best] as number;
    const denominator = sims.reduce((s, v) => s + Math.exp((v - top) / TEMPERATURE), 0);
    const prototype = this.prototypes[best] as Prototype;
    return {
      intent: prototype.name,
      similarity: top,
      confidence: 1 / denominator / (1 + Math.exp(-(top - prototype.threshold) / TEMPERATURE)),
      accepted: top >= prototype.threshold,
    };
  }
}
