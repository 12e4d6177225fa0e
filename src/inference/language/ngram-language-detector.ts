// Language identification with ELD's algorithm and database (the `eld` package, 2.1.0, Apache-2.0, by Nito T.M.),
// scored faster. ELD keeps one object per byte n-gram ({language index: score}) and sums with `for…in`, which V8
// runs slowly over integer keys: it was the largest JavaScript cost of a message's analysis (≈ 50 µs of ≈ 200).
// Here the same database is flattened once into a Map from n-gram to a run of (language, score) pairs in one
// Int32Array. Text processing, n-grams, scores and the tie rule are ELD's own, so the answers are the same:
// test/inference/language.test.ts compares them with eld.detect on every text of the language sample and more.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** ELD subtracts this minimum from every stored score to keep its database small; detect() adds it back. */
const BASE_NGRAM_SCORE = 53;
/** ELD reads at most this many characters, and stops encoding words past these UTF-8 byte counts. */
const MAX_CHARS = 1000;
const CUT_AFTER_BYTES = 350;
const ENFORCE_CUT_AFTER_BYTES = 380;

interface EldData {
  languages: Record<string, string>;
  ngrams: Record<string, Record<string, number>>;
}

/** The files of the installed eld package (its export map only exposes entry points, not its data modules). */
function eldFile(relative: string): string {
  const roots = require.resolve.paths('eld') ?? [];
  for (const root of roots) {
    const file = path.join(root, 'eld', 'src', relative);
    if (existsSync(file)) return file;
  }
  throw new Error(`eld/src/${relative} not found (is the eld package installed?)`);
}

export class NgramLanguageDetector {
  private constructor(
    private readonly codes: string[],
    /** n-gram → (start << 7) | count into `pairs` (at most 127 languages per n-gram). */
    private readonly index: Map<string, number>,
    /** (language index, score + BASE_NGRAM_SCORE) pairs. */
    private readonly pairs: Int32Array,
    private readonly separators: RegExp,
    private readonly byteChars: readonly string[],
  ) {}

  /** Loads ELD's large database (60 languages) and flattens it: a few seconds, once per thread. */
  static async load(): Promise<NgramLanguageDetector> {
    // An absolute path (not a file: URL) so that jest's CommonJS runtime can load it too (Linux paths only).
    const importFile = (relative: string) => import(eldFile(relative));
    const [{ ngramsData }, { separators }, { dictionary }] = (await Promise.all([
      importFile('ngrams/large.js'),
      importFile('regexPatterns.js'),
      importFile('dictionary.js'),
    ])) as [{ ngramsData: EldData }, { separators: RegExp }, { dictionary: Record<number, string> }];
    const count = Object.keys(ngramsData.languages).length;
    if (count > 127) throw new Error(`eld database has ${count} languages (at most 127 supported)`);
    const codes = Array.from({ length: count }, (_, i) => ngramsData.languages[i] as string);
    const entries = Object.entries(ngramsData.ngrams);
    let total = 0;
    for (const [, scores] of entries) total += Object.keys(scores).length;
    const pairs = new Int32Array(total * 2);
    const index = new Map<string, number>();
    let at = 0;
    for (const [ngram, scores] of entries) {
      const start = at;
      for (const [lang, score] of Object.entries(scores)) {
        pairs[at * 2] = Number(lang);
        pairs[at * 2 + 1] = score + BASE_NGRAM_SCORE;
        at++;
      }
      index.set(ngram, (start << 7) | (at - start));
    }
    const byteChars = Array.from({ length: 256 }, (_, b) => dictionary[b] as string);
    return new NgramLanguageDetector(codes, index, pairs, new RegExp(separators.source, separators.flags), byteChars);
  }

  /** ISO 639-1 code of the most likely language, or '' when no n-gram of the text is known (as eld.detect). */
  detect(input: string): string {
    const text = input.substring(0, MAX_CHARS).replace(this.separators, ' ').trim().toLowerCase();
    const scores = new Float64Array(this.codes.length);
    const seen = new Set<string>();
    for (const word of this.byteWords(text)) {
      // 4-byte n-grams with a stride of 3, the first marked by a leading space, the last by a trailing one.
      const len = Math.min(word.length, 70);
      let j = 0;
      for (; j + 4 < len; j += 3) this.score((j === 0 ? ' ' : '') + word.substring(j, j + 4), seen, scores);
      this.score((j === 0 ? ' ' : '') + word.substring(len !== 3 ? len - 4 : 0) + ' ', seen, scores);
    }
    // The first language with the highest positive score (ELD's getMaxLang).
    let best = -1;
    let bestScore = 0;
    for (let l = 0; l < scores.length; l++) {
      const value = scores[l] as number;
      if (value > 0 && value > bestScore) {
        bestScore = value;
        best = l;
      }
    }
    return best < 0 ? '' : (this.codes[best] as string);
  }

  /** Adds an n-gram's language scores, once per distinct n-gram of the text. */
  private score(ngram: string, seen: Set<string>, scores: Float64Array): void {
    if (seen.has(ngram)) return;
    seen.add(ngram);
    const slot = this.index.get(ngram);
    if (slot === undefined) return;
    const pairs = this.pairs;
    for (let k = slot >>> 7, end = k + (slot & 127); k < end; k++) {
      const lang = pairs[k * 2] as number;
      scores[lang] = (scores[lang] as number) + (pairs[k * 2 + 1] as number);
    }
  }

  /** The text's words as ELD encodes them: each UTF-8 byte as one dictionary character, cut near 350 bytes. */
  private byteWords(text: string): string[] {
    const dict = this.byteChars;
    const words: string[] = [];
    let encoded = '';
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c === 32) {
          if (encoded !== '') {
            words.push(encoded);
            encoded = '';
          }
          if (bytes > CUT_AFTER_BYTES) break;
        } else encoded += text[i];
        bytes++;
      } else if (c < 0x800) {
        encoded += (dict[0xc0 | (c >> 6)] as string) + (dict[0x80 | (c & 0x3f)] as string);
        bytes += 2;
      } else if (c < 0xd800 || c >= 0xe000) {
        encoded +=
          (dict[0xe0 | (c >> 12)] as string) +
          (dict[0x80 | ((c >> 6) & 0x3f)] as string) +
          (dict[0x80 | (c & 0x3f)] as string);
        bytes += 3;
      } else {
        i++;
        c = 0x10000 + (((c & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
        encoded +=
          (dict[0xf0 | (c >> 18)] as string) +
          (dict[0x80 | ((c >> 12) & 0x3f)] as string) +
          (dict[0x80 | ((c >> 6) & 0x3f)] as string) +
          (dict[0x80 | (c & 0x3f)] as string);
        bytes += 4;
      }
      if (bytes > ENFORCE_CUT_AFTER_BYTES) break;
    }
    if (encoded !== '') words.push(encoded);
    return words;
  }
}
