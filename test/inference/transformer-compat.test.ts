/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// A user's own fine-tuned Hugging Face transformer loads through the same OnnxTextClassifier.load/classify as our
// models. The fixtures (built by models/tiny-bert/build.py) are tiny classifiers with random weights exported as
// transformers does, with their tokenizer.json and config.json (id2label): test/fixtures/tiny-bert/ (BERT, WordPiece;
// input_ids, attention_mask, token_type_ids → logits) and test/fixtures/tiny-roberta/ (RoBERTa, byte-level BPE;
// input_ids, attention_mask → logits). reference.json holds the Python-side token ids and torch's logits.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { OnnxTextClassifier, softmax } from '../../src/inference/onnx-text-classifier.js';
import {
  BpeTokenizer,
  TokenizerError,
  WordPieceTokenizer,
  tokenizerFromJson,
  type TokenizerJson,
} from '../../src/inference/tokenizers/index.js';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'tiny-bert');
const ROBERTA = path.join(__dirname, '..', 'fixtures', 'tiny-roberta');
const BUILD_SCRIPT = path.join(__dirname, '..', '..', 'models', 'tiny-bert', 'build.py');

interface Reference {
  maxLength: number;
  labels: string[];
  cases: Array<{ text: string; ids: number[]; logits: number[] }>;
}
const readReference = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
const reference = readReference(FIXTURE);
const tokenizerJson = JSON.parse(readFileSync(path.join(FIXTURE, 'tokenizer.json'), 'utf8')) as TokenizerJson;
const argmax = (xs: readonly number[]) => xs.indexOf(Math.max(...xs));

/** A copy of the fixture in a temp dir, with some files replaced. */
function fixtureCopy(replace: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-tiny-bert-'));
  for (const file of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']) {
    copyFileSync(path.join(FIXTURE, file), path.join(dir, file));
  }
  for (const [file, content] of Object.entries(replace)) writeFileSync(path.join(dir, file), JSON.stringify(content));
  return dir;
}

describe.each([
  { kind: 'BERT', dir: FIXTURE, tokenizer: 'WordPiece', padId: 0 },
  { kind: 'RoBERTa', dir: ROBERTA, tokenizer: 'BPE', padId: 1 }, // its model declares no token_type_ids
])('a Hugging Face $kind export through OnnxTextClassifier', ({ dir, tokenizer, padId }) => {
  const ref = readReference(dir);
  let model: OnnxTextClassifier;
  beforeAll(async () => {
    model = await OnnxTextClassifier.load(dir);
  });
  afterAll(() => model.close());

  test('loads without a manifest: labels from config.json id2label, name from the directory', () => {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
      id2label: Record<string, string>;
    };
    expect(model.manifest.labels).toEqual(Object.keys(config.id2label).map((k) => config.id2label[k]));
    expect(model.manifest.labels).toEqual(ref.labels);
    expect(model.manifest.name).toBe(path.basename(dir));
    // RoBERTa: tokenizer_config has transformers' "unset" 1e30, so max_position_embeddings (66) - 2 decides
    expect(model.manifest.features).toEqual({ name: 'hf-tokenizer', tokenizer, maxLength: 64 });
    expect(model.tokenizer?.padId).toBe(padId);
  });

  test('the TypeScript tokenizer ids equal the reference ids exactly, for every text', () => {
    expect(ref.cases.length).toBeGreaterThanOrEqual(20);
    for (const { text, ids } of ref.cases) {
      expect({ text, ids: model.tokenizer!.encode(text).ids }).toEqual({ text, ids });
    }
  });

  test('logits and probabilities match torch within 1e-4 (whole reference set in one padded batch)', async () => {
    const scores = await model.scores(ref.cases.map((c) => c.text));
    let worst = 0;
    scores.forEach((score, i) => {
      const expected = ref.cases[i]!.logits;
      const expectedProbs = softmax(expected);
      score.logits!.forEach((x, c) => (worst = Math.max(worst, Math.abs(x - expected[c]!))));
      score.probabilities.forEach((p, c) => expect(Math.abs(p - expectedProbs[c]!)).toBeLessThan(1e-4));
    });
    expect(worst).toBeLessThan(1e-4);
  });

  test('classify returns id2label labels, probabilities summing to 1, the argmax of torch logits', async () => {
    const results = await model.classify(ref.cases.map((c) => c.text));
    results.forEach((result, i) => {
      expect(result.label).toBe(ref.labels[argmax(ref.cases[i]!.logits)]);
      expect(result.ranking.map((r) => r.label).sort()).toEqual([...ref.labels].sort());
      expect(result.ranking.reduce((s, r) => s + r.probability, 0)).toBeCloseTo(1, 6);
      expect(result.confidence).toBe(result.ranking[0]!.probability);
      expect(result.outOfScope).toBe(false); // no manifest: no out-of-scope rule
    });
    const seen = new Set(results.map((r) => r.label));
    expect(seen.size).toBeGreaterThan(1); // random weights, but not a constant answer
  });

  test('a batch gives the same answers as one text at a time (padding changes nothing)', async () => {
    const texts = ref.cases.map((c) => c.text);
    const batch = await model.scores(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await model.scores([text]);
      single!.logits!.forEach((x, c) => expect(Math.abs(x - batch[i]!.logits![c]!)).toBeLessThan(1e-5));
    }
  });

  test('bad inputs give a result, not a crash; long texts are truncated to the model length', async () => {
    const garbage = String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536));
    const inputs = [
      '',
      '     ',
      'refund '.repeat(15_000), // ~100 KB
      'x'.repeat(100_000), // one 100 KB word
      garbage, // control characters, lone surrogates, private use, ...
      '\u0000\u0001\ufffd\ud800\udfff',
      '😡😡😡👍🏽🙏',
      '[CLS][SEP][PAD][MASK]<s></s><pad><mask>',
    ];
    for (const text of inputs) {
      expect(model.tokenizer!.encode(text).ids.length).toBeLessThanOrEqual(64);
    }
    const started = Date.now();
    const results = await model.classify(inputs);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(results).toHaveLength(inputs.length);
    for (const result of results) {
      expect(ref.labels).toContain(result.label);
      expect(Number.isFinite(result.confidence)).toBe(true);
      expect(result.ranking.reduce((s, r) => s + r.probability, 0)).toBeCloseTo(1, 6);
    }
    expect(await model.classify([])).toEqual([]);
  });
});

