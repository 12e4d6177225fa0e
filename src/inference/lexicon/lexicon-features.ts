// The dense lexicon input of a hashed-feature model (its manifest's `features.lexicon`): per text, VADER's compound,
// negative, neutral and positive scores, as a float32 [texts, 4] tensor's data. The training script computes the same
// numbers with the vader-sentiment package itself (models/features/vader-features.cjs); vaderScores is proven equal
// to it (test/inference/vader-scores.test.ts), so the model sees at run time exactly what it was trained on.
import { vaderScores } from './vader-scores.js';

/** The graph input's name: fixed, so that every model and the bundle (one input shared by its parts) agree. */
export const LEXICON_INPUT = 'lexicon';

/** The input's columns, in order (each text's row of the float32 [texts, columns] tensor). */
export const LEXICON_COLUMNS = ['compound', 'neg', 'neu', 'pos'] as const;

/** A model's lexicon input: its graph input name and the columns, in order. */
export interface LexiconSpec {
  name: 'vader-sentiment-1.1.3';
  input: typeof LEXICON_INPUT;
  columns: typeof LEXICON_COLUMNS;
}

/** Checks a manifest's `features.lexicon`, so that a model asking for another lexicon fails at load, not silently. */
export function parseLexiconSpec(value: unknown, model: string): LexiconSpec | undefined {
  if (value === undefined) return undefined;
  const spec = value as Partial<LexiconSpec>;
  const columns = Array.isArray(spec.columns) ? spec.columns.join(',') : '';
  if (spec.name !== 'vader-sentiment-1.1.3' || spec.input !== LEXICON_INPUT || columns !== LEXICON_COLUMNS.join(',')) {
    throw new Error(
      `${model}: unsupported features.lexicon ${JSON.stringify(value)} (supported: name "vader-sentiment-1.1.3", ` +
        `input "${LEXICON_INPUT}", columns ${LEXICON_COLUMNS.join(', ')})`,
    );
  }
  return spec as LexiconSpec;
}

/** The [texts.length, 4] row-major values of the lexicon input. */
export function lexiconFeatures(texts: readonly string[]): Float32Array {
  const width = LEXICON_COLUMNS.length;
  const out = new Float32Array(texts.length * width);
  texts.forEach((text, i) => {
    const s = vaderScores(text);
    LEXICON_COLUMNS.forEach((column, c) => (out[i * width + c] = s[column]));
  });
  return out;
}
