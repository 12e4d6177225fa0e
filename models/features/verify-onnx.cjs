// Checks an exported model against the torch outputs dumped by bagmodel.write_check, one message at a
// time and as one padded batch, and measures CPU time per message (batch 1, 1 intra-op thread).
//   NODE_PATH=<dir with onnxruntime-node> node models/features/verify-onnx.cjs model.onnx check.json [manifest.json]
// With a manifest path, the result is stored in it as "onnxCheck" (only when ok).
'use strict';
const ort = require('onnxruntime-node');
const fs = require('fs');

async function main() {
  const [modelPath, checkPath] = process.argv.slice(2);
  const check = JSON.parse(fs.readFileSync(checkPath, 'utf8'));
  const sess = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = (rows) => {
    const T = Math.max(1, ...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * T);
    const mask = new Float32Array(rows.length * T);
    rows.forEach((r, k) => r.forEach((v, j) => { ids[k * T + j] = BigInt(v); mask[k * T + j] = 1; }));
    return { ids: new ort.Tensor('int64', ids, [rows.length, T]), mask: new ort.Tensor('float32', mask, [rows.length, T]) };
  };
  let maxDiff = 0, maxDiffProb = 0, argmaxMismatch = 0;
  const C = check.logits[0].length;
  const t0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let k = 0; k < check.ids.length; k++) {
    const out = await sess.run(feeds([check.ids[k]]));
    const lo = out.logits.data, pr = out.probs.data;
    let am = 0, amRef = 0;
    for (let c = 0; c < C; c++) {
      maxDiff = Math.max(maxDiff, Math.abs(lo[c] - check.logits[k][c]));
      maxDiffProb = Math.max(maxDiffProb, Math.abs(pr[c] - check.probs[k][c]));
      if (lo[c] > lo[am]) am = c;
      if (check.logits[k][c] > check.logits[k][amRef]) amRef = c;
    }
    if (am !== amRef) argmaxMismatch++;
  }
  const cpu = process.cpuUsage(t0);
  const wall = Number(process.hrtime.bigint() - w0) / 1e6;
  const n = check.ids.length;
  // batched (padding must not change results)
  const out = await sess.run(feeds(check.ids));
  let maxDiffBatch = 0;
  for (let k = 0; k < n; k++) for (let c = 0; c < C; c++) maxDiffBatch = Math.max(maxDiffBatch, Math.abs(out.logits.data[k * C + c] - check.logits[k][c]));
  const res = {
    model: modelPath, n, labels: C, maxAbsDiffLogits: maxDiff, maxAbsDiffProbs: maxDiffProb, maxAbsDiffLogitsBatched: maxDiffBatch,
    argmaxMismatch, cpuMsPerMessageBatch1: (cpu.user + cpu.system) / 1000 / n, wallMsPerMessageBatch1: wall / n,
    ok: maxDiff < 1e-4 && maxDiffBatch < 1e-4 && maxDiffProb < 1e-4,
  };
  console.log(JSON.stringify(res));
  if (!res.ok) process.exit(1);
  const manifestPath = process.argv[4];
  if (manifestPath) {
    const man = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    const path = require('path');
    man.onnxCheck = {
      runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version}, node ${process.version}`,
      command: `node models/features/verify-onnx.cjs models/${path.basename(path.dirname(path.resolve(modelPath)))}/model.onnx <check.json written by train.py> (${n} held-out messages)`,
      n, maxAbsDiffLogits: maxDiff, maxAbsDiffProbs: maxDiffProb, maxAbsDiffLogitsBatched: maxDiffBatch, argmaxMismatch,
      cpuMsPerMessageBatch1: Number(res.cpuMsPerMessageBatch1.toFixed(4)),
      note: 'CPU time of session.run + tensor creation, batch 1, intraOpNumThreads 1, on the 2-core training machine',
      date: new Date().toISOString().slice(0, 10),
    };
    fs.writeFileSync(manifestPath, JSON.stringify(man, null, 1) + '\n');
  }
}
main().catch((e) => { console.error(e); process.exit(2); });
