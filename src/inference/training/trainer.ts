// Training loop of hashbag-v1, reproducing models/features/bagmodel.py `train`: per epoch a seeded shuffle, batches
// of 32, feature dropout (each id of a training example dropped with probability 0.6, which also lowers n in the
// sqrt normalisation), softmax cross-entropy, LazySparseAdam (lr 5e-3) for the embedding rows of the batch and Adam
// (lr 1e-3) for c, W, b, both with linear decay to 0 over all steps. As in torch, every row of the batch's examples
// counts as touched (dropped ones with a zero gradient), so their moments decay. Allocation-free per step.
// One addition (TrainOptions.wordScale, default 1 = the Python recipe): word-feature rows weighted in the bag.
import { DenseAdam, LazySparseAdam } from './adam.js';
import type { IdLists } from './featurized-set.js';
import { HashbagModel } from './hashbag-model.js';
import { Prng } from './prng.js';

const { exp, log, sqrt, max: maxOf } = Math; // module-level: fast in hot loops (also under jest's vm context)
const NEG_INFINITY = -Infinity;

export interface TrainOptions {
  /** Embedding width D. @default 128 */
  dim: number;
  /** @default 15 */
  epochs: number;
  /** @default 32 */
  batchSize: number;
  /** Adam learning rate for c, W, b. @default 1e-3 */
  lr: number;
  /** SparseAdam learning rate for the embedding table. @default 5e-3 */
  embLr: number;
  /** Probability of dropping each id of a training example. @default 0.6 */
  featureDropout: number;
  /** E ~ U(±initScale). @default 0.01 */
  initScale: number;
  /** @default 0 */
  seed: number;
  /**
   * Rows of word features (uni/bigrams, TrainingSet.isWordRow) enter the bag multiplied by this; training sees the
   * scaled rows and the returned E has the factor folded in, so the model stays plain hashbag-v1. Under Adam this
   * amounts to a larger learning rate and init for word rows (char n-grams outnumber them ~5:1). @default 1
   */
  wordScale: number;
}

export const TRAIN_DEFAULTS: TrainOptions = {
  dim: 128,
  epochs: 15,
  batchSize: 32,
  lr: 1e-3,
  embLr: 5e-3,
  featureDropout: 0.6,
  initScale: 0.01,
  seed: 0,
  wordScale: 1,
};

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** Steps done so far over the whole run, and their total. */
  step: number;
  steps: number;
  /** Mean training loss of the current epoch so far. */
  loss: number;
  elapsedMs: number;
}

export interface TrainingSet {
  /** Embedding rows of each example (Vocabulary.toRows of the hashed texts). */
  rows: IdLists;
  /** Class index of each example. */
  y: Int32Array;
  numRows: number;
  numClasses: number;
  /** For each row: true when it is a word (not char) feature. */
  isWordRow?: Uint8Array;
}

