// Feature extraction `omnicx-hash-v1` (models/features/spec.md): the hashed word and character n-gram ids every
// default model takes as input. It must match the Python reference used in training bit for bit — the test replays
// models/features/test-vectors.json — so change nothing here without retraining and regenerating the vectors.

export interface HashingSpec {
  wordBuckets: number;
  charBuckets: number;
  maxLen: number;
  charNgrams: number[];
}

const FNV_BASIS = 0x811c9dc5;

/**
 * FNV-1a 32-bit over the UTF-8 bytes of a string (the spec's hash; not the shard router's UTF-16 variant). The UTF-8
 * bytes are produced inline (no TextEncoder allocation per feature: this runs ~100 times per message); a lone
 * surrogate hashes as U+FFFD, exactly as TextEncoder would encode it. `seed`: an FNV state to continue instead of the
 * offset basis (a bigram continues its first word's hash).
 */
export function fnv1a32Utf8(text: string, start = 0, end = text.length, seed = FNV_BASIS): number {
  let h = seed;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (c < 0xd800 || c > 0xdfff) {
      h = fnvStepBmp(h, c);
      continue;
    }
    const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
    if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) {
      h = fnvStepBmp(h, 0xfffd);
      continue;
    }
    c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
    i++;
    h = Math.imul(h ^ (0xf0 | (c >> 18)), 0x01000193);
    h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), 0x01000193);
    h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a state `h` extended by the UTF-8 bytes of one BMP code point that is not a surrogate. */
function fnvStepBmp(h: number, c: number): number {
  if (c < 0x80) return Math.imul(h ^ c, 0x01000193);
  if (c < 0x800) h = Math.imul(h ^ (0xc0 | (c >> 6)), 0x01000193);
  else {
    h = Math.imul(h ^ (0xe0 | (c >> 12)), 0x01000193);
    h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
  }
  return Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
}

/** Spec section 1: well-formed, NFKC, lower case, apostrophes removed, digits 1-9 folded to 0. */
export function normalizeForHashing(text: string): string {
  // ASCII is already well-formed and NFKC-stable (most messages: skips two full-string passes).
  const wellFormed = ASCII_ONLY.test(text)
    ? text
    : (text as string & { toWellFormed(): string }).toWellFormed().normalize('NFKC');
  return wellFormed
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[1-9]/g, '0');
}

// eslint-disable-next-line no-control-regex -- the ASCII range starts at U+0000 on purpose
const ASCII_ONLY = /^[\x00-\x7f]*$/;

type CharClass = 'W' | 'S' | '';

/** Spec section 2's classes: 'W' word character, 'S' a symbol token of its own, '' a separator. */
export function charClass(cp: number): CharClass {
  if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) return 'W';
  if (cp >= 0xc0 && cp <= 0x1fff && cp !== 0xd7 && cp !== 0xf7) return 'W';
  if ((cp >= 0x3040 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af)) return 'W';
  if (cp === 0x21 || cp === 0x3f) return 'S';
  if ((cp >= 0x2190 && cp <= 0x2bff) || (cp >= 0x1f000 && cp <= 0x1faff)) return 'S';
  return '';
}

export interface Token {
  text: string;
  isWord: boolean;
}

/** Spec section 2: runs of word characters are words, each symbol is its own token, everything else separates. */
export function tokenizeForHashing(text: string): Token[] {
  const tokens: Token[] = [];
  let current = '';
  for (const ch of normalizeForHashing(text)) {
    const kind = charClass(ch.codePointAt(0) as number);
    if (kind === 'W') {
      current += ch;
      continue;
    }
    if (current !== '') {
      tokens.push({ text: current, isWord: true });
      current = '';
    }
    if (kind === 'S') tokens.push({ text: ch, isWord: false });
  }
  if (current !== '') tokens.push({ text: current, isWord: true });
  return tokens;
}

const WORD = 1;
const SYMBOL = 2;

/** The class of a code point as a number (hot loop: no strings). Every W code point is a BMP non-surrogate. */
function charKind(cp: number): number {
  const kind = charClass(cp);
  return kind === 'W' ? WORD : kind === 'S' ? SYMBOL : 0;
}

/**
 * The ids collected for the message being hashed, deduplicated with a stamp per id (stamp[id] === generation:
 * already taken) instead of a Set: module state, because this runs ~150 times per message on one thread and
 * closures or Set operations cost more than the hashing itself.
 */
let stamp = new Uint32Array(0);
let generation = 0;
let collected: number[] = [];
let limit = 0;

