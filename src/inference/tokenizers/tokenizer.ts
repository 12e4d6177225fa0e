// The parts of a Hugging Face `tokenizer.json` (the `tokenizers` library's format) shared by every tokenizer model:
// the JSON types, the typed error, added/special tokens matched in the raw text, the normalizers and pre-tokenizers
// we implement, truncation and the post-processor that wraps a sequence in its special tokens ([CLS] … [SEP],
// <s> … </s>). The model-specific parts (WordPiece, byte-level BPE) live beside this file.
//
// Semantics follow the Rust `tokenizers` crate (what a "fast" transformers tokenizer runs), e.g. lower-casing is
// per character (Σ → σ, never the final ς) and accents are stripped before lower-casing.

/** A tokenizer.json this code cannot run as its authors intended: refused at load time, never guessed at. */
export class TokenizerError extends Error {
  constructor(
    readonly code: 'UNSUPPORTED_TOKENIZER' | 'INVALID_TOKENIZER',
    message: string,
  ) {
    super(message);
    this.name = 'TokenizerError';
  }
}

export function unsupported(what: string, type: unknown): TokenizerError {
  return new TokenizerError('UNSUPPORTED_TOKENIZER', `unsupported tokenizer ${what} ${String(type)}`);
}

export function invalid(message: string): TokenizerError {
  return new TokenizerError('INVALID_TOKENIZER', `invalid tokenizer.json: ${message}`);
}

// ---------------------------------------------------------------------------------------------------------------
// tokenizer.json types (only the fields we read)
// ---------------------------------------------------------------------------------------------------------------
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

export interface NormalizerJson {
  type: string;
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  strip_accents?: boolean | null;
  lowercase?: boolean;
  normalizers?: NormalizerJson[];
}

export interface PreTokenizerJson {
  type: string;
  add_prefix_space?: boolean;
  trim_offsets?: boolean;
  use_regex?: boolean;
  pretokenizers?: PreTokenizerJson[];
}

type TemplatePiece =
  { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: 'A' | 'B'; type_id: number } };

export interface PostProcessorJson {
  type: string;
  single?: TemplatePiece[];
  special_tokens?: Record<string, { id: string; ids: number[]; tokens: string[] }>;
  cls?: [string, number];
  sep?: [string, number];
  processors?: PostProcessorJson[];
}

export interface TokenizerJson {
  version?: string;
  truncation?: { direction?: 'Left' | 'Right'; max_length: number; strategy?: string; stride?: number } | null;
  padding?: { pad_id?: number; pad_token?: string } | null;
  added_tokens?: AddedTokenJson[];
  normalizer?: NormalizerJson | null;
  pre_tokenizer?: PreTokenizerJson | null;
  post_processor?: PostProcessorJson | null;
  decoder?: unknown;
  model: { type?: string; vocab?: unknown; merges?: unknown; [key: string]: unknown };
}

/** The model input for one text: token ids with their segment (token type) ids, and the tokens for debugging. */
export interface Encoding {
  ids: number[];
  typeIds: number[];
  tokens: string[];
}

