// Export of a trained IntentClassifier to the ONNX format the runtime loads (OnnxTextClassifier: model.onnx +
// manifest.json, inputs ids int64 / mask float32 [batch, len], outputs logits / probs [batch, labels]), with the same
// graph as models/features/bagmodel.py's QuantBagClassifier: rowmap → int8 row × per-row scale → masked sum /
// sqrt(count) + c → Gemm → Softmax. Opset 14. The int8 table makes the ONNX outputs differ slightly from the float
// model that trained (the benchmark figures are measured with the float model).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { IntentClassifier } from './intent-classifier.js';
import { ProtoWriter } from './protobuf-writer.js';

const FLOAT = 1;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
const ATTR_INT = 2;

interface Tensor {
  name: string;
  dataType: number;
  dims: number[];
  raw: Uint8Array;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function tensorProto(t: Tensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.varint(1, d);
  return w.varint(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function node(op: string, inputs: string[], outputs: string[], ints: Record<string, number> = {}): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, `${op}_${outputs[0]}`).string(4, op);
  for (const [name, value] of Object.entries(ints)) {
    w.message(5, new ProtoWriter().string(1, name).varint(3, value).varint(20, ATTR_INT));
  }
  return w;
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims)
    shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Per-row int8 quantisation (scale = max|row| / 127), as bagmodel.py `quantize`. */
export function quantizeRows(E: Float32Array, rows: number, dim: number): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(rows * dim);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let amax = 0;
    for (let d = 0; d < dim; d++) amax = Math.max(amax, Math.abs(E[r * dim + d] as number));
    const s = Math.fround(amax / 127);
    scale[r] = s;
    if (s === 0) continue;
    for (let d = 0; d < dim; d++)
      q[r * dim + d] = Math.max(-127, Math.min(127, Math.round((E[r * dim + d] as number) / s)));
  }
  return { q, scale };
}

/** The ONNX model bytes of a classifier. */
export function classifierToOnnx(classifier: IntentClassifier): Uint8Array {
  const { model, vocabulary } = classifier;
  const { dim, numClasses, numRows } = model;
  const { q, scale } = quantizeRows(model.E, numRows, dim);
  const initializers: Tensor[] = [
    { name: 'rowmap', dataType: INT32, dims: [vocabulary.rowOf.length], raw: bytesOf(vocabulary.rowOf) },
    { name: 'q', dataType: INT8, dims: [numRows, dim], raw: bytesOf(q) },
    { name: 'scale', dataType: FLOAT, dims: [numRows], raw: bytesOf(scale) },
    { name: 'c', dataType: FLOAT, dims: [dim], raw: bytesOf(model.c) },
    { name: 'W', dataType: FLOAT, dims: [numClasses, dim], raw: bytesOf(model.W) },
    { name: 'b', dataType: FLOAT, dims: [numClasses], raw: bytesOf(model.b) },
    { name: 'axis1', dataType: INT64, dims: [1], raw: bytesOf(BigInt64Array.of(1n)) },
    { name: 'axis2', dataType: INT64, dims: [1], raw: bytesOf(BigInt64Array.of(2n)) },
    { name: 'one', dataType: FLOAT, dims: [], raw: bytesOf(Float32Array.of(1)) },
  ];
  const nodes = [
    node('Gather', ['rowmap', 'ids'], ['rows']),
    node('Gather', ['q', 'rows'], ['qe']),
    node('Cast', ['qe'], ['e'], { to: FLOAT }),
    node('Gather', ['scale', 'rows'], ['s']),
    node('Mul', ['s', 'mask'], ['sm']),
    node('Unsqueeze', ['sm', 'axis2'], ['sm3']),
    node('Mul', ['e', 'sm3'], ['we']),
    node('ReduceSum', ['we', 'axis1'], ['bagsum'], { keepdims: 0 }),
    node('ReduceSum', ['mask', 'axis1'], ['count'], { keepdims: 1 }),
    node('Max', ['count', 'one'], ['count1']),
    node('Sqrt', ['count1'], ['norm']),
    node('Div', ['bagsum', 'norm'], ['bag']),
    node('Add', ['bag', 'c'], ['x']),
    node('Gemm', ['x', 'W', 'b'], ['logits'], { transB: 1 }),
    node('Softmax', ['logits'], ['probs'], { axis: 1 }),
  ];
  const graph = new ProtoWriter();
  for (const n of nodes) graph.message(1, n);
  graph.string(2, 'hashbag-v1');
  for (const t of initializers) graph.message(5, tensorProto(t));
  graph.message(11, valueInfo('ids', INT64, ['batch', 'len']));
  graph.message(11, valueInfo('mask', FLOAT, ['batch', 'len']));
  graph.message(12, valueInfo('logits', FLOAT, ['batch', numClasses]));
  graph.message(12, valueInfo('probs', FLOAT, ['batch', numClasses]));
  return new ProtoWriter()
    .varint(1, 8) // ir_version
    .string(2, 'omnicx-ts-trainer')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, 14))
    .finish();
}

/** Writes `dir/model.onnx` and `dir/manifest.json` (the format OnnxTextClassifier.load reads). Returns the files. */
export function exportOnnx(
  classifier: IntentClassifier,
  dir: string,
  info: { name?: string; training?: Record<string, unknown> } = {},
): { model: string; manifest: string; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const bytes = classifierToOnnx(classifier);
  const model = path.join(dir, 'model.onnx');
  writeFileSync(model, bytes);
  const { oosLabel, threshold } = classifier.decision;
  const hasOos = classifier.oosIndex >= 0;
  const manifest = {
    name: info.name ?? 'intent',
    task: 'intent',
    architecture: 'hashbag-v1',
    date: new Date().toISOString(),
    labels: classifier.labels,
    ...(hasOos && { outOfScopeLabel: oosLabel }),
    decision: hasOos
      ? {
          rule: `label = argmax(probs); if label != '${oosLabel}' and probs[label] < rejectThreshold then label = '${oosLabel}'`,
          rejectThreshold: threshold,
        }
      : { rule: 'label = argmax(probs)' },
    features: { ...classifier.spec, name: 'omnicx-hash-v1', hash: 'fnv1a32-utf8', dedup: true, padId: 0 },
    model: { rows: classifier.model.numRows, dim: classifier.model.dim, quantization: 'int8 per row' },
    ...(info.training !== undefined && { training: info.training }),
  };
  const manifestFile = path.join(dir, 'manifest.json');
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
  return { model, manifest: manifestFile, bytes: bytes.length };
}
