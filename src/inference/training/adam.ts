// The two optimisers of the hashbag recipe, written to match torch 1.13:
// - DenseAdam = torch.optim.AdamW with weight_decay 0 (= Adam) for c, W and b;
// - LazySparseAdam = torch.optim.SparseAdam for the embedding table: only the rows touched by the batch get their
//   moments and values updated ("lazy"), the step count (bias correction) is global, and eps is added to sqrt(v)
//   before bias correction, exactly as SparseAdam does.

const { sqrt } = Math; // module-level: global lookups are slow in hot loops under jest's vm context

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Adam over one flat parameter array; `grad` is filled by the caller before each `step`. */
export class DenseAdam {
  readonly grad: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    private readonly param: Float32Array,
    private readonly config: AdamConfig = ADAM_DEFAULTS,
  ) {
    this.grad = new Float64Array(param.length);
    this.m = new Float64Array(param.length);
    this.v = new Float64Array(param.length);
  }

  step(lr: number): void {
    const { beta1, beta2, eps } = this.config;
    this.t++;
    const stepSize = lr / (1 - beta1 ** this.t);
    const sqrtBc2 = sqrt(1 - beta2 ** this.t);
    const { param, grad, m, v } = this;
    const a1 = 1 - beta1;
    const a2 = 1 - beta2;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (m[i] as number) + a1 * g;
      const vi = beta2 * (v[i] as number) + a2 * g * g;
      m[i] = mi;
      v[i] = vi;
      param[i] = (param[i] as number) - (stepSize * mi) / (sqrt(vi) / sqrtBc2 + eps);
    }
  }
}

/**
 * SparseAdam over the rows of a (rows × dim) table. Per step the caller registers touched rows with `touch` (which
 * returns the row's slot in `grad`, zeroed on first touch), accumulates gradients into `grad`, then calls `step`.
 */
export class LazySparseAdam {
  /** Gradient slots of the rows touched in this step: slot s covers grad[s*dim .. (s+1)*dim). */
  grad: Float64Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly slotOf: Int32Array;
  private touched: Int32Array;
  private count = 0;
  private t = 0;

  constructor(
    private readonly table: Float32Array,
    private readonly dim: number,
    initialSlots = 4096,
    private readonly config: AdamConfig = ADAM_DEFAULTS,
  ) {
    const rows = table.length / dim;
    this.m = new Float32Array(table.length);
    this.v = new Float32Array(table.length);
    this.slotOf = new Int32Array(rows).fill(-1);
    this.touched = new Int32Array(initialSlots);
    this.grad = new Float64Array(initialSlots * dim);
  }

  /** Slot of `row` for this step (allocated and zeroed on first touch). */
  touch(row: number): number {
    const s = this.slotOf[row] as number;
    if (s >= 0) return s;
    const slot = this.count++;
    if (slot >= this.touched.length) this.grow();
    this.slotOf[row] = slot;
    this.touched[slot] = row;
    this.grad.fill(0, slot * this.dim, (slot + 1) * this.dim);
    return slot;
  }

  private grow(): void {
    const touched = new Int32Array(this.touched.length * 2);
    touched.set(this.touched);
    this.touched = touched;
    const grad = new Float64Array(this.grad.length * 2);
    grad.set(this.grad);
    this.grad = grad;
  }

  step(lr: number): void {
    const { beta1, beta2, eps } = this.config;
    this.t++;
    const stepSize = (lr * sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const { table, m, v, grad, dim, touched, slotOf } = this;
    const a1 = 1 - beta1;
    const a2 = 1 - beta2;
    for (let s = 0; s < this.count; s++) {
      const row = touched[s] as number;
      const base = row * dim;
      const gBase = s * dim;
      for (let d = 0; d < dim; d++) {
        const g = grad[gBase + d] as number;
        const i = base + d;
        const mi = (m[i] as number) + a1 * (g - (m[i] as number));
        const vi = (v[i] as number) + a2 * (g * g - (v[i] as number));
        m[i] = mi;
        v[i] = vi;
        table[i] = (table[i] as number) - (stepSize * mi) / (sqrt(vi) + eps);
      }
      slotOf[row] = -1;
    }
    this.count = 0;
  }
}
