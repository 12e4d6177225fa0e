// The input tensors of a hashed-feature ("hashbag") ONNX model, built from rows of feature ids. Two graph forms
// exist: packed (`ids` int32 [total] + `offsets` int32 [batch], models/features/pack_bag.py: no padding, what the
// committed models use) and padded (`ids` int64 [batch, len] + `mask` float32, what the TypeScript trainer exports
// and older model directories have). The session's declared inputs say which one a model takes.
import * as ort from 'onnxruntime-node';

export type BagInputForm = 'packed' | 'padded';

/** Which form a session takes: packed when it declares an `offsets` input. */
export function bagInputForm(session: ort.InferenceSession): BagInputForm {
  return session.inputNames.includes('offsets') ? 'packed' : 'padded';
}

/**
 * The feeds for `rows` (each at most `maxLen` ids, every id in [1, numIds)). An out-of-range id is a RangeError
 * rather than a silent wrong gather: rows normally come from textToIds with the model's own spec.
 */
export function bagFeeds(
  form: BagInputForm,
  rows: readonly (readonly number[])[],
  limits: { maxLen: number; numIds: number },
): Record<string, ort.Tensor> {
  const length = (row: readonly number[]) => Math.min(row.length, limits.maxLen);
  const check = (id: number) => {
    if (!Number.isInteger(id) || id < 1 || id >= limits.numIds) throw new RangeError(`feature id out of range: ${id}`);
  };
  if (form === 'packed') {
    let total = 0;
    for (const row of rows) total += length(row);
    const ids = new Int32Array(total);
    const offsets = new Int32Array(rows.length);
    let at = 0;
    rows.forEach((row, r) => {
      offsets[r] = at;
      for (let j = 0, n = length(row); j < n; j++) {
        const id = row[j] as number;
        check(id);
        ids[at++] = id;
      }
    });
    return {
      ids: new ort.Tensor('int32', ids, [total]),
      offsets: new ort.Tensor('int32', offsets, [rows.length]),
    };
  }
  const width = Math.max(1, ...rows.map(length));
  const ids = new BigInt64Array(rows.length * width);
  const mask = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    for (let j = 0, n = length(row); j < n; j++) {
      const id = row[j] as number;
      check(id);
      ids[r * width + j] = BigInt(id);
      mask[r * width + j] = 1;
    }
  });
  return {
    ids: new ort.Tensor('int64', ids, [rows.length, width]),
    mask: new ort.Tensor('float32', mask, [rows.length, width]),
  };
}
