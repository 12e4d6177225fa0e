// Hugging Face tokenizer.json support: pick the tokenizer for the file's model type. WordPiece (BERT family) and
// byte-level BPE (RoBERTa/GPT-2 family) are implemented; anything else is refused with a TokenizerError.
import { BpeTokenizer } from './bpe-tokenizer.js';
import { unsupported, type PipelineOptions, type TextTokenizer, type TokenizerJson } from './tokenizer.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

export { BpeTokenizer } from './bpe-tokenizer.js';
export { TokenizerError, type Encoding, type TextTokenizer, type TokenizerJson } from './tokenizer.js';
export { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/** A tokenizer for a parsed tokenizer.json; throws TokenizerError (UNSUPPORTED_TOKENIZER) for models we lack. */
export function tokenizerFromJson(json: TokenizerJson, options: PipelineOptions = {}): TextTokenizer {
  const type = json?.model?.type;
  switch (type) {
    case 'WordPiece':
      return new WordPieceTokenizer(json, options);
    case 'BPE':
      return new BpeTokenizer(json, options);
    default:
      throw unsupported('model', type);
  }
}
