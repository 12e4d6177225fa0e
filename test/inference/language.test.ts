// Language identification of customer messages: common languages of a contact centre, and "undetermined" for text
// too short or too bare to tell.
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { detectLanguage, loadLanguageDetector } from '../../src/inference/text-analyzer.js';
import { csvRows } from '../../bench/lib/csv.js';
import { NgramLanguageDetector } from '../../src/inference/language/ngram-language-detector.js';

beforeAll(() => loadLanguageDetector(), 120_000);

test.each([
  ['Where is my order? It still has not arrived and I need it by Friday.', 'en'],
  ['Mi pedido no ha llegado todavía, ¿me pueden ayudar por favor?', 'es'],
  ['Wo ist meine Bestellung? Sie ist immer noch nicht angekommen.', 'de'],
  ['Ma commande n’est toujours pas arrivée, pouvez-vous m’aider ?', 'fr'],
  ['Meu pedido ainda não chegou, podem me ajudar por favor?', 'pt'],
])('%s → %s', (text, code) => {
  expect(detectLanguage(text)).toBe(code);
});

test('too short or symbol-only text is undetermined', () => {
  for (const text of ['', 'ok', '👍👍', '   ']) expect(detectLanguage(text)).toBe('und');
});

describe('the fast scorer gives exactly the answers of eld.detect (same database, same method)', () => {
  let eld: { detect(text: string): { language: string } };
  beforeAll(async () => {
    eld = (await import('eld/large')).eld;
  });
  const eldCode = (text: string) => {
    const code = text.trim().length < 4 ? '' : eld.detect(text.slice(0, 1000)).language;
    return code === '' ? 'und' : code;
  };

  test('on every text of the language sample and on real customer queries', () => {
    const sample = readFileSync(path.join(__dirname, '..', '..', 'bench', 'data', 'language-sample.csv'), 'utf8');
    const texts = csvRows(sample)
      .slice(1)
      .map((row) => row[0] ?? '');
    const banking = path.join(__dirname, '..', '..', '..', 'shared', 'datasets', 'banking77', 'train.csv');
    if (existsSync(banking)) texts.push(...readFileSync(banking, 'utf8').split('\n').slice(1, 2001));
    expect(texts.length).toBeGreaterThan(300);
    for (const text of texts) expect([text, detectLanguage(text)]).toEqual([text, eldCode(text)]);
  });

  test('on any string: ascii, unicode, graphemes, long text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.stringMatching(/^[a-zA-Zäöüéèàçñ' ]{0,300}$/),
          fc.string({ unit: 'grapheme-ascii', minLength: 900, maxLength: 1500 }),
        ),
        (text) => {
          expect(detectLanguage(text)).toBe(eldCode(text));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the flattened database cache', () => {
  const texts = [
    'Where is my order? It still has not arrived and I need it by Friday.',
    'Mi pedido no ha llegado todavía, ¿me pueden ayudar por favor?',
    'Мой заказ до сих пор не пришёл, помогите пожалуйста',
    '私の注文はまだ届いていません',
    'Wo ist meine Bestellung?',
  ];
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'omnicx-eld-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('built once, then read back: the same answers either way', async () => {
    const built = await NgramLanguageDetector.load({ cacheDir: dir });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const cached = await NgramLanguageDetector.load({ cacheDir: dir });
    for (const text of texts) expect(cached.detect(text)).toBe(built.detect(text));
    expect(texts.map((t) => built.detect(t))).toEqual(['en', 'es', 'ru', 'ja', 'de']);
  }, 60_000);

  test('a damaged cache file is ignored and rebuilt', async () => {
    await NgramLanguageDetector.load({ cacheDir: dir });
    const file = path.join(dir, readdirSync(dir)[0] as string);
    writeFileSync(file, readFileSync(file).subarray(0, 1000)); // truncated
    const detector = await NgramLanguageDetector.load({ cacheDir: dir });
    expect(texts.map((t) => detector.detect(t))).toEqual(['en', 'es', 'ru', 'ja', 'de']);
    expect(readFileSync(file).length).toBeGreaterThan(1_000_000); // rewritten whole
  }, 60_000);
});

test('a cache file that others can rewrite is not trusted (rebuilt instead)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-eld-cache-'));
  try {
    await NgramLanguageDetector.load({ cacheDir: dir });
    const file = path.join(dir, readdirSync(dir)[0] as string);
    // Same length, other content: read back, it would give wrong answers; world-writable, it is not read at all.
    const bytes = readFileSync(file);
    bytes.fill(7, bytes.length - 100_000);
    writeFileSync(file, bytes);
    chmodSync(file, 0o666);
    const detector = await NgramLanguageDetector.load({ cacheDir: dir });
    expect(detector.detect('Wo ist meine Bestellung?')).toBe('de');
    expect(statSync(file).mode & 0o022).toBe(0); // rewritten by the load, with safe permissions
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
