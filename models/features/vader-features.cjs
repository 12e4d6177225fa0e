// VADER scores for the training scripts, from the vader-sentiment package itself (the reference the runtime's fast
// scorer, src/inference/lexicon/vader-scores.ts, is tested equal to):
//   node models/features/vader-features.cjs TEXTS.json OUT.json
// TEXTS.json: a JSON array of strings; OUT.json: one [compound, neg, neu, pos] per text, in order.
'use strict';
const fs = require('fs');

if (process.argv.length !== 4 || process.argv.includes('--help')) {
  console.error('usage: node models/features/vader-features.cjs TEXTS.json OUT.json');
  process.exit(process.argv.includes('--help') ? 0 : 2);
}
const { SentimentIntensityAnalyzer } = require('vader-sentiment');
const texts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = texts.map((t) => {
  const s = SentimentIntensityAnalyzer.polarity_scores(t);
  return [s.compound, s.neg, s.neu, s.pos];
});
fs.writeFileSync(process.argv[3], JSON.stringify(out));
