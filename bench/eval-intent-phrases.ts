// Intent phrase check: the default intent model run exactly as the node runs it (TextAnalyzer.load(modelsDir), the
// object the inference workers use) on short customer-service messages for every label of the taxonomy (`other` =
// requests outside customer service): bench/data/intent-phrases.tsv (the dev set, 4-6 per label, its misses looked at)
// or --file bench/data/intent-phrases-holdout.tsv (5 per label, written by a separate author who saw neither the
// training examples nor the dev set). models/intent/train.py leaves their texts out of the training pool. They catch
// what the held-out splits of the training sources cannot, because those splits share the sources' phrasing (e.g.
// Banking77's "cancel my order" rows labelled request_refund taught the model that cancelling means a refund).
// A prediction is right when the runtime's label (after the out-of-scope rejection) equals the gold label; gold
// `other` is right when the model answers `other` or rejects the message as out of scope.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { TextAnalyzer } from '../src/inference/text-analyzer.js';
import { readLabelledTsv } from './lib/labelled-tsv.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { appendResults } from './lib/results-file.js';

const PHRASES_FILE = path.join(__dirname, 'data', 'intent-phrases.tsv');
const OTHER = 'other';

const HELP = `Usage: npm run eval:intent-phrases -- [--models models] [--file ${path.relative(process.cwd(), PHRASES_FILE)}] [--json F] [--record]

Runs the intent model through the runtime (TextAnalyzer, as the node does) on hand-written customer-service
phrases (a TSV with the columns label, text) and prints the accuracy, the share answered with low confidence
(< 0.70) and every miss with the model's answer.
Options:
  --models DIR   models folder, as the node's modelsDir (default models/)
  --file F       the phrase set (default bench/data/intent-phrases.tsv)
  --record       append the figures as a new section at the end of bench/RESULTS.md
  --json F       also write every phrase's answer (gold, label, confidence, right) to F
  --help         this text
Exit codes: 0 done, 1 unreadable phrase set or models, 2 bad arguments.`;

interface Phrase {
  gold: string;
  text: string;
}

function readPhrases(file: string, labels: readonly string[]): Phrase[] {
  return readLabelledTsv(file, labels).map(({ label, text }) => ({ gold: label, text }));
}

interface Answer extends Phrase {
  label: string;
  confidence: number;
  right: boolean;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'models' },
      file: { type: 'string', default: PHRASES_FILE },
      record: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const t0 = Date.now();
  const analyzer = await TextAnalyzer.load(values.models, 1, {}, [], { embeddings: false });
  let phrases: Phrase[];
  try {
    phrases = readPhrases(values.file, analyzer.intentLabels);
  } catch (error) {
    await analyzer.close();
    throw error;
  }
  process.stderr.write(`${phrases.length} phrases, models from ${values.models} (${Date.now() - t0} ms)\n`);
  const analyses = await analyzer.analyze(phrases.map((p) => p.text));
  await analyzer.close();
  const answers: Answer[] = phrases.map((p, i) => {
    const intent = analyses[i]?.intent;
    if (intent === undefined) throw new Error(`no analysis for phrase ${i}`);
    const label = intent.outOfScope ? OTHER : intent.label;
    return { ...p, label, confidence: intent.confidence, right: label === p.gold };
  });
  const inScope = answers.filter((a) => a.gold !== OTHER);
  const other = answers.filter((a) => a.gold === OTHER);
  const right = (xs: Answer[]) => xs.filter((a) => a.right).length;
  const low = answers.filter((a) => a.confidence < 0.7).length;
  const lines = [
    `| set | phrases | right | accuracy |`,
    `|---|---|---|---|`,
    `| all | ${answers.length} | ${right(answers)} | ${percent(right(answers), answers.length)} |`,
    `| in-scope labels | ${inScope.length} | ${right(inScope)} | ${percent(right(inScope), inScope.length)} |`,
    `| other (outside customer service) | ${other.length} | ${right(other)} | ${percent(right(other), other.length)} |`,
    ``,
    `Low confidence (< 0.70): ${low} of ${answers.length} (${percent(low, answers.length)}).`,
  ];
  const misses = answers.filter((a) => !a.right);
  const missLines = misses.map((a) => `- "${a.text}": ${a.gold} read as ${a.label} (${a.confidence.toFixed(2)})`);
  console.log([...lines, '', `Misses (${misses.length}):`, ...missLines].join('\n'));
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(answers, null, 1)}\n`);
  if (values.record) {
    const file = path.relative(process.cwd(), values.file);
    const command = `npm run eval:intent-phrases -- --models ${values.models} --file ${file}`;
    appendResults(
      [
        `## Intent phrase check, ${new Date().toISOString().slice(0, 10)}`,
        '',
        `Machine: ${describeMachine(machineInfo())}. Command: \`${command}\`.`,
        '',
        ...lines,
        '',
        `Misses (${misses.length}):`,
        '',
        ...missLines,
      ].join('\n'),
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`eval:intent-phrases: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
