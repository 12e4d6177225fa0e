// Decision rule and benchmark metrics of the intent benchmark (as models/intent/train_generic.py):
// - decide: argmax; when the classes include `oos`, reject to `oos` if the best in-scope probability < threshold;
// - accuracy over the in-scope test rows (label ≠ oos; a prediction of oos counts wrong);
// - macro-F1 over the in-scope labels present in the test set, counted on all rows (an oos row predicted X is a
//   false positive of X);
// - OOS recall over the oos test rows (only when there are some).

export const OOS_LABEL = 'oos';

export interface IntentMetrics {
  accuracy: number;
  macroF1: number;
  /** Present only when the test set has oos rows. */
  oosRecall?: number;
  n: number;
  nInScope: number;
  nOos: number;
}

/**
 * Index of the decided class for one probability row `probs[offset .. offset + classes)`, or -1 for `oos`
 * rejection. `oosIndex` is the class index of oos (-1 if the model has no oos class).
 */
export function decideIndex(
  probs: ArrayLike<number>,
  offset: number,
  numClasses: number,
  oosIndex: number,
  threshold: number,
): number {
  let best = -1;
  let bestP = -Infinity;
  let top = 0;
  let topP = -Infinity;
  for (let k = 0; k < numClasses; k++) {
    const p = probs[offset + k] as number;
    if (p > topP) {
      topP = p;
      top = k;
    }
    if (k !== oosIndex && p > bestP) {
      bestP = p;
      best = k;
    }
  }
  if (oosIndex < 0) return top;
  if (top === oosIndex || bestP < threshold) return oosIndex;
  return best;
}

/** Metrics of predicted labels against true labels. */
export function computeMetrics(yTrue: readonly string[], yPred: readonly string[], oos = OOS_LABEL): IntentMetrics {
  if (yTrue.length !== yPred.length) throw new Error('computeMetrics: length mismatch');
  let nIn = 0;
  let correctIn = 0;
  let nOos = 0;
  let oosHit = 0;
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] as string;
    const p = yPred[i] as string;
    if (t === oos) {
      nOos++;
      if (p === oos) oosHit++;
    } else {
      nIn++;
      if (p === t) correctIn++;
    }
    if (p === t) inc(tp, t);
    else {
      inc(fp, p);
      inc(fn, t);
    }
  }
  const inScopeLabels = [...new Set(yTrue.filter((t) => t !== oos))].sort();
  let f1Sum = 0;
  for (const label of inScopeLabels) {
    const t = tp.get(label) ?? 0;
    f1Sum += t === 0 ? 0 : (2 * t) / (2 * t + (fp.get(label) ?? 0) + (fn.get(label) ?? 0));
  }
  const result: IntentMetrics = {
    accuracy: nIn > 0 ? correctIn / nIn : NaN,
    macroF1: inScopeLabels.length > 0 ? f1Sum / inScopeLabels.length : NaN,
    n: yTrue.length,
    nInScope: nIn,
    nOos,
  };
  if (nOos > 0) result.oosRecall = oosHit / nOos;
  return result;
}

/** The benchmark's single result line: `accuracy 0.xxxx macroF1 0.xxxx[ oosRecall 0.xxxx]`. */
export function formatResultLine(m: IntentMetrics): string {
  let line = `accuracy ${m.accuracy.toFixed(4)} macroF1 ${m.macroF1.toFixed(4)}`;
  if (m.oosRecall !== undefined) line += ` oosRecall ${m.oosRecall.toFixed(4)}`;
  return line;
}