/** Trains one hashbag model. `onProgress` is called about every `progressEvery` steps and at each epoch end. */
export function trainHashbag(
  data: TrainingSet,
  options: Partial<TrainOptions> = {},
  onProgress?: (p: TrainProgress) => void,
  progressEvery = 25,
): HashbagModel {
  const o: TrainOptions = { ...TRAIN_DEFAULTS, ...options };
  const { dim, batchSize } = o;
  const C = data.numClasses;
  const N = data.y.length;
  if (N === 0) throw new Error('trainHashbag: empty training set');
  const rng = new Prng(o.seed);
  const model = HashbagModel.initialise(data.numRows, dim, C, rng, o.initScale);
  const { E, c, W, b } = model;
  const embOpt = new LazySparseAdam(E, dim, 4096);
  const cOpt = new DenseAdam(c);
  const wOpt = new DenseAdam(W);
  const bOpt = new DenseAdam(b);
  const gc = cOpt.grad;
  const gW = wOpt.grad;
  const gb = bOpt.grad;

  const { offsets, ids: rows } = data.rows;
  const y = data.y;
  let maxLen = 1;
  for (let i = 0; i < N; i++) maxLen = maxOf(maxLen, (offsets[i + 1] as number) - (offsets[i] as number));

  // Per-step scratch, allocated once.
  const X = new Float64Array(batchSize * dim);
  const G = new Float64Array(batchSize * C);
  const invNorm = new Float64Array(batchSize);
  const keptStart = new Int32Array(batchSize + 1);
  const keptSlots = new Int32Array(batchSize * maxLen);
  const keptScale = new Float64Array(batchSize * maxLen);
  const rowScale = new Float64Array(data.numRows).fill(1);
  if (data.isWordRow !== undefined && o.wordScale !== 1) {
    for (let r = 0; r < data.numRows; r++) if (data.isWordRow[r] === 1) rowScale[r] = o.wordScale;
  }

  const dx = new Float64Array(dim);
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  const dropThreshold = Math.round(o.featureDropout * 4294967296);

  const stepsPerEpoch = Math.ceil(N / batchSize);
  const steps = o.epochs * stepsPerEpoch;
  const t0 = Date.now();
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(perm);
    let lossSum = 0;
    let seen = 0;
    for (let start = 0; start < N; start += batchSize) {
      const B = Math.min(batchSize, N - start);
      const frac = 1 - step / steps;
      step++;
      // Forward: dropout, bag, logits, softmax, loss and dLoss/dlogits (mean over the batch).
      let kept = 0;
      for (let k = 0; k < B; k++) {
        const ex = perm[start + k] as number;
        const from = offsets[ex] as number;
        const to = offsets[ex + 1] as number;
        keptStart[k] = kept;
        const xb = k * dim;
        X.fill(0, xb, xb + dim);
        for (let j = from; j < to; j++) {
          const row = rows[j] as number;
          const slot = embOpt.touch(row);
          if (rng.nextU32() >= dropThreshold) {
            const sc = rowScale[row] as number;
            keptScale[kept] = sc;
            keptSlots[kept++] = slot;
            const eb = row * dim;
            for (let d = 0; d < dim; d++) X[xb + d] = (X[xb + d] as number) + sc * (E[eb + d] as number);
          }
        }
        const inv = 1 / sqrt(maxOf(1, kept - (keptStart[k] as number)));
        invNorm[k] = inv;
        for (let d = 0; d < dim; d++) X[xb + d] = (X[xb + d] as number) * inv + (c[d] as number);
        const gBase = k * C;
        let max = NEG_INFINITY;
        for (let cl = 0; cl < C; cl++) {
          let s = b[cl] as number;
          const wb = cl * dim;
          for (let d = 0; d < dim; d++) s += (W[wb + d] as number) * (X[xb + d] as number);
          G[gBase + cl] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let cl = 0; cl < C; cl++) {
          const e = exp((G[gBase + cl] as number) - max);
          G[gBase + cl] = e;
          sum += e;
        }
        const target = y[ex] as number;
        lossSum += log(sum) - log(G[gBase + target] as number);
        const scale = 1 / (sum * B);
        for (let cl = 0; cl < C; cl++) G[gBase + cl] = (G[gBase + cl] as number) * scale;
        G[gBase + target] = (G[gBase + target] as number) - 1 / B;
      }
      keptStart[B] = kept;
      seen += B;

      // Backward.
      gW.fill(0);
      gb.fill(0);
      gc.fill(0);
      const gE = embOpt.grad;
      for (let k = 0; k < B; k++) {
        const xb = k * dim;
        const gBase = k * C;
        dx.fill(0);
        for (let cl = 0; cl < C; cl++) {
          const g = G[gBase + cl] as number;
          gb[cl] = (gb[cl] as number) + g;
          const wb = cl * dim;
          for (let d = 0; d < dim; d++) {
            gW[wb + d] = (gW[wb + d] as number) + g * (X[xb + d] as number);
            dx[d] = (dx[d] as number) + g * (W[wb + d] as number);
          }
        }
        for (let d = 0; d < dim; d++) gc[d] = (gc[d] as number) + (dx[d] as number);
        const inv = invNorm[k] as number;
        for (let d = 0; d < dim; d++) dx[d] = (dx[d] as number) * inv;
        const kEnd = keptStart[k + 1] as number;
        for (let j = keptStart[k] as number; j < kEnd; j++) {
          const sb = (keptSlots[j] as number) * dim;
          const sc = keptScale[j] as number;
          for (let d = 0; d < dim; d++) gE[sb + d] = (gE[sb + d] as number) + sc * (dx[d] as number);
        }
      }
      embOpt.step(o.embLr * frac);
      cOpt.step(o.lr * frac);
      wOpt.step(o.lr * frac);
      bOpt.step(o.lr * frac);

      if (onProgress !== undefined && (step % progressEvery === 0 || start + B >= N)) {
        onProgress({
          epoch: epoch + 1,
          epochs: o.epochs,
          step,
          steps,
          loss: lossSum / seen,
          elapsedMs: Date.now() - t0,
        });
      }
    }
  }
  for (let r = 0; r < data.numRows; r++) {
    const sc = rowScale[r] as number;
    if (sc !== 1) for (let d = 0; d < dim; d++) E[r * dim + d] = (E[r * dim + d] as number) * sc;
  }
  return model;
}
