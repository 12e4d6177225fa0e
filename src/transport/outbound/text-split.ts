// Splits a text that is longer than a channel allows into several messages, in reading order. It breaks where a human
// would (paragraph, line, sentence, word) and drops only the whitespace it breaks on; a word longer than the limit is
// cut between grapheme clusters, so a surrogate pair, an emoji sequence or a letter with its accents stays whole.

/** How a channel counts its limit: UTF-16 code units (JavaScript length) or UTF-8 bytes (Instagram). */
export type LengthUnit = 'utf16' | 'utf8';

/**
 * Whitespace a line may break on. No-break spaces (U+00A0, U+2007, U+202F) are left out on purpose: the writer put
 * them there so the words around them stay together.
 */
const BREAKABLE_SPACE = /[\t\n\v\f\r \u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]/;
/** Sentence ends, optionally inside a closing quote or bracket. */
const SENTENCE_END = /[.!?\u2026\u3002\uff01\uff1f]/;
const CLOSING = /["'\u2019\u201d\u00bb)\]]/;
/** CJK full stops end a sentence without a following space, so the break goes right after them. */
const CJK_SENTENCE_END = /[\u3002\uff01\uff1f]/;

export function isBreakableSpace(char: string | undefined): boolean {
  return char !== undefined && BREAKABLE_SPACE.test(char);
}

/** Cost of one code point in the given unit. */
function codePointCost(codePoint: number, unit: LengthUnit): number {
  if (unit === 'utf16') return codePoint > 0xffff ? 2 : 1;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint > 0xffff ? 4 : 3;
}

export function measureText(text: string, unit: LengthUnit = 'utf16'): number {
  if (unit === 'utf16') return text.length;
  let total = 0;
  for (const char of text) total += codePointCost(char.codePointAt(0) ?? 0, unit);
  return total;
}

/** End index of the longest prefix of text[start..] that fits in `limit`, on a code point boundary. */
function fitEnd(text: string, start: number, limit: number, unit: LengthUnit): number {
  let cost = 0;
  let index = start;
  while (index < text.length) {
    const codePoint = text.codePointAt(index) ?? 0;
    const next = cost + codePointCost(codePoint, unit);
    if (next > limit) break;
    cost = next;
    index += codePoint > 0xffff ? 2 : 1;
  }
  return index;
}

interface Break {
  /** The chunk is text[start..end). */
  end: number;
  /** The next chunk starts here (after the whitespace broken on). */
  next: number;
}

/** Break quality: a paragraph beats a line, a line a sentence, a sentence any word boundary. */
const Rank = { Word: 0, Sentence: 1, Line: 2, Paragraph: 3 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

function rankSpaceRun(text: string, runStart: number, runEnd: number): Rank {
  let newlines = 0;
  for (let i = runStart; i < runEnd; i++) if (text[i] === '\n') newlines++;
  if (newlines >= 2) return Rank.Paragraph;
  if (newlines === 1) return Rank.Line;
  const before = text[runStart - 1] ?? '';
  if (SENTENCE_END.test(before)) return Rank.Sentence;
  if (CLOSING.test(before) && SENTENCE_END.test(text[runStart - 2] ?? '')) return Rank.Sentence;
  return Rank.Word;
}

/**
 * The best break in text[start..hardEnd]: the highest-ranked one that still leaves the chunk at least half full (so a
 * paragraph break near the start does not waste most of a message), else the last word boundary.
 */
function findBreak(text: string, start: number, hardEnd: number): Break | undefined {
  const best: Array<Break | undefined> = [undefined, undefined, undefined, undefined];
  for (let p = hardEnd; p > start; p--) {
    const char = text[p];
    if (isBreakableSpace(char) && !isBreakableSpace(text[p - 1])) {
      let runEnd = p;
      while (runEnd < text.length && isBreakableSpace(text[runEnd])) runEnd++;
      const rank = rankSpaceRun(text, p, runEnd);
      best[rank] ??= { end: p, next: runEnd };
    } else if (CJK_SENTENCE_END.test(text[p - 1] ?? '') && !isBreakableSpace(char)) {
      best[Rank.Sentence] ??= { end: p, next: p };
    }
  }
  const halfway = start + (hardEnd - start) / 2;
  for (let rank: number = Rank.Paragraph; rank >= Rank.Word; rank--) {
    const candidate = best[rank];
    if (candidate !== undefined && candidate.end >= halfway) return candidate;
  }
  // Nothing past halfway: take the latest break of any rank.
  let latest: Break | undefined;
  for (const candidate of best) if (candidate && (!latest || candidate.end > latest.end)) latest = candidate;
  return latest;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Last grapheme-cluster boundary in (start, hardEnd]; hardEnd itself (a code point boundary) if a cluster is huge. */
function graphemeCut(text: string, start: number, hardEnd: number): number {
  // Look a little past hardEnd so a cluster straddling it is seen whole.
  const window = text.slice(start, Math.min(text.length, hardEnd + 64));
  let cut = 0;
  for (const { index } of graphemes.segment(window)) {
    if (start + index > hardEnd) break;
    cut = index;
  }
  return cut > 0 ? start + cut : hardEnd;
}

/**
 * Splits `text` into chunks of at most `limit` units, in order. Joining the chunks with the whitespace that was between
 * them gives the original text back. A text within the limit comes back as the only chunk, unchanged.
 */
export function splitText(text: string, limit: number, unit: LengthUnit = 'utf16'): string[] {
  // A chunk must be able to hold any single code point (4 UTF-8 bytes, a 2-unit surrogate pair).
  const minimum = unit === 'utf8' ? 4 : 2;
  if (!Number.isInteger(limit) || limit < minimum) throw new RangeError(`split limit must be an integer >= ${minimum}`);
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    const hardEnd = fitEnd(text, start, limit, unit);
    if (hardEnd === text.length) {
      chunks.push(text.slice(start));
      break;
    }
    const found = findBreak(text, start, hardEnd) ?? { end: graphemeCut(text, start, hardEnd), next: -1 };
    const next = found.next === -1 ? found.end : found.next;
    chunks.push(text.slice(start, found.end));
    start = next;
  }
  return chunks.length === 0 ? [text] : chunks;
}
