// The byte-level BPE tokenizer of RoBERTa/GPT-2-family models, read from a Hugging Face `tokenizer.json`: the
// ByteLevel pre-tokenizer (GPT-2's split pattern, then each UTF-8 byte mapped to a printable character, "Ġ" for a
// space), BPE merges applied by rank (lowest first, leftmost first, as the `tokenizers` library's priority queue
// does), then truncation and <s> … </s>. It reproduces the ids of the `tokenizers` library
// (test/inference/transformer-compat). Not supported (refused at load): byte_fallback, dropout, a
// continuing_subword_prefix or end_of_word_suffix (SentencePiece- and CLIP-style BPEs).
import {
  PipelineTokenizer,
  invalid,
  unsupported,
  type PipelineOptions,
  type PreTokenizer,
  type PreTokenizerJson,
  type TokenizerJson,
} from './tokenizer.js';

interface BpeModelJson {
  type: 'BPE';
  vocab: Record<string, number>;
  merges: Array<string | [string, string]>;
  unk_token?: string | null;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  fuse_unk?: boolean;
  byte_fallback?: boolean;
  dropout?: number | null;
  ignore_merges?: boolean;
}

/** GPT-2's reversible byte → printable character table. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return table;
})();

/** GPT-2's pattern with \s as Unicode White_Space (as Oniguruma, which the Rust library uses, has it). */
const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?![^\p{White_Space}])|\p{White_Space}+/gu;

const encoder = new TextEncoder();
const byteLevel = (piece: string): string => Array.from(encoder.encode(piece), (b) => BYTE_TO_CHAR[b]).join('');

/** The ByteLevel pre-tokenizer: optional prefix space, GPT-2 split (use_regex), bytes mapped to characters. */
export function byteLevelPreTokenizer(json: PreTokenizerJson): PreTokenizer {
  const prefixSpace = json.add_prefix_space ?? true;
  const useRegex = json.use_regex ?? true;
  return (text) => {
    const input = prefixSpace && !text.startsWith(' ') ? ` ${text}` : text;
    const pieces = useRegex ? (input.match(GPT2_SPLIT) ?? []) : input ? [input] : [];
    return pieces.map(byteLevel);
  };
}

export class BpeTokenizer extends PipelineTokenizer {
  readonly modelType = 'BPE';
  readonly padId: number;
  private readonly vocab: Map<string, number>;
  private readonly idToToken: Map<number, string>;
  /** "left right" → [rank, merged token id] */
  private readonly merges = new Map<string, [number, number]>();
  private readonly unk: { id: number; token: string } | null;
  private readonly fuseUnk: boolean;
  private readonly ignoreMerges: boolean;
  private readonly cache = new Map<string, Array<{ id: number; token: string }>>();

  constructor(json: TokenizerJson, options: PipelineOptions = {}) {
    super(json, options, { ByteLevel: byteLevelPreTokenizer });
    const model = json.model as unknown as BpeModelJson;
    if (model.type !== 'BPE') throw unsupported('model', model.type);
    if (model.byte_fallback) throw unsupported('BPE option', 'byte_fallback');
    if (model.dropout) throw unsupported('BPE option', 'dropout');
    if (model.continuing_subword_prefix) throw unsupported('BPE option', 'continuing_subword_prefix');
    if (model.end_of_word_suffix) throw unsupported('BPE option', 'end_of_word_suffix');
    if (!model.vocab || typeof model.vocab !== 'object' || !Array.isArray(model.merges)) {
      throw invalid('BPE model needs vocab and merges');
    }
    this.vocab = new Map(Object.entries(model.vocab));
    this.idToToken = new Map([...this.vocab].map(([token, id]) => [id, token]));
    model.merges.forEach((merge, rank) => {
      const [left, right] = typeof merge === 'string' ? splitMerge(merge) : merge;
      const merged = this.vocab.get(left + right);
      if (merged === undefined) throw invalid(`merge "${left} ${right}" makes a token missing from the vocabulary`);
      if (!this.merges.has(`${left} ${right}`)) this.merges.set(`${left} ${right}`, [rank, merged]);
    });
    const unkToken = model.unk_token ?? null;
    const unkId = unkToken === null ? undefined : this.vocab.get(unkToken);
    this.unk = unkToken !== null && unkId !== undefined ? { id: unkId, token: unkToken } : null;
    this.fuseUnk = model.fuse_unk ?? false;
    this.ignoreMerges = model.ignore_merges ?? false;
    this.padId = this.resolvePadId(['<pad>', '[PAD]']);
  }

  tokenId(token: string): number | undefined {
    return this.vocab.get(token) ?? this.json.added_tokens?.find((t) => t.content === token)?.id;
  }

  protected tokenizeWord(word: string): Array<{ id: number; token: string }> {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const result = this.mergeWord(word);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  /** The `tokenizers` library's Word::merge_all: a priority queue of (rank, position), lowest first. */
  private mergeWord(word: string): Array<{ id: number; token: string }> {
    const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
    if (whole !== undefined) return [{ id: whole, token: word }];
    // initial symbols: one per character; unknown characters become unk (fused if fuse_unk) or are dropped
    const ids: number[] = [];
    for (const c of word) {
      const id = this.vocab.get(c);
      if (id !== undefined) ids.push(id);
      else if (this.unk && !(this.fuseUnk && ids[ids.length - 1] === this.unk.id)) ids.push(this.unk.id);
    }
    const n = ids.length;
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const alive = new Array<boolean>(n).fill(true);
    const heap = new MinHeap();
    const pairAt = (i: number): [number, number] | undefined => {
      const j = next[i] as number;
      if (j < 0) return undefined;
      const key = `${this.idToToken.get(ids[i] as number)} ${this.idToToken.get(ids[j] as number)}`;
      return this.merges.get(key);
    };
    const push = (i: number) => {
      const merge = pairAt(i);
      if (merge) heap.push(merge[0], i, merge[1]);
    };
    for (let i = 0; i < n - 1; i++) push(i);
    for (let top = heap.pop(); top; top = heap.pop()) {
      const [, pos, newId] = top;
      if (!alive[pos] || next[pos] === -1) continue;
      const current = pairAt(pos);
      if (!current || current[1] !== newId) continue; // stale entry: the pair has changed since
      const right = next[pos] as number;
      ids[pos] = newId;
      alive[right] = false;
      next[pos] = next[right] as number;
      if (next[pos] !== -1) prev[next[pos] as number] = pos;
      if ((prev[pos] as number) >= 0) push(prev[pos] as number);
      push(pos);
    }
    const out: Array<{ id: number; token: string }> = [];
    for (let i = 0; i >= 0 && i < n; i = next[i] as number) {
      if (!alive[i]) continue;
      out.push({ id: ids[i] as number, token: this.idToToken.get(ids[i] as number) ?? '' });
    }
    return out;
  }
}

/** "Ġ t" → ["Ġ", "t"] (the older string form of a merge: two tokens joined by one space). */
function splitMerge(merge: string): [string, string] {
  const space = merge.indexOf(' ', 1);
  if (space < 0) throw invalid(`merge "${merge}" is not two tokens`);
  return [merge.slice(0, space), merge.slice(space + 1)];
}

/** A binary min-heap of [rank, position, new id], ordered by rank then position. */
class MinHeap {
  private readonly items: Array<[number, number, number]> = [];

  push(rank: number, pos: number, newId: number): void {
    const items = this.items;
    items.push([rank, pos, newId]);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): [number, number, number] | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l]!, items[m]!)) m = l;
        if (r < items.length && less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

const less = (a: [number, number, number], b: [number, number, number]) =>
  a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