export interface TextTokenizer {
  /** Which tokenizer model this is ("WordPiece", "BPE"). */
  readonly modelType: string;
  /** Longest encoding produced, special tokens included. */
  readonly maxLength: number;
  /** Id used to pad a batch. */
  readonly padId: number;
  encode(text: string): Encoding;
  tokenId(token: string): number | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Unicode helpers (Rust char semantics)
// ---------------------------------------------------------------------------------------------------------------
/** Rust's char::is_whitespace: the Unicode White_Space property. */
export const isWhitespace = (c: string): boolean => /^\p{White_Space}$/u.test(c);
/** General category C* (Cc, Cf, Cs, Co, Cn), except \t \n \r which BERT treats as whitespace. */
const isControl = (c: string): boolean => c !== '\t' && c !== '\n' && c !== '\r' && /^\p{C}$/u.test(c);
/** BERT's punctuation: ASCII symbol ranges 33-47, 58-64, 91-96, 123-126, or any Unicode P* category. */
export function isBertPunctuation(c: string): boolean {
  const cp = c.codePointAt(0) as number;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return /^\p{P}$/u.test(c);
}
/** The CJK Unified Ideograph blocks BERT surrounds with spaces (not Hiragana/Katakana/Hangul). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
const lowercaseChars = (text: string): string => Array.from(text, (c) => c.toLowerCase()).join('');
const stripNonspacingMarks = (text: string): string => text.replace(/\p{Mn}/gu, '');

// ---------------------------------------------------------------------------------------------------------------
// Normalizers
// ---------------------------------------------------------------------------------------------------------------
export type Normalizer = (text: string) => string;

export function bertNormalizer(json: NormalizerJson): Normalizer {
  const cleanText = json.clean_text ?? true;
  const chinese = json.handle_chinese_chars ?? true;
  const lowercase = json.lowercase ?? true;
  const stripAccents = json.strip_accents ?? lowercase;
  return (input) => {
    let text = input;
    if (cleanText) {
      let out = '';
      for (const c of text) {
        const cp = c.codePointAt(0) as number;
        if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
        out += isWhitespace(c) ? ' ' : c;
      }
      text = out;
    }
    if (chinese) {
      let out = '';
      for (const c of text) out += isChineseChar(c.codePointAt(0) as number) ? ` ${c} ` : c;
      text = out;
    }
    if (stripAccents) text = stripNonspacingMarks(text.normalize('NFD'));
    if (lowercase) text = lowercaseChars(text);
    return text;
  };
}

export function buildNormalizer(json: NormalizerJson | null | undefined): Normalizer {
  if (!json) return (text) => text;
  switch (json.type) {
    case 'BertNormalizer':
      return bertNormalizer(json);
    case 'Lowercase':
      return lowercaseChars;
    case 'StripAccents':
      return stripNonspacingMarks;
    case 'NFD':
    case 'NFKD':
    case 'NFC':
    case 'NFKC': {
      const form = json.type;
      return (text) => text.normalize(form);
    }
    case 'Sequence': {
      const steps = (json.normalizers ?? []).map(buildNormalizer);
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    default:
      throw unsupported('normalizer', json.type);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pre-tokenizers (text → words); byte-level BPE adds its own in bpe-tokenizer.ts
// ---------------------------------------------------------------------------------------------------------------
export type PreTokenizer = (text: string) => string[];

/** BertPreTokenizer: split on whitespace (dropped) and on every punctuation character (kept as its own word). */
export function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const c of text) {
    if (isWhitespace(c)) {
      if (current) words.push(current);
      current = '';
    } else if (isBertPunctuation(c)) {
      if (current) words.push(current);
      current = '';
      words.push(c);
    } else {
      current += c;
    }
  }
  if (current) words.push(current);
  return words;
}

/** `Whitespace`: the regex \w+|[^\w\s]+ with Rust regex's Unicode \w. */
const WHITESPACE_RE =
  /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\p{White_Space}]+/gu;

