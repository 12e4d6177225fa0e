// VADER's polarity scores (Hutto & Gilbert 2014) as the `vader-sentiment` package (1.1.3, Apache-2.0, Comcast's
// JavaScript port) computes them, about 10× faster. The package spends ≈ 85 % of its 80-200 µs per message in one
// step: to strip punctuation from each token it builds a dictionary of every (punctuation mark, word) pair of the
// text, 34 strings per word, on every call. Here that step is a direct test per token (its leading or trailing
// punctuation is one of VADER's marks and the rest is a word of the text); everything after it (lexicon, boosters,
// negation, "but", idioms, caps and punctuation emphasis, normalisation) is the package's own code, called as is.
// test/inference/vader-scores.test.ts checks the scores equal the package's on thousands of real texts.
import { createRequire } from 'node:module';

export interface VaderScores {
  /** Normalised sum of valences, in [-1, 1] (rounded to 4 decimals, as VADER does). */
  compound: number;
  /** Shares of negative, neutral and positive weight, each in [0, 1] (3 decimals). */
  neg: number;
  neu: number;
  pos: number;
}

/** The package's static methods this module calls (it ships no type declarations). */
interface VaderAnalyzer {
  sentiment_valence(
    valence: number,
    sentiText: { is_cap_diff: boolean; words_and_emoticons: string[] },
    item: string,
    index: number,
    sentiments: number[],
  ): number[];
  but_check(words: string[], sentiments: number[]): number[];
  score_valence(sentiments: number[], text: string): VaderScores;
  polarity_scores(text: string): VaderScores;
}

const analyzer = (createRequire(__filename)('vader-sentiment') as { SentimentIntensityAnalyzer: VaderAnalyzer })
  .SentimentIntensityAnalyzer;

/** The package's REGEX_REMOVE_PUNCTUATION: the ASCII punctuation it deletes to find a text's bare words. */
const PUNCTUATION = /[!"#$%&'()*+,-./:;<=>?@[\\\]^_`{|}~]/g;
const PUNCTUATION_CHARS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
/** The package's PUNC_LIST: the marks it strips from the start or the end of a token. */
const PUNC_LIST = new Set([
  '.',
  '!',
  '?',
  ',',
  ';',
  ':',
  '-',
  "'",
  '"',
  '!!',
  '!!!',
  '??',
  '???',
  '?!?',
  '!?!',
  '?!?!',
  '!?!?',
]);
/** The package's BOOSTER_DICT keys (degree adverbs), which score 0 themselves and only scale the next word. */
const BOOSTERS = new Set([
  'absolutely', 'amazingly', 'awfully', 'completely', 'considerably', 'decidedly', 'deeply', 'effing', 'enormously',
  'entirely', 'especially', 'exceptionally', 'extremely', 'fabulously', 'flipping', 'flippin', 'fricking', 'frickin',
  'frigging', 'friggin', 'fully', 'fucking', 'greatly', 'hella', 'highly', 'hugely', 'incredibly', 'intensely',
  'majorly', 'more', 'most', 'particularly', 'purely', 'quite', 'really', 'remarkably', 'so', 'substantially',
  'thoroughly', 'totally', 'tremendously', 'uber', 'unbelievably', 'unusually', 'utterly', 'very', 'almost', 'barely',
  'hardly', 'just enough', 'kind of', 'kinda', 'kindof', 'kind-of', 'less', 'little', 'marginally', 'occasionally',
  'partly', 'scarcely', 'slightly', 'somewhat', 'sort of', 'sorta', 'sortof', 'sort-of',
]); // prettier-ignore
/** The package's is_upper_python: some upper-case letter and no lower-case one. */
const ALL_CAPS = /^[^a-z]*[A-Z]+[^a-z]*$/;

/**
 * The package's SentiText.get_words_and_emoticons: whitespace tokens longer than one character, each stripped of a
 * leading or trailing VADER mark when what remains is a word of the text (so "good!" → "good", but ":)" stays).
 *
 * Why this equals the package's dictionary lookup: its keys are mark + word and word + mark, where a word has no
 * ASCII punctuation (it comes from the text with all of it deleted) and a mark is nothing but punctuation. So a token
 * can only match as (its whole leading punctuation run) + (the rest), or (the rest) + (its whole trailing run), never
 * both (the first ends in a word character, the second in a mark), and no two keys collide.
 */
export function vaderWords(text: string): string[] {
  const words = new Set(
    text
      .replace(PUNCTUATION, '')
      .split(/\s/)
      .filter((w) => w.length > 1),
  );
  const out: string[] = [];
  for (const token of text.split(/\s/)) {
    if (token.length <= 1) continue;
    let lead = 0;
    while (lead < token.length && PUNCTUATION_CHARS.has(token[lead] as string)) lead++;
    let trail = 0;
    while (trail < token.length && PUNCTUATION_CHARS.has(token[token.length - 1 - trail] as string)) trail++;
    let word = token;
    if (lead > 0 && lead < token.length) {
      const rest = token.slice(lead);
      if (PUNC_LIST.has(token.slice(0, lead)) && words.has(rest)) word = rest;
    }
    if (word === token && trail > 0 && trail < token.length) {
      const rest = token.slice(0, token.length - trail);
      if (PUNC_LIST.has(token.slice(token.length - trail)) && words.has(rest)) word = rest;
    }
    out.push(word);
  }
  return out;
}

/** VADER's scores of `text`: the same numbers as vader-sentiment's `polarity_scores`. */
export function vaderScores(text: string): VaderScores {
  const words = vaderWords(text);
  let caps = 0;
  for (const w of words) if (ALL_CAPS.test(w)) caps++;
  // The package's allcap_differential: some but not all words in capitals.
  const sentiText = { words_and_emoticons: words, is_cap_diff: caps > 0 && caps < words.length };
  let sentiments: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const item = words[i] as string;
    const lower = item.toLowerCase();
    if (
      (i < words.length - 1 && lower === 'kind' && (words[i + 1] as string).toLowerCase() === 'of') ||
      BOOSTERS.has(lower)
    ) {
      sentiments.push(0);
      continue;
    }
    sentiments = analyzer.sentiment_valence(0, sentiText, item, i, sentiments);
  }
  sentiments = analyzer.but_check(words, sentiments);
  return analyzer.score_valence(sentiments, text);
}

/** The package's own implementation (for comparison in tests and benchmarks). */
export function vaderScoresReference(text: string): VaderScores {
  return analyzer.polarity_scores(text);
}
