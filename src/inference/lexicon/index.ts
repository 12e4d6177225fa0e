// Lexicon-based text features: VADER's polarity scores (fast, identical to the vader-sentiment package) and the dense
// lexicon input a hashed-feature model may declare.
export { vaderScores, vaderScoresReference, vaderWords, type VaderScores } from './vader-scores.js';
export {
  lexiconFeatures,
  parseLexiconSpec,
  LEXICON_COLUMNS,
  LEXICON_INPUT,
  type LexiconSpec,
} from './lexicon-features.js';
