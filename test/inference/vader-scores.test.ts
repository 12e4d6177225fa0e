// The fast VADER scorer must give exactly the vader-sentiment package's numbers: on every text we have (our sentiment
// sets, the language sample, and the shared data sets when present) and on generated texts made of what VADER's
// rules react to (lexicon words, boosters, negators, "but", "kind of", idioms, capitals, marks, emoticons).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { vaderScores, vaderScoresReference, vaderWords } from '../../src/inference/lexicon/index.js';

const ROOT = path.join(__dirname, '..', '..');
const DATASETS = path.join(ROOT, '..', 'shared', 'datasets');

function lines(file: string, limit = Infinity): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split(/\r?\n/).slice(0, limit) : [];
}

test('the same scores as vader-sentiment on real texts', () => {
  const texts = [
    ...lines(path.join(ROOT, 'models', 'sentiment', 'own-examples.csv')),
    ...lines(path.join(ROOT, 'bench', 'data', 'sentiment-holdout.tsv')),
    ...lines(path.join(ROOT, 'bench', 'data', 'sentiment-negation.tsv')),
    ...lines(path.join(ROOT, 'bench', 'data', 'sentiment-emotions.tsv')),
    ...lines(path.join(ROOT, 'bench', 'data', 'language-sample.csv')),
    ...lines(path.join(DATASETS, 'tweeteval-sentiment', 'val_text.txt')),
    ...lines(path.join(DATASETS, 'sst2', 'dev.tsv')).map((l) => l.split('\t')[0] ?? ''),
    ...lines(path.join(DATASETS, 'banking77', 'train.csv'), 3000),
  ];
  expect(texts.length).toBeGreaterThan(1000);
  for (const text of texts) expect([text, vaderScores(text)]).toEqual([text, vaderScoresReference(text)]);
});

test.each([
  ['The food was GREAT!!! but the service was bad :(', 'but, capitals, marks, emoticon'],
  ["I don't like it at all", 'negation'],
  ['kind of ok', '"kind of" dampener'],
  ['never so good', 'never so'],
  ['that movie was the shit', 'idiom'],
  ['least happy, at least happy', '"least"'],
  ["'great' 'cat!' !!nice!! ?!?wow", 'marks around words'],
  ['__proto__ constructor hasOwnProperty toString', 'object property names'],
  ['', 'empty'],
])('%s (%s)', (text) => {
  expect(vaderScores(text)).toEqual(vaderScoresReference(text));
});

test('tokens lose a VADER mark only when a word of the text remains', () => {
  expect(vaderWords('good! (fine) :) "ok" x')).toEqual(['good', '(fine)', ':)', '"ok"']);
});

test('generated texts: identical to vader-sentiment', () => {
  const vocabulary = [
    'good', 'GOOD', 'bad', 'BAD', 'happy', 'love', 'hate', 'terrible', 'great', 'ok', 'not', "don't", "isn't", 'never',
    'no', 'nothing', 'without', 'very', 'VERY', 'really', 'extremely', 'slightly', 'kind', 'of', 'sort', 'but', 'BUT',
    'least', 'at', 'so', 'this', 'the', 'shit', 'bomb', 'yeah', 'right', 'cut', 'mustard', 'refund', 'order', ':)',
    ':(', ':D', '<3', '😀', '😡', 'lol', 'wtf', 'uh-uh', 'kinda', 'sorta',
  ]; // prettier-ignore
  const marks = [
    '',
    '',
    '',
    '!',
    '!!',
    '!!!',
    '?',
    '??',
    '?!?',
    '.',
    ',',
    "'",
    '"',
    '-',
    ':',
    ';',
    '(',
    ')',
    '...',
    '*',
  ];
  const token = fc
    .tuple(
      fc.constantFrom(...marks),
      fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 6 })),
      fc.constantFrom(...marks),
    )
    .map(([a, w, b]) => a + w + b);
  const text = fc
    .tuple(fc.array(token, { maxLength: 14 }), fc.array(fc.constantFrom(' ', ' ', '  ', '\t', '\n')))
    .map(([tokens, gaps]) => tokens.map((t, i) => t + (gaps[i % Math.max(1, gaps.length)] ?? ' ')).join(''));
  fc.assert(
    fc.property(text, (t) => {
      expect(vaderScores(t)).toEqual(vaderScoresReference(t));
    }),
    { numRuns: 2000 },
  );
});
