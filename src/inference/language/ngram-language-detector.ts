// Language identification with ELD's algorithm and database (the `eld` package, 2.1.0, Apache-2.0, by Nito T.M.),
// scored faster. ELD keeps one object per byte n-gram ({language index: score}) and sums with `for…in`, which V8
// runs slowly over integer keys: it was the largest JavaScript cost of a message's analysis (≈ 50 µs of ≈ 200).
// Here the same database is flattened once into a Map from n-gram to a run of (language, score) pairs in one
// Int32Array. Text processing, n-grams, scores and the tie rule are ELD's own, so the answers are the same:
// test/inference/language.test.ts compares them with eld.detect on every text of the language sample and more.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';

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

  /**
   * Loads ELD's large database (60 languages), flattened. Importing and flattening ELD's 4.4 MB JavaScript database
   * takes ~2 s, so the flat form is cached in `cacheDir` (default: the OS temp folder) under a name carrying eld's
   * version and the database file's size; later loads (every inference worker of every start) read it in ~0.1 s.
   * A missing, stale or damaged cache is rebuilt; a cache that cannot be written is skipped.
   */
  static async load(options: { cacheDir?: string } = {}): Promise<NgramLanguageDetector> {
    // An absolute path (not a file: URL) so that jest's CommonJS runtime can load it too (Linux paths only).
    const importFile = (relative: string) => import(eldFile(relative));
    const [{ separators }, { dictionary }] = (await Promise.all([
      importFile('regexPatterns.js'),
      importFile('dictionary.js'),
    ])) as [{ separators: RegExp }, { dictionary: Record<number, string> }];
    const byteChars = Array.from({ length: 256 }, (_, b) => dictionary[b] as string);
    const regex = new RegExp(separators.source, separators.flags);
    const database = eldFile('ngrams/large.js');
    const version = (
      JSON.parse(readFileSync(path.join(path.dirname(eldFile('')), 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const cache = path.join(options.cacheDir ?? tmpdir(), `omnicx-eld-large-${version}-${statSync(database).size}.bin`);
    const cached = readFlatCache(cache);
    if (cached !== undefined)
      return new NgramLanguageDetector(cached.codes, cached.index, cached.pairs, regex, byteChars);
    const { ngramsData } = (await import(database)) as { ngramsData: EldData };
    const flat = flatten(ngramsData);
    writeFlatCache(cache, flat);
    return new NgramLanguageDetector(flat.codes, flat.index, flat.pairs, regex, byteChars);
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

interface FlatDatabase {
  codes: string[];
  index: Map<string, number>;
  pairs: Int32Array;
}

/** ELD's {n-gram: {language: score}} as one Map from n-gram to a run of (language, score) pairs. */
function flatten(data: EldData): FlatDatabase {
  const count = Object.keys(data.languages).length;
  if (count > 127) throw new Error(`eld database has ${count} languages (at most 127 supported)`);
  const codes = Array.from({ length: count }, (_, i) => data.languages[i] as string);
  const entries = Object.entries(data.ngrams);
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
  return { codes, index, pairs };
}

/*
 * Cache file: MAGIC, then a little-endian u32 header length and the JSON header {codes, count, pairsLength,
 * keyUnits}, then `count` u32 key lengths, `count` i32 slots, the i32 pairs, and every key's UTF-16 code units
 * (n-grams are strings of ELD's byte characters, any of which may occur, so no separator is safe).
 */
const MAGIC = Buffer.from('OMNICX-ELD-FLAT-1\n');

function writeFlatCache(file: string, flat: FlatDatabase): void {
  try {
    const keys = [...flat.index.keys()];
    const lengths = Uint32Array.from(keys, (k) => k.length);
    const slots = Int32Array.from(flat.index.values());
    const text = Buffer.from(keys.join(''), 'utf16le');
    const header = Buffer.from(
      JSON.stringify({
        codes: flat.codes,
        count: keys.length,
        pairsLength: flat.pairs.length,
        keyUnits: text.length / 2,
      }),
    );
    const size = Buffer.alloc(4);
    size.writeUInt32LE(header.length);
    const bytes = (a: Uint32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const temporary = `${file}.${process.pid}.${threadId}.tmp`;
    writeFileSync(
      temporary,
      Buffer.concat([MAGIC, size, header, bytes(lengths), bytes(slots), bytes(flat.pairs), text]),
      { mode: 0o644 }, // not group- or world-writable, whatever the umask: readFlatCache trusts no other file
    );
    renameSync(temporary, file); // atomic: a concurrent reader sees the old file or the whole new one
  } catch {
    // Not writable (read-only temp folder): every load rebuilds, as without a cache.
  }
}

function readFlatCache(file: string): FlatDatabase | undefined {
  try {
    // The default folder is the shared temp folder: trust only a file this user wrote that nobody else can rewrite.
    const info = statSync(file);
    const uid = process.getuid?.();
    if ((uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) return undefined;
    const buffer = readFileSync(file);
    if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    let at = MAGIC.length;
    const headerLength = buffer.readUInt32LE(at);
    at += 4;
    const header = JSON.parse(buffer.toString('utf8', at, at + headerLength)) as {
      codes: string[];
      count: number;
      pairsLength: number;
      keyUnits: number;
    };
    at += headerLength;
    // Copied into aligned arrays (the file offsets are not 4-byte aligned).
    const take = (count: number) => {
      const out = new Uint8Array(count * 4);
      out.set(buffer.subarray(at, at + count * 4));
      at += count * 4;
      return out.buffer;
    };
    const lengths = new Uint32Array(take(header.count));
    const slots = new Int32Array(take(header.count));
    const pairs = new Int32Array(take(header.pairsLength));
    if (buffer.length !== at + header.keyUnits * 2) return undefined;
    const text = buffer.toString('utf16le', at, at + header.keyUnits * 2);
    const index = new Map<string, number>();
    let offset = 0;
    for (let k = 0; k < header.count; k++) {
      const length = lengths[k] as number;
      index.set(text.slice(offset, offset + length), slots[k] as number);
      offset += length;
    }
    if (offset !== text.length) return undefined;
    return { codes: header.codes, index, pairs };
  } catch {
    return undefined;
  }
}