/** Adds an id unless already taken; true once `limit` ids are collected. */
function take(id: number): boolean {
  if (stamp[id] === generation) return false;
  stamp[id] = generation;
  collected.push(id);
  return collected.length >= limit;
}

/** Scratch: the code units of "<word>" and its n-gram hashes [size index][start] (grown on demand). */
let units = new Uint16Array(64);
let ngramHashes = new Uint32Array(3 * 64);

/**
 * Spec sections 3-4: unigrams, bigrams and character n-grams → distinct ids in first-occurrence order, ≤ maxLen.
 * One pass over the normalized string with no per-feature string: a bigram's hash continues its first word's hash
 * (FNV-1a is sequential), and a word's n-grams of sizes 3, 4, 5 starting at one position are hashed as one run
 * (the 4-gram continues the 3-gram), then taken in the spec's order (all 3-grams, then 4-grams, then 5-grams).
 * test/inference/hashed-ngrams.test.ts checks it against the plain reference (models/features/hashing.cjs).
 */
export function textToIds(text: string, spec: HashingSpec): number[] {
  const s = normalizeForHashing(text);
  const { wordBuckets, charBuckets } = spec;
  const numIds = 1 + wordBuckets + charBuckets;
  if (stamp.length < numIds) stamp = new Uint32Array(numIds);
  generation = generation === 0xffffffff ? 1 : generation + 1;
  if (generation === 1) stamp.fill(0);
  const ids: number[] = [];
  collected = ids;
  limit = spec.maxLen;
  try {
    hashInto(s, spec);
  } finally {
    collected = [];
  }
  return ids;
}

function hashInto(s: string, spec: HashingSpec): void {
  const { wordBuckets, charBuckets, charNgrams } = spec;
  const bySize = sizeOrder(charNgrams);
  let previous = -1; // FNV state after the previous token (-1: none yet)
  const length = s.length;
  let i = 0;
  while (i < length) {
    let cp = s.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        width = 2;
      }
    }
    const kind = charKind(cp);
    if (kind === 0) {
      i += width;
      continue;
    }
    let end = i + width;
    if (kind === WORD) while (end < length && charKind(s.charCodeAt(end)) === WORD) end++;
    const token = fnv1a32Utf8(s, i, end);
    if (take(1 + (token % wordBuckets))) return;
    if (previous !== -1) {
      // "previous token" + " " + this token: the previous token's hash continued by a space, then this token.
      const bigram = fnv1a32Utf8(s, i, end, Math.imul(previous ^ 0x20, 0x01000193));
      if (take(1 + (bigram % wordBuckets))) return;
    }
    if (kind === WORD && takeCharNgrams(s, i, end, charNgrams, bySize, 1 + wordBuckets, charBuckets)) return;
    previous = token;
    i = end;
  }
}

/** The n-gram sizes' indices from the shortest up, so that a start position's n-grams are hashed as one run. */
function sizeOrder(sizes: readonly number[]): readonly number[] {
  let order = sizeOrders.get(sizes);
  if (order === undefined) {
    order = sizes.map((_, q) => q).sort((a, b) => (sizes[a] as number) - (sizes[b] as number));
    sizeOrders.set(sizes, order);
  }
  return order;
}

const sizeOrders = new WeakMap<readonly number[], readonly number[]>();

/** Takes the character n-grams of the word s[start, end) wrapped in "<" ">"; true once maxLen ids are reached. */
function takeCharNgrams(
  s: string,
  start: number,
  end: number,
  sizes: readonly number[],
  bySize: readonly number[],
  base: number,
  buckets: number,
): boolean {
  const m = end - start + 2; // "<word>" in code units (word characters are BMP non-surrogates: one unit each)
  if (units.length < m) units = new Uint16Array(m * 2);
  units[0] = 0x3c;
  for (let k = start; k < end; k++) units[k - start + 1] = s.charCodeAt(k);
  units[m - 1] = 0x3e;
  if (ngramHashes.length < sizes.length * m) ngramHashes = new Uint32Array(sizes.length * m * 2);
  const hashes = ngramHashes;
  for (let p = 0; p < m; p++) {
    let h = FNV_BASIS;
    let k = p;
    for (let j = 0; j < bySize.length; j++) {
      const q = bySize[j] as number;
      const n = sizes[q] as number;
      if (p + n > m) break;
      for (; k < p + n; k++) h = fnvStepBmp(h, units[k] as number);
      hashes[q * m + p] = h >>> 0;
    }
  }
  for (let q = 0; q < sizes.length; q++) {
    const n = sizes[q] as number;
    for (let p = 0; p + n <= m; p++) if (take(base + ((hashes[q * m + p] as number) % buckets))) return true;
  }
  return false;
}