export function buildPreTokenizer(
  json: PreTokenizerJson | null | undefined,
  extra: Record<string, (json: PreTokenizerJson) => PreTokenizer> = {},
): PreTokenizer {
  if (!json) return (text) => (text ? [text] : []);
  const custom = extra[json.type];
  if (custom) return custom(json);
  switch (json.type) {
    case 'BertPreTokenizer':
      return bertPreTokenize;
    case 'Whitespace':
      return (text) => text.match(WHITESPACE_RE) ?? [];
    case 'WhitespaceSplit':
      return (text) => text.split(/\p{White_Space}+/u).filter((w) => w !== '');
    case 'Sequence': {
      const steps = (json.pretokenizers ?? []).map((step) => buildPreTokenizer(step, extra));
      return (text) => steps.reduce<string[]>((words, step) => words.flatMap(step), [text]);
    }
    default:
      throw unsupported('pre_tokenizer', json.type);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Added tokens: matched in the raw text (normalized: false) or in the normalized text (normalized: true),
// leftmost-longest, before the pre-tokenizer sees it, as the tokenizers library's AddedVocabulary does.
// ---------------------------------------------------------------------------------------------------------------
export type Piece = { text: string } | { token: AddedTokenJson };

const isWordChar = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{N}_]$/u.test(c);

export function splitOnAddedTokens(
  text: string,
  tokens: readonly AddedTokenJson[],
  contentOf = (t: AddedTokenJson) => t.content,
): Piece[] {
  if (tokens.length === 0 || text === '') return text === '' ? [] : [{ text }];
  const byFirstChar = new Map<string, Array<{ token: AddedTokenJson; content: string }>>();
  for (const token of tokens) {
    const content = contentOf(token);
    if (content === '') continue;
    const first = content[0] as string;
    const list = byFirstChar.get(first) ?? [];
    list.push({ token, content });
    byFirstChar.set(first, list);
  }
  for (const list of byFirstChar.values()) list.sort((a, b) => b.content.length - a.content.length);

  const pieces: Piece[] = [];
  let buffer = '';
  let i = 0;
  while (i < text.length) {
    const candidates = byFirstChar.get(text[i] as string);
    const hit = candidates?.find(
      ({ token, content }) =>
        text.startsWith(content, i) &&
        (!token.single_word || (!isWordChar(text[i - 1]) && !isWordChar(text[i + content.length]))),
    );
    if (!hit) {
      buffer += text[i];
      i += 1;
      continue;
    }
    if (hit.token.lstrip) buffer = buffer.replace(/\p{White_Space}+$/u, '');
    if (buffer) pieces.push({ text: buffer });
    buffer = '';
    pieces.push({ token: hit.token });
    i += hit.content.length;
    if (hit.token.rstrip) while (i < text.length && isWhitespace(text[i] as string)) i += 1;
  }
  if (buffer) pieces.push({ text: buffer });
  return pieces;
}

// ---------------------------------------------------------------------------------------------------------------
// Post-processor: the special tokens around a single sequence, and how many it adds (for truncation)
// ---------------------------------------------------------------------------------------------------------------
export interface PostProcessor {
  added: number;
  apply(encoding: Encoding): Encoding;
}

interface Special {
  ids: number[];
  tokens: string[];
  typeId: number;
}

function processorFromParts(before: Special[], after: Special[], sequenceTypeId: number): PostProcessor {
  const count = (parts: Special[]) => parts.reduce((n, p) => n + p.ids.length, 0);
  return {
    added: count(before) + count(after),
    apply(encoding) {
      const ids: number[] = [];
      const typeIds: number[] = [];
      const tokens: string[] = [];
      const push = (part: Special) => {
        ids.push(...part.ids);
        tokens.push(...part.tokens);
        typeIds.push(...part.ids.map(() => part.typeId));
      };
      before.forEach(push);
      ids.push(...encoding.ids);
      tokens.push(...encoding.tokens);
      typeIds.push(...encoding.ids.map(() => sequenceTypeId));
      after.forEach(push);
      return { ids, typeIds, tokens };
    },
  };
}

export function buildPostProcessor(json: PostProcessorJson | null | undefined): PostProcessor {
  if (!json) return processorFromParts([], [], 0);
  switch (json.type) {
    case 'TemplateProcessing': {
      const before: Special[] = [];
      const after: Special[] = [];
      let sequenceTypeId: number | undefined;
      for (const piece of json.single ?? []) {
        if ('Sequence' in piece) {
          if (piece.Sequence.id !== 'A' || sequenceTypeId !== undefined)
            throw invalid('single template must hold $A once');
          sequenceTypeId = piece.Sequence.type_id;
          continue;
        }
        const special = json.special_tokens?.[piece.SpecialToken.id];
        if (!special) throw invalid(`template token ${piece.SpecialToken.id} missing from special_tokens`);
        (sequenceTypeId === undefined ? before : after).push({
          ids: special.ids,
          tokens: special.tokens,
          typeId: piece.SpecialToken.type_id,
        });
      }
      if (sequenceTypeId === undefined) throw invalid('single template has no $A');
      return processorFromParts(before, after, sequenceTypeId);
    }
    case 'BertProcessing':
    case 'RobertaProcessing': {
      if (!json.cls || !json.sep) throw invalid(`${json.type} needs cls and sep`);
      const [clsToken, clsId] = json.cls;
      const [sepToken, sepId] = json.sep;
      return processorFromParts(
        [{ ids: [clsId], tokens: [clsToken], typeId: 0 }],
        [{ ids: [sepId], tokens: [sepToken], typeId: 0 }],
        0,
      );
    }
    case 'ByteLevel': // only adjusts offsets, which we do not use
      return processorFromParts([], [], 0);
    case 'Sequence': {
      const steps = (json.processors ?? []).map(buildPostProcessor);
      return {
        added: steps.reduce((n, s) => n + s.added, 0),
        apply: (encoding) => steps.reduce((e, s) => s.apply(e), encoding),
      };
    }
    default:
      throw unsupported('post_processor', json.type);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The pipeline shared by the models: added tokens → normalizer → pre-tokenizer → model → truncation → specials
// ---------------------------------------------------------------------------------------------------------------
export interface PipelineOptions {
  /** Used when tokenizer.json has no truncation (e.g. the model's max_position_embeddings); default 512. */
  maxLength?: number;
}

export abstract class PipelineTokenizer implements TextTokenizer {
  abstract readonly modelType: string;
  abstract readonly padId: number;
  readonly maxLength: number;
  private readonly normalize: Normalizer;
  private readonly preTokenize: PreTokenizer;
  private readonly postProcessor: PostProcessor;
  private readonly rawAdded: AddedTokenJson[];
  private readonly normalizedAdded: AddedTokenJson[];
  private readonly normalizedContent = new Map<AddedTokenJson, string>();
  private readonly truncateLeft: boolean;

  protected constructor(
    protected readonly json: TokenizerJson,
    options: PipelineOptions,
    preTokenizers: Record<string, (json: PreTokenizerJson) => PreTokenizer> = {},
  ) {
    this.normalize = buildNormalizer(json.normalizer);
    this.preTokenize = buildPreTokenizer(json.pre_tokenizer, preTokenizers);
    this.postProcessor = buildPostProcessor(json.post_processor);
    const added = json.added_tokens ?? [];
    this.rawAdded = added.filter((t) => !t.normalized);
    this.normalizedAdded = added.filter((t) => t.normalized);
    for (const token of this.normalizedAdded) this.normalizedContent.set(token, this.normalize(token.content));
    const limit = json.truncation?.max_length ?? options.maxLength ?? 512;
    if (!Number.isInteger(limit) || limit <= this.postProcessor.added) {
      throw invalid(`max length ${limit} leaves no room for the text`);
    }
    this.maxLength = limit;
    this.truncateLeft = json.truncation?.direction === 'Left';
  }

  /** Splits one pre-tokenized word into model tokens. */
  protected abstract tokenizeWord(word: string): Array<{ id: number; token: string }>;
  abstract tokenId(token: string): number | undefined;

  encode(text: string): Encoding {
    const budget = this.maxLength - this.postProcessor.added;
    const ids: number[] = [];
    const tokens: string[] = [];
    // With right truncation nothing past the budget can matter, so stop early (a 1 MB message costs no more
    // than its first few hundred words); left truncation needs everything.
    const full = () => !this.truncateLeft && ids.length >= budget;
    const pushToken = (token: AddedTokenJson) => {
      ids.push(token.id);
      tokens.push(token.content);
    };
    for (const piece of splitOnAddedTokens(text, this.rawAdded)) {
      if (full()) break;
      if ('token' in piece) {
        pushToken(piece.token);
        continue;
      }
      const normalized = this.normalize(piece.text);
      for (const part of splitOnAddedTokens(
        normalized,
        this.normalizedAdded,
        (t) => this.normalizedContent.get(t) ?? t.content,
      )) {
        if (full()) break;
        if ('token' in part) {
          pushToken(part.token);
          continue;
        }
        for (const word of this.preTokenize(part.text)) {
          if (full()) break;
          for (const t of this.tokenizeWord(word)) {
            ids.push(t.id);
            tokens.push(t.token);
          }
        }
      }
    }
    const keep = (list: number[] | string[]) =>
      list.length <= budget ? list : this.truncateLeft ? list.slice(list.length - budget) : list.slice(0, budget);
    const kept = keep(ids) as number[];
    return this.postProcessor.apply({ ids: kept, typeIds: kept.map(() => 0), tokens: keep(tokens) as string[] });
  }

  /** The pad id: tokenizer.json's padding, else the first of the usual pad tokens that exists, else 0. */
  protected resolvePadId(candidates: string[]): number {
    const fromJson = this.json.padding?.pad_id;
    if (typeof fromJson === 'number') return fromJson;
    for (const token of [this.json.padding?.pad_token, ...candidates]) {
      const id = token === undefined ? undefined : this.tokenId(token);
      if (id !== undefined) return id;
    }
    return 0;
  }
}
