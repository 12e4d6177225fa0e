// The project's sentence encoder (models/encoder/): hashed n-gram ids in, one L2-normalized embedding per text out
// (cosine similarity = dot product). It takes the same `omnicx-hash-v1` ids as the classifiers, so a caller that has
// already hashed a message passes the ids to encodeIds() instead of hashing twice. onnxruntime-node runs synchronously
// on the calling thread, so this belongs in an inference worker, never on the I/O thread.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { bagFeeds, bagInputForm, type BagInputForm } from './features/bag-feeds.js';
import { textToIds, type HashingSpec } from './features/hashed-ngrams.js';

export interface EncoderManifest {
  name: string;
  task: string;
  dimensions: number;
  features: HashingSpec & { name: string };
}

export class SentenceEncoder {
  private constructor(
    readonly manifest: EncoderManifest,
    private readonly session: ort.InferenceSession,
  ) {
    this.bagForm = bagInputForm(session);
  }

  /** How the hashed-feature graph takes its ids (unused for a transformer). */
  private readonly bagForm: BagInputForm;

  static async load(dir: string, options: { intraOpNumThreads?: number } = {}): Promise<SentenceEncoder> {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as EncoderManifest;
    if (manifest.features?.name !== 'omnicx-hash-v1') {
      throw new Error(`${dir}: unsupported feature spec ${String(manifest.features?.name)} (expected omnicx-hash-v1)`);
    }
    if (manifest.task !== 'sentence-embedding' || !Number.isInteger(manifest.dimensions) || manifest.dimensions <= 0) {
      throw new Error(`${dir}: not a sentence-embedding model (task ${String(manifest.task)})`);
    }
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
    });
    return new SentenceEncoder(manifest, session);
  }

  /** Length of every embedding. */
  get dimensions(): number {
    return this.manifest.dimensions;
  }

  /** The feature ids of a text (the same ids the classifiers take). */
  ids(text: string): number[] {
    return textToIds(text, this.manifest.features);
  }

  /**
   * Hashes each text once and embeds the batch in one session run. Every vector has unit length; a text without any
   * feature id (empty, whitespace or punctuation only) gets the model's fixed "empty" vector, the same for all of them.
   */
  async encode(texts: string[]): Promise<Float32Array[]> {
    return this.encodeIds(texts.map((text) => this.ids(text)));
  }

  /** Embeds rows of feature ids computed elsewhere with the manifest's feature spec (at most maxLen ids each). */
  async encodeIds(rows: number[][]): Promise<Float32Array[]> {
    if (rows.length === 0) return [];
    const { maxLen, wordBuckets, charBuckets } = this.manifest.features;
    const output = await this.session.run(
      bagFeeds(this.bagForm, rows, { maxLen, numIds: 1 + wordBuckets + charBuckets }),
    );
    return this.embeddingsFrom(output.embeddings?.data as Float32Array, rows.length);
  }

  /** Whether this is a packed hashed-feature graph (ids + offsets), which BagBundle can merge with others. */
  get packedBag(): boolean {
    return this.bagForm === 'packed';
  }

  /** The embeddings of `count` texts from this model's `embeddings` output computed elsewhere (a BagBundle run). */
  embeddingsFrom(data: Float32Array, count: number): Float32Array[] {
    const d = this.dimensions;
    if (data.length !== count * d) throw new Error(`encoder: ${data.length} values for ${count} embeddings of ${d}`);
    // Copies, so the caller's vectors do not keep the whole batch's output buffer alive.
    return Array.from({ length: count }, (_, r) => data.slice(r * d, (r + 1) * d));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Cosine similarity of two encoder outputs (they are unit vectors, so this is their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