describe('our manifest.json beside a Hugging Face export', () => {
  test('our manifest.json, when present, names the model and adds the out-of-scope rule', async () => {
    const dir = fixtureCopy({
      'manifest.json': {
        name: 'my-intents',
        labels: reference.labels,
        outOfScopeLabel: 'other',
        decision: { rejectThreshold: 0.999 },
      },
    });
    const custom = await OnnxTextClassifier.load(dir);
    try {
      expect(custom.manifest.name).toBe('my-intents');
      const [result] = await custom.classify(['Where is my order?']);
      expect(result!.label).toBe('other'); // nothing clears 0.999
      expect(result!.outOfScope).toBe(true);
    } finally {
      await custom.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tokenizer.json features we do not support are refused clearly', () => {
  const withModelType = (type: string): TokenizerJson => ({
    ...tokenizerJson,
    model: { type, vocab: { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 }, merges: [] },
  });

  test.each(['Unigram', 'WordLevel'])('model %s: TokenizerError UNSUPPORTED_TOKENIZER', (type) => {
    expect(() => tokenizerFromJson(withModelType(type))).toThrow(TokenizerError);
    expect(() => tokenizerFromJson(withModelType(type))).toThrow(`unsupported tokenizer model ${type}`);
    try {
      tokenizerFromJson(withModelType(type));
    } catch (error) {
      expect((error as TokenizerError).code).toBe('UNSUPPORTED_TOKENIZER');
    }
  });

  test('the loader refuses a directory whose tokenizer.json is a SentencePiece (Unigram) one', async () => {
    const dir = fixtureCopy({ 'tokenizer.json': withModelType('Unigram') });
    try {
      await expect(OnnxTextClassifier.load(dir)).rejects.toThrow('unsupported tokenizer model Unigram');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown normalizer or pre-tokenizer, or a missing unk token, is refused too', () => {
    expect(() => tokenizerFromJson({ ...tokenizerJson, normalizer: { type: 'Precompiled' } })).toThrow(
      'unsupported tokenizer normalizer Precompiled',
    );
    expect(() => tokenizerFromJson({ ...tokenizerJson, pre_tokenizer: { type: 'Metaspace' } })).toThrow(
      'unsupported tokenizer pre_tokenizer Metaspace',
    );
    const noUnk = { ...tokenizerJson, model: { ...tokenizerJson.model, unk_token: '<nope>' } };
    expect(() => tokenizerFromJson(noUnk)).toThrow(TokenizerError);
    const roberta = JSON.parse(readFileSync(path.join(ROBERTA, 'tokenizer.json'), 'utf8')) as TokenizerJson;
    const fallback = { ...roberta, model: { ...roberta.model, byte_fallback: true } };
    expect(() => tokenizerFromJson(fallback)).toThrow('unsupported tokenizer BPE option byte_fallback');
    const suffix = { ...roberta, model: { ...roberta.model, end_of_word_suffix: '</w>' } };
    expect(() => tokenizerFromJson(suffix)).toThrow('unsupported tokenizer BPE option end_of_word_suffix');
  });

  test('a config.json without id2label (and no manifest) is refused at load time', async () => {
    const dir = fixtureCopy({ 'config.json': { id2label: {} } });
    try {
      await expect(OnnxTextClassifier.load(dir)).rejects.toThrow('no labels');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WordPiece tokenizer options', () => {
  const vocab = Object.fromEntries(
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'Hello', 'hello', 'caf', '##é', 'cafe', '##e', ',', 'world'].map((t, i) => [
      t,
      i,
    ]),
  );
  const base = (over: Partial<TokenizerJson> = {}): TokenizerJson => ({
    added_tokens: [],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, lowercase: false },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] },
    model: {
      type: 'WordPiece',
      vocab,
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 5,
    },
    ...over,
  });

  test('cased (lowercase false keeps case and accents), BertProcessing adds [CLS]/[SEP]', () => {
    const tok = new WordPieceTokenizer(base());
    expect(tok.encode('Hello, world café').tokens).toEqual(['[CLS]', 'Hello', ',', 'world', 'caf', '##é', '[SEP]']);
    expect(tok.encode('Hello, world café').typeIds).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(tok.encode('worlds').tokens).toEqual(['[CLS]', '[UNK]', '[SEP]']); // 6 chars > max 5
  });

  test('lowercase without accent stripping; NFD + StripAccents sequence strips them', () => {
    const lower = new WordPieceTokenizer(
      base({ normalizer: { type: 'BertNormalizer', lowercase: true, strip_accents: false } }),
    );
    expect(lower.encode('HELLO Café').tokens).toEqual(['[CLS]', 'hello', 'caf', '##é', '[SEP]']);
    const seq = new WordPieceTokenizer(
      base({
        normalizer: {
          type: 'Sequence',
          normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }],
        },
      }),
    );
    expect(seq.encode('HELLO Café').tokens).toEqual(['[CLS]', 'hello', 'cafe', '[SEP]']);
  });

  test('truncation from tokenizer.json (right and left) or from the loader, special tokens counted', () => {
    const text = 'hello world hello world';
    expect(new WordPieceTokenizer(base(), { maxLength: 4 }).encode(text).tokens).toEqual([
      '[CLS]',
      'hello',
      'world',
      '[SEP]',
    ]);
    const left = new WordPieceTokenizer(base({ truncation: { direction: 'Left', max_length: 5 } }));
    expect(left.encode(text).tokens).toEqual(['[CLS]', 'world', 'hello', 'world', '[SEP]']);
    expect(() => new WordPieceTokenizer(base(), { maxLength: 2 })).toThrow(TokenizerError);
  });
});

describe('byte-level BPE tokenizer options', () => {
  const roberta = JSON.parse(readFileSync(path.join(ROBERTA, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  const merges = (roberta.model.merges as string[]).map((m) => m.split(' ') as [string, string]);

  test('merges given as pairs (newer tokenizers) give the same ids as merges given as strings', () => {
    const asStrings = new BpeTokenizer(roberta);
    const asPairs = new BpeTokenizer({ ...roberta, model: { ...roberta.model, merges } });
    for (const { text } of readReference(ROBERTA).cases)
      expect(asPairs.encode(text).ids).toEqual(asStrings.encode(text).ids);
  });

  test('add_prefix_space puts a space before the first word (Ġ), as a word inside the text has', () => {
    const withPrefix = new BpeTokenizer({
      ...roberta,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, use_regex: true },
    });
    const plain = new BpeTokenizer(roberta);
    expect(withPrefix.encode('order').tokens[1]).toBe(plain.encode('my order').tokens.at(-2));
    expect(withPrefix.encode('order').tokens[1]?.startsWith('Ġ')).toBe(true);
  });

  test('a 100 KB word without spaces is merged in well under a second (priority-queue merges)', () => {
    const tok = new BpeTokenizer(roberta, { maxLength: 64 });
    const started = Date.now();
    expect(tok.encode('ab'.repeat(50_000)).ids).toHaveLength(64);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

const hasTorch =
  spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore', timeout: 60_000 }).status === 0;

(hasTorch ? test : test.skip)(
  'where Python with torch exists: a fresh build gives the committed reference (ids equal, logits within 1e-5)',
  () => {
    const out = mkdtempSync(path.join(tmpdir(), 'omnicx-tiny-bert-build-'));
    try {
      const args = [BUILD_SCRIPT, '--out', path.join(out, 'bert'), '--roberta-out', path.join(out, 'roberta')];
      const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(0);
      for (const [built, committed] of [
        [path.join(out, 'bert'), FIXTURE],
        [path.join(out, 'roberta'), ROBERTA],
      ] as const) {
        const fresh = readReference(built);
        const expected = readReference(committed);
        expect(fresh.cases.map((c) => c.ids)).toEqual(expected.cases.map((c) => c.ids));
        fresh.cases.forEach((c, i) =>
          c.logits.forEach((x, k) => expect(Math.abs(x - expected.cases[i]!.logits[k]!)).toBeLessThan(1e-5)),
        );
        expect(readFileSync(path.join(built, 'tokenizer.json'), 'utf8')).toBe(
          readFileSync(path.join(committed, 'tokenizer.json'), 'utf8'),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
  180_000,
);
