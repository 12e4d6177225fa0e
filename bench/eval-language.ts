// Language identification (detectLanguage: ELD, ISO 639-1 or 'und') measured on bench/data/language-sample.csv:
// short customer-service chat messages we wrote ourselves, 25 per language in 13 languages, some of them only one
// or two words. Prints accuracy per language, overall, and for short vs longer messages; `--record` appends the
// figures as a section of bench/RESULTS.md.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { detectLanguage, loadLanguageDetector } from '../src/inference/text-analyzer.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { appendResults } from './lib/results-file.js';
import { csvRows } from './lib/csv.js';

const HELP = `Usage: npm run eval:language -- [--data bench/data/language-sample.csv] [--record] [--errors]

Runs detectLanguage (ELD) on every row of a text,lang CSV and prints accuracy per language, overall, and for
short messages (at most 3 words, or at most 6 characters in Chinese/Japanese) vs longer ones. An answer of 'und'
(undetermined) counts as wrong.
  --data FILE  the sample (default bench/data/language-sample.csv)
  --record     append the figures as a new section at the end of bench/RESULTS.md
  --errors     list every misidentified message`;

const NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** At most 3 words; for scripts written without spaces, at most 6 characters. */
export function isShort(text: string): boolean {
  return NO_SPACES.test(text) ? Array.from(text.trim()).length <= 6 : text.trim().split(/\s+/).length <= 3;
}

interface Tally {
  n: number;
  correct: number;
  und: number;
  confusions: Map<string, number>;
}

const pct = (t: { n: number; correct: number }) => (t.n === 0 ? '–' : `${((100 * t.correct) / t.n).toFixed(1)}%`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: path.join(__dirname, 'data', 'language-sample.csv') },
      record: { type: 'boolean', default: false },
      errors: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const [header, ...rows] = csvRows(readFileSync(values.data, 'utf8')).filter((r) => r.some((f) => f !== ''));
  const textCol = (header ?? []).indexOf('text');
  const langCol = (header ?? []).indexOf('lang');
  if (textCol < 0 || langCol < 0) throw new Error(`${values.data}: expected the columns text,lang`);

  await loadLanguageDetector();
  const perLang = new Map<string, Tally>();
  const bySize = { short: { n: 0, correct: 0 }, longer: { n: 0, correct: 0 } };
  const errors: string[] = [];
  const started = process.hrtime.bigint();
  for (const row of rows) {
    const text = row[textCol] ?? '';
    const gold = row[langCol] ?? '';
    const got = detectLanguage(text);
    const tally = perLang.get(gold) ?? { n: 0, correct: 0, und: 0, confusions: new Map<string, number>() };
    perLang.set(gold, tally);
    const ok = got === gold;
    tally.n++;
    if (ok) tally.correct++;
    else {
      if (got === 'und') tally.und++;
      tally.confusions.set(got, (tally.confusions.get(got) ?? 0) + 1);
      errors.push(`  [${gold} → ${got}] ${text}`);
    }
    const size = isShort(text) ? bySize.short : bySize.longer;
    size.n++;
    if (ok) size.correct++;
  }
  const microsPerMessage = Number(process.hrtime.bigint() - started) / 1000 / Math.max(1, rows.length);

  const total = [...perLang.values()].reduce((s, t) => ({ n: s.n + t.n, correct: s.correct + t.correct }), {
    n: 0,
    correct: 0,
  });
  const lines = [
    '| language | messages | correct | accuracy | und | most frequent wrong answers |',
    '| -------- | -------- | ------- | -------- | --- | --------------------------- |',
    ...[...perLang.entries()].map(([lang, t]) => {
      const wrong = [...t.confusions.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([code, count]) => `${code} ×${count}`)
        .join(', ');
      return `| ${lang} | ${t.n} | ${t.correct} | ${pct(t)} | ${t.und} | ${wrong || '–'} |`;
    }),
  ];
  const summary = [
    `Overall: **${pct(total)}** (${total.correct}/${total.n}, ${perLang.size} languages).`,
    `Short messages (≤ 3 words, or ≤ 6 characters in zh/ja): **${pct(bySize.short)}** (${bySize.short.correct}/${bySize.short.n}); ` +
      `longer ones: **${pct(bySize.longer)}** (${bySize.longer.correct}/${bySize.longer.n}).`,
    `Time: ${microsPerMessage.toFixed(0)} µs per message (one thread, first call included).`,
  ];
  console.log(`Language identification (detectLanguage, ELD) on ${path.relative(process.cwd(), values.data)}`);
  console.log(lines.join('\n'));
  console.log(summary.join('\n'));
  if (values.errors) console.log(`Misidentified:\n${errors.join('\n')}`);

  if (values.record) {
    const machine = machineInfo();
    appendResults(
      [
        `## Language identification accuracy — ${new Date().toISOString()}`,
        '',
        `Machine: ${describeMachine(machine)}. Command: \`npm run eval:language -- --record\`.`,
        `Sample: \`bench/data/language-sample.csv\`, ${total.n} short customer-service chat messages written for ` +
          `this check (${perLang.size} languages × 25; 1-20 words each, several of one or two words). ` +
          `'und' counts as wrong.`,
        '',
        ...lines,
        '',
        ...summary,
        '',
        'Short messages are where it fails: a greeting or "yes ok" is often the same word in several languages ' +
          '("hallo", "merhaba", "ciao"), and detectLanguage answers \'und\' below 4 characters by design ' +
          '("hi", "olá", "你好"). A conversation\'s language should come from its longer messages (or the ' +
          "customer's profile), not from a one-word message.",
      ].join('\n'),
    );
    console.log('Appended to bench/RESULTS.md');
  }
}

void main();
