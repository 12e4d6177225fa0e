// Compares two hashbag ONNX models with the same inputs (e.g. one and its optimize_bag.py rewrite) in onnxruntime-node
// on real messages, and times both (batches of 32 or --batch N, 1 intra-op thread, CPU time of session.run + tensors).
//   NODE_PATH=node_modules node models/features/compare-onnx.cjs A.onnx B.onnx [--data ../shared/datasets] [--n 900] [--batch 32]
// Exit code 1 when an argmax differs on more than 0.2 % of the messages or an output moves by more than 0.05.
'use strict';
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');
const { textToIds, negationIds } = require('./hashing.cjs');

const BATCH = Number(process.argv.includes('--batch') ? process.argv[process.argv.indexOf('--batch') + 1] : 32);

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function texts(data, n) {
  const out = [];
  const b77 = path.join(data, 'banking77', 'train.csv');
  if (fs.existsSync(b77)) out.push(...fs.readFileSync(b77, 'utf8').split('\n').slice(1, n / 3 + 1).map((l) => l.replace(/,[a-z_]+$/, '').replace(/^"|"$/g, '')));
  const sst = path.join(data, 'sst2', 'dev.tsv');
  if (fs.existsSync(sst)) out.push(...fs.readFileSync(sst, 'utf8').split('\n').slice(1, n / 3 + 1).map((l) => l.split('\t')[1] ?? ''));
  const clinc = path.join(data, 'clinc150', 'train_val.json');
  if (fs.existsSync(clinc)) out.push(...JSON.parse(fs.readFileSync(clinc, 'utf8')).val.slice(0, n / 3).map(([t]) => t));
  return out.filter((t) => t.trim() !== '');
}

/** Padded [batch, len] ids + mask, or packed ids + offsets (pack_bag.py graphs), as the session declares. */
function feeds(sess, rows) {
  if (sess.inputNames.includes('offsets')) {
    const total = rows.reduce((n, r) => n + r.length, 0);
    const ids = new Int32Array(total);
    const offsets = new Int32Array(rows.length);
    let at = 0;
    rows.forEach((r, k) => { offsets[k] = at; ids.set(r, at); at += r.length; });
    return { ids: new ort.Tensor('int32', ids, [total]), offsets: new ort.Tensor('int32', offsets, [rows.length]) };
  }
  const T = Math.max(1, ...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * T);
  const mask = new Float32Array(rows.length * T);
  rows.forEach((r, k) => r.forEach((v, j) => { ids[k * T + j] = BigInt(v); mask[k * T + j] = 1; }));
  return { ids: new ort.Tensor('int64', ids, [rows.length, T]), mask: new ort.Tensor('float32', mask, [rows.length, T]) };
}

async function outputs(modelPath, rows) {
  const sess = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const name = sess.outputNames[0];
  for (let i = 0; i < Math.min(rows.length, 256); i += BATCH) await sess.run(feeds(sess, rows.slice(i, i + BATCH))); // warm up
  const all = [];
  let width = 0;
  const t0 = process.cpuUsage();
  for (let i = 0; i < rows.length; i += BATCH) {
    const out = (await sess.run(feeds(sess, rows.slice(i, i + BATCH))))[name];
    width = out.dims[1];
    all.push(...out.data);
  }
  const cpu = process.cpuUsage(t0);
  return { data: all, width, cpuUsPerMessage: (cpu.user + cpu.system) / rows.length };
}

async function main() {
  const [a, b] = process.argv.slice(2);
  if (a === undefined || b === undefined || a === '--help') {
    console.log('usage: node models/features/compare-onnx.cjs A.onnx B.onnx [--data DIR] [--n N] [--batch N]');
    process.exit(a === '--help' ? 0 : 2);
  }
  const data = option('data', path.join(__dirname, '..', '..', '..', 'shared', 'datasets'));
  const spec = JSON.parse(fs.readFileSync(path.join(path.dirname(a), 'manifest.json'), 'utf8')).features;
  // A model with negation-scope ids (spec.negation: the sentiment model) gets them appended, as at run time.
  const rows = texts(data, Number(option('n', '900'))).map((t) => [...textToIds(t, spec), ...negationIds(t, spec)]);
  const A = await outputs(a, rows);
  const B = await outputs(b, rows);
  let maxDiff = 0;
  let agree = 0;
  for (let k = 0; k < rows.length; k++) {
    let am = 0, bm = 0;
    for (let c = 0; c < A.width; c++) {
      const i = k * A.width + c;
      maxDiff = Math.max(maxDiff, Math.abs(A.data[i] - B.data[i]));
      if (A.data[i] > A.data[k * A.width + am]) am = c;
      if (B.data[i] > B.data[k * A.width + bm]) bm = c;
    }
    if (am === bm) agree++;
  }
  const result = {
    messages: rows.length, maxAbsDiff: Number(maxDiff.toFixed(5)), argmaxAgreement: agree / rows.length,
    cpuUsPerMessage: { [a]: Number(A.cpuUsPerMessage.toFixed(1)), [b]: Number(B.cpuUsPerMessage.toFixed(1)) },
  };
  console.log(JSON.stringify(result, null, 1));
  const exact = A.width === 1 || A.width > 64; // embeddings: compare values only
  if (maxDiff > 0.05 || (!exact && agree / rows.length < 0.998)) process.exit(1);
}
main().catch((e) => { console.error(e); process.exit(1); });
