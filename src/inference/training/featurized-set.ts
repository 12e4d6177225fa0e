// Texts hashed once into `omnicx-hash-v1` ids (src/inference/features/hashed-ngrams.ts) and stored compactly: one
// Int32Array of ids for all texts plus offsets (CSR layout), and the training vocabulary that maps the ids seen in
// training to consecutive embedding rows (row 0 = the zero vector for padding and unseen ids).
import { textToIds, type HashingSpec } from '../features/hashed-ngrams.js';

/** The feature spec every hashbag model uses (models/features/spec.md; same values as the manifests). */
export const OMNICX_HASH_V1: HashingSpec & { name: string; numIds: number } = {
  name: 'omnicx-hash-v1',
  wordBuckets: 262144,
  charBuckets: 262144,
  maxLen: 1024,
  charNgrams: [3, 4, 5],
  numIds: 524289,
};

/** Id lists of many texts: the ids of text i are `ids[offsets[i] .. offsets[i + 1])`. */
export interface IdLists {
  offsets: Int32Array;
  ids: Int32Array;
}

/** Hashes every text once. `onProgress(done, total)` is called every `every` texts. */
export function hashTexts(
  texts: readonly string[],
  spec: HashingSpec = OMNICX_HASH_V1,
  onProgress?: (done: number, total: number) => void,
  every = 2000,
): IdLists {
  const offsets = new Int32Array(texts.length + 1);
  let ids = new Int32Array(Math.max(1024, texts.length * 64));
  let used = 0;
  for (let t = 0; t < texts.length; t++) {
    const row = textToIds(texts[t] as string, spec);
    if (used + row.length > ids.length) {
      const grown = new Int32Array(Math.max(ids.length * 2, used + row.length));
      grown.set(ids.subarray(0, used));
      ids = grown;
    }
    for (let j = 0; j < row.length; j++) ids[used++] = row[j] as number;
    offsets[t + 1] = used;
    if (onProgress !== undefined && ((t + 1) % every === 0 || t + 1 === texts.length)) onProgress(t + 1, texts.length);
  }
  return { offsets, ids: ids.slice(0, used) };
}

/** Feature ids seen in training → embedding rows 1..size-1, in first-occurrence order. */
export class Vocabulary {
  private constructor(
    /** rowOf[id] = row, 0 for ids never seen in training. Length = numIds of the spec. */
    readonly rowOf: Int32Array,
    /** Number of rows including row 0. */
    readonly size: number,
  ) {}

  static build(lists: IdLists, numIds: number = OMNICX_HASH_V1.numIds): Vocabulary {
    const rowOf = new Int32Array(numIds);
    let size = 1;
    for (let j = 0; j < lists.ids.length; j++) {
      const id = lists.ids[j] as number;
      if (rowOf[id] === 0) rowOf[id] = size++;
    }
    return new Vocabulary(rowOf, size);
  }

  static fromRowMap(rowOf: Int32Array): Vocabulary {
    let max = 0;
    for (let i = 0; i < rowOf.length; i++) if ((rowOf[i] as number) > max) max = rowOf[i] as number;
    return new Vocabulary(rowOf, max + 1);
  }

  /** Id lists → row lists with the same offsets (unseen ids become row 0, which still counts in the length). */
  toRows(lists: IdLists): IdLists {
    const rows = new Int32Array(lists.ids.length);
    for (let j = 0; j < rows.length; j++) rows[j] = this.rowOf[lists.ids[j] as number] as number;
    return { offsets: lists.offsets, ids: rows };
  }
}

/** Labels → class indices (sorted label order, as the Python trainer). */
export function encodeLabels(
  labels: readonly string[],
  classes?: readonly string[],
): { classes: string[]; y: Int32Array } {
  const names = classes ? [...classes] : [...new Set(labels)].sort();
  const index = new Map(names.map((name, i) => [name, i]));
  const y = new Int32Array(labels.length);
  labels.forEach((label, i) => {
    const c = index.get(label);
    if (c === undefined) throw new Error(`label ${JSON.stringify(label)} is not one of the classes`);
    y[i] = c;
  });
  return { classes: names, y };
}
