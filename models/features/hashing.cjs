// Plain-JS reference of omnicx-hash-v1 (spec.md); the TypeScript runtime should port exactly this.
// textToIds(text, f) with f = {wordBuckets, charBuckets, maxLen, charNgrams} (see manifest.features).
'use strict';

function fnv1a32(str) {
  const bytes = Buffer.from(str, 'utf8');
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function normalize(text) {
  let s = text.toWellFormed ? text.toWellFormed() : text.replace(/[\ud800-\udfff]/gu, '\ufffd');
  s = s.normalize('NFKC').toLowerCase();
  s = s.replace(/['\u2019]/g, '');
  return s.replace(/[1-9]/g, '0');
}

function charClass(cp) {
  if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) return 'W';
  if (cp >= 0xc0 && cp <= 0x1fff && cp !== 0xd7 && cp !== 0xf7) return 'W';
  if ((cp >= 0x3040 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af)) return 'W';
  if (cp === 0x21 || cp === 0x3f) return 'S';
  if ((cp >= 0x2190 && cp <= 0x2bff) || (cp >= 0x1f000 && cp <= 0x1faff)) return 'S';
  return '';
}

function tokenize(text) {
  const out = [];
  let cur = '';
  for (const ch of normalize(text)) { // iterates code points
    const k = charClass(ch.codePointAt(0));
    if (k === 'W') { cur += ch; continue; }
    if (cur) { out.push([cur, true]); cur = ''; }
    if (k === 'S') out.push([ch, false]);
  }
  if (cur) out.push([cur, true]);
  return out;
}

function textToIds(text, f) {
  const seen = new Set();
  const ids = [];
  const push = (kind, feat) => {
    const h = fnv1a32(feat);
    const id = kind === 'w' ? 1 + (h % f.wordBuckets) : 1 + f.wordBuckets + (h % f.charBuckets);
    if (seen.has(id)) return false;
    seen.add(id);
    ids.push(id);
    return ids.length >= f.maxLen;
  };
  let prev = null;
  for (const [tok, isWord] of tokenize(text)) {
    if (push('w', tok)) return ids;
    if (prev !== null && push('w', prev + ' ' + tok)) return ids;
    if (isWord) {
      const cps = Array.from('<' + tok + '>');
      for (const n of f.charNgrams) {
        for (let i = 0; i + n <= cps.length; i++) if (push('c', cps.slice(i, i + n).join(''))) return ids;
      }
    }
    prev = tok;
  }
  return ids;
}

/** omnicx-neg-v1 (spec.md section 6): the ids of "NOT_" + each word a negator governs; `f` the model's features. */
function negationIds(text, f) {
  const n = f.negation;
  if (!n) return [];
  const negators = new Set(n.negators);
  const stops = new Set(n.stops);
  const unmarked = new Set(n.unmarked);
  const words = [];
  let scope = 0;
  let cur = '';
  const word = (w) => {
    if (negators.has(w)) scope = n.window;
    else if (stops.has(w)) scope = 0;
    else if (scope > 0) {
      if (!unmarked.has(w)) words.push(w);
      scope--;
    }
  };
  for (const ch of normalize(text)) {
    const k = charClass(ch.codePointAt(0));
    if (k === 'W') {
      cur += ch;
      continue;
    }
    if (cur) word(cur);
    cur = '';
    if (k === 'S' || n.breaks.includes(ch)) scope = 0;
  }
  if (cur) word(cur);
  const first = 1 + f.wordBuckets + f.charBuckets;
  const ids = [];
  for (const w of words) {
    const id = first + (fnv1a32('NOT_' + w) % n.buckets);
    if (!ids.includes(id)) ids.push(id);
    if (ids.length >= n.maxIds) break;
  }
  return ids;
}

module.exports = { fnv1a32, normalize, charClass, tokenize, textToIds, negationIds };
