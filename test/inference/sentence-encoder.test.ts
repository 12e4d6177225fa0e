/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The committed sentence encoder (models/encoder) through onnxruntime-node with the TypeScript feature hashing: unit
// vectors of the manifest's size, paraphrases closer than unrelated requests, batch == one at a time, hostile inputs,
// and the same numbers as torch computed at training time (models/encoder/reference.json).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SentenceEncoder, cosine } from '../../src/inference/sentence-encoder.js';

const DIR = path.join(__dirname, '..', '..', 'models', 'encoder');
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as {
  dimensions: number;
  features: { name: string };
};
const reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as {
  vectors: Array<{ text: string; ids: number[]; embedding: number[] }>;
};

const norm = (v: Float32Array) => Math.sqrt(cosine(v, v));

describe('sentence encoder', () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = await SentenceEncoder.load(DIR, { intraOpNumThreads: 1 });
  });
  afterAll(() => encoder.close());

  test('vectors have the manifest dimensions and unit length', async () => {
    expect(encoder.dimensions).toBe(manifest.dimensions);
    const vectors = await encoder.encode(['where is my package', 'hello', 'I want my money back!']);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(manifest.dimensions);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
  });

  test('paraphrases are closer than unrelated requests', async () => {
    const [pkg, track, del, forgot, reset, cancel] = await encoder.encode([
      'where is my package',
      'track my order',
      'I want to delete my account',
      'I forgot my password',
      'how do I reset my password?',
      'please cancel my order',
    ]);
    expect(cosine(pkg!, track!)).toBeGreaterThan(cosine(pkg!, del!));
    expect(cosine(pkg!, track!)).toBeGreaterThan(cosine(track!, del!));
    expect(cosine(forgot!, reset!)).toBeGreaterThan(cosine(forgot!, cancel!));
    expect(cosine(forgot!, reset!)).toBeGreaterThan(cosine(reset!, del!));
  });

  test('a batch gives the same vectors as one text at a time (padding does not matter)', async () => {
    const texts = ['cancel my subscription please', 'hi', '', 'my invoice #4711 is wrong 😡 and I am really angry'];
    const batch = await encoder.encode(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await encoder.encode([text]);
      for (let j = 0; j < encoder.dimensions; j++) expect(single![j]).toBeCloseTo(batch[i]![j]!, 5);
    }
    expect(await encoder.encode([])).toEqual([]);
  });

  test('encodeIds reuses ids hashed elsewhere and rejects ids outside the feature space', async () => {
    const text = 'where can I find my invoice';
    const [fromText] = await encoder.encode([text]);
    const [fromIds] = await encoder.encodeIds([encoder.ids(text)]);
    expect(Array.from(fromIds!)).toEqual(Array.from(fromText!));
    await expect(encoder.encodeIds([[1, 2, 10_000_000]])).rejects.toThrow(RangeError);
    await expect(encoder.encodeIds([[0]])).rejects.toThrow(RangeError);
    await expect(encoder.encodeIds([[-3]])).rejects.toThrow(RangeError);
  });

  test('hostile inputs give finite unit vectors; every text without a feature gets the same "empty" vector', async () => {
    let garbage = '';
    let x = 12345;
    for (let i = 0; i < 4000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      garbage += String.fromCharCode((x >> 8) % 0x10000); // includes lone surrogates and control characters
    }
    const texts = [
      '',
      '   \n\t ',
      '×÷ ± §',
      'x'.repeat(100_000),
      'order status please '.repeat(5_000), // 100 KB
      garbage,
      '😀😀😀🎉',
      'أين طلبي؟ أريد استرداد أموالي',
      '我的订单在哪里',
      '注文をキャンセルしたい',
      '\u0000\u0001\u0002',
    ];
    const vectors = await encoder.encode(texts);
    for (const v of vectors) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
    const [empty, blank, punctuation] = vectors;
    expect(Array.from(blank!)).toEqual(Array.from(empty!));
    expect(Array.from(punctuation!)).toEqual(Array.from(empty!));
  });

  test('the same numbers as torch at training time (reference.json, within 1e-3)', async () => {
    expect(reference.vectors.length).toBeGreaterThanOrEqual(5);
    const vectors = await encoder.encode(reference.vectors.map((r) => r.text));
    reference.vectors.forEach((r, i) => {
      expect(encoder.ids(r.text)).toEqual(r.ids);
      const v = vectors[i]!;
      expect(v).toHaveLength(r.embedding.length);
      let maxDiff = 0;
      r.embedding.forEach((e, j) => (maxDiff = Math.max(maxDiff, Math.abs(e - v[j]!))));
      expect(maxDiff).toBeLessThan(1e-3);
    });
  });
});

test('a manifest with another feature spec is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-encoder-'));
  try {
    copyFileSync(path.join(DIR, 'model.onnx'), path.join(dir, 'model.onnx'));
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ ...manifest, features: { ...manifest.features, name: 'omnicx-hash-v2' } }),
    );
    await expect(SentenceEncoder.load(dir)).rejects.toThrow(/unsupported feature spec/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
