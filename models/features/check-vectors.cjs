// Checks the plain-JS reference (hashing.cjs) against test-vectors.json made by hashing.py.
//   node models/features/check-vectors.cjs [test-vectors.json]
// Exits 1 on any mismatch. The TypeScript runtime should carry the same check.
'use strict';
const fs = require('fs');
const path = require('path');
const { fnv1a32, normalize, tokenize, textToIds } = require('./hashing.cjs');

const file = process.argv[2] || path.join(__dirname, 'test-vectors.json');
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
let bad = 0;
for (const [s, h] of Object.entries(doc.fnv1a32)) if (fnv1a32(s) !== h) { bad++; console.log('hash mismatch', JSON.stringify(s)); }
doc.vectors.forEach((v, k) => {
  const ids = textToIds(v.text, doc.features);
  const toks = tokenize(v.text).map((t) => t[0]);
  if (normalize(v.text) !== v.normalized || JSON.stringify(toks) !== JSON.stringify(v.tokens) || JSON.stringify(ids) !== JSON.stringify(v.ids)) {
    bad++;
    console.log(`vector ${k} mismatch: ${JSON.stringify(v.text.slice(0, 60))}`);
  }
});
console.log(`${doc.vectors.length} vectors checked, ${bad} mismatches`);
process.exit(bad ? 1 : 0);
