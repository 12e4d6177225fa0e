// The WordPiece tokenizer of BERT-family models, read from a Hugging Face `tokenizer.json`: BertNormalizer (control
// characters dropped, whitespace unified, spaces around CJK ideographs, NFD accent stripping and lower-casing when
// configured), BertPreTokenizer (whitespace and punctuation splits), greedy longest-match-first WordPiece with the
// "##" continuation prefix, [UNK] for a word longer than max_input_chars_per_word or with no matching pieces, then
// truncation and [CLS] … [SEP]. It reproduces the ids of the `tokenizers` library (test/inference/transformer-compat).
// To pick the tokenizer a tokenizer.json needs, use tokenizerFromJson (./index.ts).
import { PipelineTokenizer, invalid, unsupported, type PipelineOptions, type TokenizerJson } from './tokenizer.js';

interface WordPieceModelJson {
  type: 'WordPiece';
  vocab: Record<string, number>;
  unk_token?: string;
  continuing_subword_prefix?: string;
  max_input_chars_per_word?: number;
}

export class WordPieceTokenizer extends PipelineTokenizer {
  readonly modelType = 'WordPiece';
  readonly padId: number;
  private readonly vocab: Map<string, number>;
  private readonly unk: { id: number; token: string };
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;

  constructor(json: TokenizerJson, options: PipelineOptions = {}) {
    super(json, options);
    const model = json.model as unknown as WordPieceModelJson;
    if (model.type !== 'WordPiece') throw unsupported('model', model.type);
    if (!model.vocab || typeof model.vocab !== 'object') throw invalid('WordPiece model has no vocab');
    this.vocab = new Map(Object.entries(model.vocab));
    const unkToken = model.unk_token ?? '[UNK]';
    const unkId = this.vocab.get(unkToken);
    if (unkId === undefined) throw invalid(`unk_token ${unkToken} is not in the vocabulary`);
    this.unk = { id: unkId, token: unkToken };
    this.prefix = model.continuing_subword_prefix ?? '##';
    this.maxCharsPerWord = model.max_input_chars_per_word ?? 100;
    this.padId = this.resolvePadId(['[PAD]', '<pad>']);
  }

  tokenId(token: string): number | undefined {
    return this.vocab.get(token) ?? this.json.added_tokens?.find((t) => t.content === token)?.id;
  }

  protected tokenizeWord(word: string): Array<{ id: number; token: string }> {
    const chars = Array.from(word); // code points, as Rust counts chars
    if (chars.length > this.maxCharsPerWord) return [this.unk];
    const pieces: Array<{ id: number; token: string }> = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: { id: number; token: string } | undefined;
      while (start < end) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = { id, token: piece };
          break;
        }
        end -= 1;
      }
      if (!found) return [this.unk];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}
