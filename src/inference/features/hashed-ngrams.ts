// Feature extraction `omnicx-hash-v1` (models/features/spec.md): the hashed word and character n-gram ids every
// default model takes as input. It must match the Python reference used in training bit for bit — the test replays
// models/features/test-vectors.json — so change nothing here without retraining and regenerating the vectors.

export interface HashingSpec {
  wordBuckets: number;
  charBuckets: number;
  maxLen: number;
  charNgrams: number[];
}

/**
 * FNV-1a 32-bit over the UTF-8 bytes of a string (the spec's hash; not the shard router's UTF-16 variant). The UTF-8
 * bytes are produced inline (no TextEncoder allocation per feature: this runs ~100 times per message); a lone
 * surrogate hashes as U+FFFD, exactly as TextEncoder would encode it.
 */
export function fnv1a32Utf8(text: string, start = 0, end = text.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), 0x01000193);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
    }
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
  }
  return h >>> 0;
}

/** Spec section 1: well-formed, NFKC, lower case, apostrophes removed, digits 1-9 folded to 0. */
export function normalizeForHashing(text: string): string {
  const wellFormed = (text as string & { toWellFormed(): string }).toWellFormed();
  return wellFormed
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[1-9]/g, '0');
}

type CharClass = 'W' | 'S' | '';

function charClass(cp: number): CharClass {
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

/** Spec sections 3-4: unigrams, bigrams and character n-grams → distinct ids in first-occurrence order, ≤ maxLen. */
export function textToIds(text: string, spec: HashingSpec): number[] {
  const seen = new Set<number>();
  const ids: number[] = [];
  /** Adds an id unless already there; true once maxLen ids are reached. */
  const add = (id: number): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    ids.push(id);
    return ids.length >= spec.maxLen;
  };
  const push = (kind: 'w' | 'c', feature: string): boolean => {
    const hash = fnv1a32Utf8(feature);
    return add(kind === 'w' ? 1 + (hash % spec.wordBuckets) : 1 + spec.wordBuckets + (hash % spec.charBuckets));
  };
  /** A character n-gram hashed in place: text[start, end). */
  const pushRange = (text: string, start: number, end: number): boolean =>
    add(1 + spec.wordBuckets + (fnv1a32Utf8(text, start, end) % spec.charBuckets));
  let previous: string | undefined;
  for (const token of tokenizeForHashing(text)) {
    if (push('w', token.text)) return ids;
    if (previous !== undefined && push('w', `${previous} ${token.text}`)) return ids;
    if (token.isWord) {
      const wrapped = `<${token.text}>`;
      if (!/[\ud800-\udfff]/.test(wrapped)) {
        // One UTF-16 unit per code point (the usual case): hash each n-gram in place, no substring allocated.
        for (const n of spec.charNgrams) {
          for (let i = 0; i + n <= wrapped.length; i++) if (pushRange(wrapped, i, i + n)) return ids;
        }
      } else {
        const points = Array.from(wrapped);
        for (const n of spec.charNgrams) {
          for (let i = 0; i + n <= points.length; i++) if (push('c', points.slice(i, i + n).join(''))) return ids;
        }
      }
    }
    previous = token.text;
  }
  return ids;
}
