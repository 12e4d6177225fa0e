// A text classifier exported to ONNX with its manifest (models/<name>/): hashed n-gram ids in, class probabilities
// out, with the manifest's decision rule (out-of-scope rejection below a threshold). onnxruntime-node runs
// synchronously on the calling thread, so this belongs in an inference worker, never on the I/O thread.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { textToIds, type HashingSpec } from './features/hashed-ngrams.js';

export interface ClassifierManifest {
  name: string;
  labels: string[];
  outOfScopeLabel?: string;
  decision?: { rejectThreshold?: number };
  features: HashingSpec & { name: string };
}

export interface Classification {
  label: string;
  confidence: number;
  /** True when the top class was rejected as out of scope (below the manifest's threshold). */
  outOfScope: boolean;
  /** Labels by descending probability. */
  ranking: Array<{ label: string; probability: number }>;
}

export class OnnxTextClassifier {
  private constructor(
    readonly manifest: ClassifierManifest,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(dir: string, options: { intraOpNumThreads?: number } = {}): Promise<OnnxTextClassifier> {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ClassifierManifest;
    if (manifest.features?.name !== 'omnicx-hash-v1') {
      throw new Error(`${dir}: unsupported feature spec ${String(manifest.features?.name)} (expected omnicx-hash-v1)`);
    }
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
    });
    return new OnnxTextClassifier(manifest, session);
  }

  /** Hashes each text once and classifies the batch in one session run. */
  async classify(texts: string[]): Promise<Classification[]> {
    if (texts.length === 0) return [];
    const rows = texts.map((text) => textToIds(text, this.manifest.features));
    const width = Math.max(1, ...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * width);
    const mask = new Float32Array(rows.length * width);
    rows.forEach((row, r) =>
      row.forEach((id, j) => {
        ids[r * width + j] = BigInt(id);
        mask[r * width + j] = 1;
      }),
    );
    const output = await this.session.run({
      ids: new ort.Tensor('int64', ids, [rows.length, width]),
      mask: new ort.Tensor('float32', mask, [rows.length, width]),
    });
    const probs = output.probs?.data as Float32Array;
    const labels = this.manifest.labels;
    const threshold = this.manifest.decision?.rejectThreshold;
    return rows.map((_, r) => {
      const ranking = labels
        .map((label, c) => ({ label, probability: probs[r * labels.length + c] as number }))
        .sort((a, b) => b.probability - a.probability);
      const top = ranking[0] as { label: string; probability: number };
      const oos = this.manifest.outOfScopeLabel;
      const rejected = oos !== undefined && top.label !== oos && threshold !== undefined && top.probability < threshold;
      return {
        label: rejected ? (oos as string) : top.label,
        confidence: top.probability,
        outOfScope: rejected || top.label === oos,
        ranking,
      };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
