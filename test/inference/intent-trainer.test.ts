/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The TypeScript intent trainer (src/inference/training): CSV reading and its errors, that training learns a real
// labelled set and is deterministic for a seed (also across worker threads), the ensemble merge, and the benchmark
// metrics on a hand-made confusion case with out-of-scope rows, and that an ONNX export runs in the runtime loader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readLabelledTsv } from '../../bench/lib/labelled-tsv.js';
import { normalizeForHashing } from '../../src/inference/features/hashed-ngrams.js';
import { OnnxTextClassifier } from '../../src/inference/onnx-text-classifier.js';
import {
  computeMetrics,
  CsvFormatError,
  decideIndex,
  decodeCsvBytes,
  encodeLabels,
  exportOnnx,
  formatResultLine,
  hashTexts,
  HashbagModel,
  IntentClassifier,
  parseCsvRecords,
  parseLabelledCsv,
  ProgressReporter,
  Prng,
  readLabelledCsv,
  trainEnsemble,
  trainHashbag,
  Vocabulary,
  type TrainingSet,
} from '../../src/inference/training/index.js';

const OWN_EXAMPLES = path.join(__dirname, '..', '..', 'models', 'intent', 'own-examples.csv');

describe('CSV reader', () => {
  test('RFC 4180: quotes, doubled quotes, commas and line breaks inside quotes, CRLF/LF/CR', () => {
    const text = 'text,label\r\n"hello, world",greeting\r\n"she said ""hi""\nthen left",other\rplain,x';
    const records = parseCsvRecords(text);
    expect(records.map((r) => r.fields)).toEqual([
      ['text', 'label'],
      ['hello, world', 'greeting'],
      ['she said "hi"\nthen left', 'other'],
      ['plain', 'x'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });

  test('header columns in any order and case, extra columns ignored, labels trimmed, blank lines skipped', () => {
    const rows = parseLabelledCsv('id,Label,TEXT\n1, thanks ,thank you\n\n2,greeting,"hi, there"\n');
    expect(rows).toEqual({ texts: ['thank you', 'hi, there'], labels: ['thanks', 'greeting'] });
  });

  test('the label column may be named "category" (Banking77\'s own files) or "intent"; "label" wins', () => {
    expect(parseLabelledCsv('text,category\nI am still waiting on my card?,card_arrival\n')).toEqual({
      texts: ['I am still waiting on my card?'],
      labels: ['card_arrival'],
    });
    expect(parseLabelledCsv('intent,text\ngreeting,hi\n')).toEqual({ texts: ['hi'], labels: ['greeting'] });
    expect(parseLabelledCsv('category,text,label\nx,hi,greeting\n')).toEqual({ texts: ['hi'], labels: ['greeting'] });
  });

  test('empty text is allowed, empty quoted fields are fields', () => {
    expect(parseLabelledCsv('text,label\n"",oos\n,oos\n')).toEqual({ texts: ['', ''], labels: ['oos', 'oos'] });
  });

  test('UTF-8 BOM is dropped; UTF-16 with a BOM is decoded', () => {
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('text,label\ncafé,x\n')]);
    expect(parseLabelledCsv(decodeCsvBytes(utf8))).toEqual({ texts: ['café'], labels: ['x'] });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('text,label\nnaïve,y\n', 'utf16le')]);
    expect(parseLabelledCsv(decodeCsvBytes(utf16))).toEqual({ texts: ['naïve'], labels: ['y'] });
  });

  test.each([
    ['', /empty file/],
    ['  \n\n', /empty file/],
    ['text\nhello\n', /missing column "label"/],
    ['sentence,target\na,b\n', /missing columns "text" and "label"/],
    ['sentence,intent\na,b\n', /missing column "text" \(header is "sentence,intent"/],
    ['text,label\n', /no data rows/],
    ['text,label\n"open quote,x\n', /line 2: unterminated quoted field/],
    ['text,label\n"a"b,x\n', /line 2: unexpected character after a closing quote/],
    ['text,label\na,b,c\n', /line 2: 3 fields, the header has 2/],
    ['text,label\nhello\n', /line 2: 1 fields/],
    ['text,label\nhello,  \n', /line 2: empty label/],
  ])('bad CSV %j is refused: %s', (text, message) => {
    expect(() => parseLabelledCsv(text, 'bad.csv')).toThrow(CsvFormatError);
    expect(() => parseLabelledCsv(text, 'bad.csv')).toThrow(message);
  });

  test('unknown encodings are refused (invalid UTF-8, NUL bytes)', () => {
    expect(() => decodeCsvBytes(Buffer.from([0x74, 0x65, 0xe9, 0x2c, 0x0a]), 'latin1.csv')).toThrow(
      /latin1.csv: unknown encoding: the file is not valid UTF-8/,
    );
    expect(() => decodeCsvBytes(Buffer.from('t\u0000e\u0000x\u0000t\u0000', 'latin1'))).toThrow(/NUL bytes/);
  });

  test('files: a missing file is a CsvFormatError, a good file reads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-csv-'));
    try {
      expect(() => readLabelledCsv(path.join(dir, 'nope.csv'))).toThrow(/nope.csv: no such file/);
      writeFileSync(path.join(dir, 'ok.csv'), 'text,label\nhi,greeting\n');
      expect(readLabelledCsv(path.join(dir, 'ok.csv'))).toEqual({ texts: ['hi'], labels: ['greeting'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the in-repo own examples parse (1,783 rows, the 30 in-scope labels)', () => {
    const rows = readLabelledCsv(OWN_EXAMPLES);
    expect(rows.texts.length).toBe(1783);
    expect(new Set(rows.labels).size).toBe(30);
    expect(rows.labels.includes('other')).toBe(false);
  });

  test('no own example is a text of the eval phrase sets (same key as train.py: normalized, spaces collapsed)', () => {
    const key = (text: string) => normalizeForHashing(text).split(/\s+/u).filter(Boolean).join(' ');
    const own = new Set(readLabelledCsv(OWN_EXAMPLES).texts.map(key));
    for (const name of ['intent-phrases.tsv', 'intent-phrases-holdout.tsv']) {
      const rows = readLabelledTsv(path.join(__dirname, '..', '..', 'bench', 'data', name));
      const shared = rows.map((row) => row.text).filter((text) => own.has(key(text)));
      expect({ name, shared }).toEqual({ name, shared: [] });
    }
  });
});

describe('metrics and decision rule', () => {
  test('hand-made confusion case with oos rows', () => {
    const yTrue = ['a', 'a', 'a', 'b', 'b', 'c', 'oos', 'oos', 'oos', 'oos'];
    const yPred = ['a', 'a', 'b', 'b', 'oos', 'c', 'oos', 'a', 'oos', 'oos'];
    const m = computeMetrics(yTrue, yPred);
    // in-scope rows: a a a b b c → correct a a b c = 4/6 (the b rejected as oos counts wrong)
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    // a: tp 2, fp 1 (the oos row predicted a), fn 1 → 4/6; b: tp 1, fp 1, fn 1 → 2/4; c: tp 1 → 1
    expect(m.macroF1).toBeCloseTo((4 / 6 + 2 / 4 + 1) / 3, 12);
    expect(m.oosRecall).toBeCloseTo(3 / 4, 12);
    expect(m).toMatchObject({ n: 10, nInScope: 6, nOos: 4 });
    expect(formatResultLine(m)).toBe('accuracy 0.6667 macroF1 0.7222 oosRecall 0.7500');
  });

  test('no oos rows: no oosRecall in the line; labels predicted but absent from the test set do not count in F1', () => {
    const m = computeMetrics(['x', 'y', 'y'], ['x', 'z', 'y']);
    expect(m.oosRecall).toBeUndefined();
    expect(m.accuracy).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(formatResultLine(m)).toBe('accuracy 0.6667 macroF1 0.8333');
  });

  test('decision: argmax; oos when it is the top class or the best in-scope probability is below the threshold', () => {
    // classes [a, b, oos]
    expect(decideIndex([0.6, 0.3, 0.1], 0, 3, 2, 0.5)).toBe(0);
    expect(decideIndex([0.45, 0.35, 0.2], 0, 3, 2, 0.5)).toBe(2);
    expect(decideIndex([0.45, 0.35, 0.2], 0, 3, 2, 0.4)).toBe(0);
    expect(decideIndex([0.3, 0.1, 0.6], 0, 3, 2, 0.0)).toBe(2);
    expect(decideIndex([0, 0, 0, 0.2, 0.7, 0.1], 3, 3, -1, 0.9)).toBe(1); // no oos class: plain argmax
  });
});

/** The labels OmniCX added to Bitext's taxonomy: a small, quick set (~390 rows) to train in a test. */
const ADDED_LABELS = new Set(['technical_issue', 'contact_human_agent', 'greeting', 'thanks']);

async function ownExamplesClassifier(seed = 0): Promise<{ clf: IntentClassifier; texts: string[]; labels: string[] }> {
  const all = readLabelledCsv(OWN_EXAMPLES);
  const keep = all.labels.map((label) => ADDED_LABELS.has(label));
  const texts = all.texts.filter((_, i) => keep[i]);
  const labels = all.labels.filter((_, i) => keep[i]);
  const clf = await IntentClassifier.train(texts, labels, { seed, dim: 32, epochs: 15 });
  return { clf, texts, labels };
}

function trainingSet(texts: string[], labels: string[]): TrainingSet {
  const lists = hashTexts(texts);
  const vocab = Vocabulary.build(lists);
  const { classes, y } = encodeLabels(labels);
  return { rows: vocab.toRows(lists), y, numRows: vocab.size, numClasses: classes.length };
}

describe('training', () => {
  test('learns the in-repo own examples to high training accuracy and predicts through predict(texts)', async () => {
    const { clf, texts, labels } = await ownExamplesClassifier();
    const predicted = clf.predict(texts).map((p) => p.label);
    const m = computeMetrics(labels, predicted);
    expect(m.accuracy).toBeGreaterThan(0.97);
    const [hello, broken] = clf.predict(['hello there!', 'the website is down again']);
    expect(hello).toMatchObject({ label: 'greeting', outOfScope: false });
    expect(broken?.label).toBe('technical_issue');
    expect(hello?.confidence).toBeGreaterThan(0.5);
  });

  test('is deterministic for a seed, and the seed matters', async () => {
    const a = (await ownExamplesClassifier(7)).clf.model;
    const b = (await ownExamplesClassifier(7)).clf.model;
    const c = (await ownExamplesClassifier(8)).clf.model;
    expect(Buffer.from(a.E.buffer).equals(Buffer.from(b.E.buffer))).toBe(true);
    expect(Buffer.from(a.W.buffer).equals(Buffer.from(b.W.buffer))).toBe(true);
    expect(Buffer.from(a.E.buffer).equals(Buffer.from(c.E.buffer))).toBe(false);
  });

  test('learns oos as a class and rejects below the threshold', async () => {
    const texts = ['pay my bill', 'pay the invoice', 'bill payment please', 'reset my password', 'forgot password'];
    const labels = ['billing', 'billing', 'billing', 'password', 'password'];
    texts.push('tell me a joke', 'what is the weather', 'play some music', 'who won the game');
    labels.push('oos', 'oos', 'oos', 'oos');
    const clf = await IntentClassifier.train(texts, labels, { dim: 16, epochs: 40, featureDropout: 0.2 });
    expect(clf.labels).toEqual(['billing', 'oos', 'password']);
    expect(clf.predict(['play the weather joke'])[0]).toMatchObject({ label: 'oos', outOfScope: true });
    expect(clf.predict(['pay my bill'])[0]).toMatchObject({ label: 'billing', outOfScope: false });
    const strict = new IntentClassifier(clf.labels, clf.vocabulary, clf.model, { oosLabel: 'oos', threshold: 1 });
    expect(strict.predict(['pay my bill'])[0]?.label).toBe('oos');
  });

  test('an ensemble merged by concat has the mean logits of its members; worker threads give the same model', async () => {
    const { texts, labels } = readLabelledCsv(OWN_EXAMPLES);
    const data = trainingSet(texts, labels);
    const members = [0, 1, 2].map((seed) => trainHashbag(data, { seed, dim: 8, epochs: 2 }));
    const merged = HashbagModel.concat(members);
    expect(merged.dim).toBe(24);
    const x = new Float64Array(24);
    const out = new Float64Array(data.numClasses);
    const mean = new Float64Array(data.numClasses);
    for (let i = 0; i < 20; i++) {
      const [from, to] = [data.rows.offsets[i] as number, data.rows.offsets[i + 1] as number];
      mean.fill(0);
      for (const m of members) {
        m.logitsInto(data.rows.ids, from, to, out, x);
        for (let k = 0; k < out.length; k++) mean[k] = (mean[k] as number) + (out[k] as number) / 3;
      }
      merged.logitsInto(data.rows.ids, from, to, out, x);
      for (let k = 0; k < out.length; k++) expect(out[k]).toBeCloseTo(mean[k] as number, 5);
    }
    const inline = await trainEnsemble(data, { dim: 8, epochs: 2 }, { members: 3, threads: 1 });
    const threaded = await trainEnsemble(data, { dim: 8, epochs: 2 }, { members: 3, threads: 2 });
    expect(Buffer.from(threaded.E.buffer).equals(Buffer.from(inline.E.buffer))).toBe(true);
    expect(Buffer.from(inline.W.buffer).equals(Buffer.from(merged.W.buffer))).toBe(true);
  });
});

describe('ONNX export', () => {
  test('the exported model loads in the runtime classifier and agrees with the TypeScript model', async () => {
    const { texts, labels } = readLabelledCsv(OWN_EXAMPLES);
    texts.push('tell me a joke', 'what is the weather tomorrow', 'play some music');
    labels.push('oos', 'oos', 'oos');
    const clf = await IntentClassifier.train(texts, labels, { dim: 16, epochs: 10 });
    const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-onnx-'));
    try {
      exportOnnx(clf, dir);
      const onnx = await OnnxTextClassifier.load(dir);
      try {
        const probe = [...texts.slice(0, 40), '', 'something never seen 🙂', 'x'.repeat(3000)];
        const ours = clf.probabilities(hashTexts(probe));
        const theirs = await onnx.scores(probe);
        theirs.forEach((s, i) =>
          s.probabilities.forEach((p, k) =>
            expect(Math.abs(p - (ours[i * clf.labels.length + k] as number))).toBeLessThan(0.01),
          ),
        );
        const decided = await onnx.classify(probe);
        expect(decided.map((d) => d.label)).toEqual(clf.predict(probe).map((p) => p.label));
        expect(onnx.manifest.outOfScopeLabel).toBe('oos');
      } finally {
        await onnx.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  test('Prng is seeded and uniform in [0, 1)', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  test('progress: periodic lines when not a TTY, one rewritten line on a TTY', () => {
    const plain: string[] = [];
    const reporter = new ProgressReporter({ write: (s) => (plain.push(s), true), isTTY: false }, 'training', 1e9);
    const p = { epoch: 1, epochs: 2, step: 5, steps: 10, loss: 1.23456, elapsedMs: 5000 };
    reporter.update(p);
    reporter.update({ ...p, step: 6 });
    reporter.update({ ...p, epoch: 2, step: 10, elapsedMs: 10_000 });
    expect(plain).toEqual([
      'training: epoch 1/2  step 5/10 (50.0%)  loss 1.2346  elapsed 5s  ETA 5s\n',
      'training: epoch 2/2  step 10/10 (100.0%)  loss 1.2346  elapsed 10s  ETA 0s\n',
    ]);
    const tty: string[] = [];
    const live = new ProgressReporter({ write: (s) => (tty.push(s), true), isTTY: true });
    live.update(p);
    live.update({ ...p, step: 6 });
    live.done();
    expect(tty).toHaveLength(3);
    expect(tty[0]?.startsWith('\r\x1b[2Ktraining: epoch 1/2')).toBe(true);
    expect(tty[2]).toBe('\n');
  });
});
