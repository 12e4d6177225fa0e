// The `hashbag-v1` network (models/features/bagmodel.py): an embedding bag over hashed n-gram rows,
//   x = Σ_j E[row_j] / sqrt(max(1, n)) + c,   logits = W x + b,   probs = softmax(logits)
// with n the number of ids of the message (ids unseen in training map to the zero row 0 but still count).
// Parameters live in flat Float32Arrays (E: rows × dim, W: classes × dim, row-major).
import type { Prng } from './prng.js';

const { exp, log, sqrt, max: maxOf } = Math; // module-level: fast in hot loops (also under jest's vm context)
const NEG_INFINITY = -Infinity;

export class HashbagModel {
  constructor(
    readonly numRows: number,
    readonly dim: number,
    readonly numClasses: number,
    readonly E: Float32Array = new Float32Array(numRows * dim),
    readonly c: Float32Array = new Float32Array(dim),
    readonly W: Float32Array = new Float32Array(numClasses * dim),
    readonly b: Float32Array = new Float32Array(numClasses),
  ) {
    if (E.length !== numRows * dim || c.length !== dim || W.length !== numClasses * dim || b.length !== numClasses) {
      throw new Error('HashbagModel: parameter sizes do not match rows/dim/classes');
    }
  }

  shape(): { numRows: number; dim: number; numClasses: number } {
    return { numRows: this.numRows, dim: this.dim, numClasses: this.numClasses };
  }

  /** Training initialisation: E ~ U(±initScale) with row 0 = 0, c = 0, W and b ~ U(±1/sqrt(dim)) (torch Linear). */
  static initialise(numRows: number, dim: number, numClasses: number, rng: Prng, initScale = 0.01): HashbagModel {
    const m = new HashbagModel(numRows, dim, numClasses);
    for (let i = dim; i < m.E.length; i++) m.E[i] = (rng.next() * 2 - 1) * initScale;
    const bound = 1 / sqrt(dim);
    for (let i = 0; i < m.W.length; i++) m.W[i] = (rng.next() * 2 - 1) * bound;
    for (let i = 0; i < m.b.length; i++) m.b[i] = (rng.next() * 2 - 1) * bound;
    return m;
  }

  /**
   * Logits of one message whose rows are `rows[start..end)` into `out` (numClasses). `x` is a dim-sized scratch
   * buffer that receives the bag vector (embedding sum / sqrt(n) + c).
   */
  logitsInto(rows: Int32Array, start: number, end: number, out: Float64Array, x: Float64Array): void {
    const { dim, E, c, W, b, numClasses } = this;
    x.fill(0, 0, dim);
    for (let j = start; j < end; j++) {
      const row = rows[j] as number;
      if (row === 0) continue;
      const base = row * dim;
      for (let d = 0; d < dim; d++) x[d] = (x[d] as number) + (E[base + d] as number);
    }
    const inv = 1 / sqrt(maxOf(1, end - start));
    for (let d = 0; d < dim; d++) x[d] = (x[d] as number) * inv + (c[d] as number);
    for (let k = 0; k < numClasses; k++) {
      let s = b[k] as number;
      const wb = k * dim;
      for (let d = 0; d < dim; d++) s += (W[wb + d] as number) * (x[d] as number);
      out[k] = s;
    }
  }

  /**
   * Several independently trained models over the SAME rows as one model whose logits are the mean of theirs: the
   * embeddings are concatenated (dim = Σ dims), W side by side divided by the count, b averaged. Still hashbag-v1.
   */
  static concat(models: readonly HashbagModel[]): HashbagModel {
    const first = models[0];
    if (first === undefined) throw new Error('HashbagModel.concat: no models');
    if (models.length === 1) return first;
    const { numRows, numClasses } = first;
    if (models.some((m) => m.numRows !== numRows || m.numClasses !== numClasses)) {
      throw new Error('HashbagModel.concat: models differ in rows or classes');
    }
    const dim = models.reduce((s, m) => s + m.dim, 0);
    const out = new HashbagModel(numRows, dim, numClasses);
    const k = models.length;
    let at = 0;
    for (const m of models) {
      for (let r = 0; r < numRows; r++) out.E.set(m.E.subarray(r * m.dim, (r + 1) * m.dim), r * dim + at);
      out.c.set(m.c, at);
      for (let cl = 0; cl < numClasses; cl++) {
        for (let d = 0; d < m.dim; d++) out.W[cl * dim + at + d] = (m.W[cl * m.dim + d] as number) / k;
        out.b[cl] = (out.b[cl] as number) + (m.b[cl] as number) / k;
      }
      at += m.dim;
    }
    return out;
  }
}

/** In-place softmax of `v[0..n)`; returns log(Σ exp) relative to the max (for the loss). */
export function softmaxInPlace(v: Float64Array, n: number): number {
  let max = NEG_INFINITY;
  for (let k = 0; k < n; k++) if ((v[k] as number) > max) max = v[k] as number;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = exp((v[k] as number) - max);
    v[k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) v[k] = (v[k] as number) / sum;
  return log(sum);
}
