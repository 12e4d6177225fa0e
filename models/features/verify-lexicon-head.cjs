// Checks a model with the lexicon head (add_lexicon_head.py) against the outputs train.py computed for it: every
// check message's ids (with its negation ids), VADER scores and expected probabilities, one at a time and as one
// batch, in onnxruntime-node with packed inputs.
//   NODE_PATH=node_modules node models/features/verify-lexicon-head.cjs model.onnx check.json [manifest.json]
// check.json: {texts, ids, lexicon: [[compound, neg, neu, pos]...], probs}. Exit code 1 when a probability moves by
// more than 1e-4. With a manifest path, the result is stored in it as "lexiconHeadCheck" (only when ok).
'use strict';
const ort = require('onnxruntime-node');
const fs = require('fs');

function feeds(rows, lexicon) {
  const total = rows.reduce((s, r) => s + r.length, 0);
  const ids = new Int32Array(total);
  const offsets = new Int32Array(rows.length);
  let at = 0;
  rows.forEach((r, k) => {
    offsets[k] = at;
    for (const v of r) ids[at++] = v;
  });
  return {
    ids: new ort.Tensor('int32', ids, [total]),
    offsets: new ort.Tensor('int32', offsets, [rows.length]),
    lexicon: new ort.Tensor('float32', Float32Array.from(lexicon.flat()), [rows.length, 4]),
  };
}

async function main() {
  const [modelPath, checkPath, manifestPath] = process.argv.slice(2);
  if (!modelPath || !checkPath) {
    console.error('usage: node models/features/verify-lexicon-head.cjs model.onnx check.json [manifest.json]');
    process.exit(2);
  }
  const check = JSON.parse(fs.readFileSync(checkPath, 'utf8'));
  const sess = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const n = check.ids.length;
  const C = check.probs[0].length;
  let maxDiff = 0;
  for (let k = 0; k < n; k++) {
    const out = await sess.run(feeds([check.ids[k]], [check.lexicon[k]]));
    for (let c = 0; c < C; c++) maxDiff = Math.max(maxDiff, Math.abs(out.probs.data[c] - check.probs[k][c]));
  }
  const all = await sess.run(feeds(check.ids, check.lexicon));
  let maxDiffBatch = 0;
  for (let k = 0; k < n; k++)
    for (let c = 0; c < C; c++) maxDiffBatch = Math.max(maxDiffBatch, Math.abs(all.probs.data[k * C + c] - check.probs[k][c]));
  const res = { model: modelPath, n, maxAbsDiffProbs: maxDiff, maxAbsDiffProbsBatched: maxDiffBatch, ok: maxDiff < 1e-4 && maxDiffBatch < 1e-4 };
  console.log(JSON.stringify(res));
  if (!res.ok) process.exit(1);
  if (manifestPath) {
    const man = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    man.lexiconHeadCheck = {
      runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version}, node ${process.version}`,
      command: 'node models/features/verify-lexicon-head.cjs models/sentiment/model.onnx <check written by train.py>',
      n, maxAbsDiffProbs: maxDiff, maxAbsDiffProbsBatched: maxDiffBatch,
      date: new Date().toISOString().slice(0, 10),
    };
    fs.writeFileSync(manifestPath, JSON.stringify(man, null, 1) + '\n');
  }
}
main().catch((e) => { console.error(e); process.exit(2); });
