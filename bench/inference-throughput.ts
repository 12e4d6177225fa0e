// Inference benchmark (issue 4): full analysis (intent with per-clause multi-intent, sentiment, entities, language,
// sentence embedding) through the real InferencePool with ONE worker thread. First a closed loop finds the
// maximum messages/s; then an open loop at half that rate measures p50/p99 latency (submit → analysis back).
// Messages are real customer queries (Banking77 + CLINC150 + Bitext), read from the datasets folder if present.
//
//   npm run bench:inference [-- --seconds 10 --data ../shared/datasets --no-record]
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { build as buildHistogram } from 'hdr-histogram-js';
import pino from 'pino';
import { DEFAULT_MODELS_DIR } from '../src/config/index.js';
import { InferencePool } from '../src/inference/index.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { appendResults } from './lib/results-file.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`usage: npm run bench:inference -- [--seconds N] [--data DIR] [--batch N] [--depth N] [--rate N] [--no-bundle] [--no-record]

Full-analysis throughput with one inference worker (closed loop), then p50/p99 latency at half that rate.
--rate: the open loop's rate (default: half the measured maximum).
--depth: batches a worker may hold at once (the pool's pipelineDepth, default 2).
--no-bundle runs intent, sentiment and the encoder as three sessions instead of one merged session.`);
  process.exit(0);
}
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : fallback;
};
const SECONDS = Number(option('seconds', '10'));
const DATA = path.resolve(option('data', path.join(__dirname, '..', '..', 'shared', 'datasets')));
const MAX_BATCH = Number(option('batch', '64'));
const DEPTH = Number(option('depth', '2'));
/** A fixed open-loop rate instead of half the measured maximum (to compare settings at the same load). */
const FIXED_RATE = Number(option('rate', '0'));

function sampleTexts(): string[] {
  const texts: string[] = [];
  const banking = path.join(DATA, 'banking77', 'train.csv');
  if (existsSync(banking)) {
    // The file has CRLF line ends: split on them, or every text keeps its ",label\r" tail (it did until 2026-12-07).
    for (const line of readFileSync(banking, 'utf8').split(/\r?\n/).slice(1, 3001)) {
      const text = line.replace(/,[a-z_]+$/, '').replace(/^"|"$/g, '');
      if (text.trim() !== '') texts.push(text);
    }
  }
  const clinc = path.join(DATA, 'clinc150', 'train_val.json');
  if (existsSync(clinc)) {
    const json = JSON.parse(readFileSync(clinc, 'utf8')) as { val: Array<[string, string]> };
    texts.push(...json.val.slice(0, 3000).map(([t]) => t));
  }
  if (texts.length === 0) {
    texts.push(
      'where is my order 4711? it was due yesterday',
      'I was charged twice for my subscription, please refund $9.99',
      'can I talk to a human please, this bot is useless',
      'how do I reset my password',
      'thanks, that fixed it!',
    );
  }
  return texts;
}

async function main(): Promise<void> {
  const texts = sampleTexts();
  const machine = machineInfo();
  // Per batch during the open loop: the round trip and the worker's own time (the rest is thread hand-offs).
  const batchTimes = { on: false, roundTrip: [] as number[], work: [] as number[], sizes: [] as number[] };
  const pool = new InferencePool({
    modelsDir: DEFAULT_MODELS_DIR,
    workers: 1,
    maxBatch: MAX_BATCH,
    pipelineDepth: DEPTH,
    maxWaitMs: 0,
    maxQueue: 100_000,
    bundle: !args.includes('--no-bundle'),
    logger: pino({ level: 'warn' }),
    onBatch: (size, seconds, workSeconds) => {
      if (!batchTimes.on) return;
      batchTimes.sizes.push(size);
      batchTimes.roundTrip.push(seconds * 1000);
      batchTimes.work.push(workSeconds * 1000);
    },
  });
  await pool.start();
  process.stderr.write(`${texts.length} messages; warming up…\n`);
  await Promise.all(texts.slice(0, 500).map((t) => pool.analyze(t)));

  // Closed loop: keep 256 messages in flight for SECONDS.
  let done = 0;
  let i = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (Date.now() < deadline) {
        await pool.analyze(texts[i++ % texts.length] as string);
        done++;
        if (done % 5000 === 0) process.stderr.write(`\rclosed loop: ${done} messages`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const maxRate = done / seconds;
  process.stderr.write(`\nmax ${Math.round(maxRate)} msg/s; open loop at half…\n`);

  // Open loop at half the max rate: submit on a schedule, measure each message's latency.
  const rate = FIXED_RATE > 0 ? FIXED_RATE : maxRate / 2;
  const histogram = buildHistogram({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const total = Math.round(rate * SECONDS);
  batchTimes.on = true;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = t0 + (n / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      pool.analyze(texts[n % texts.length] as string).then(() => {
        histogram.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
      }),
    );
  }
  await Promise.all(pending);
  const stats = pool.stats;
  await pool.close();
  const p50 = histogram.getValueAtPercentile(50) / 1000;
  const p99 = histogram.getValueAtPercentile(99) / 1000;
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
  };
  const batches = (p: number) =>
    `${pct(batchTimes.sizes, p)} texts, ${pct(batchTimes.roundTrip, p).toFixed(2)} ms round trip, ${pct(batchTimes.work, p).toFixed(2)} ms in the worker`;
  const table = `| one inference worker | value |
|---|---|
| full analysis, max (closed loop, 256 in flight) | ${Math.round(maxRate).toLocaleString('en-US')} msg/s |
| worker time per message at max (1 thread, batches up to ${MAX_BATCH}) | ${((1000 / maxRate) * 1000).toFixed(0)} µs |
| open loop at ${Math.round(rate).toLocaleString('en-US')} msg/s: p50 | ${p50.toFixed(2)} ms |
| p99 | ${p99.toFixed(2)} ms |
| mean batch size | ${(stats.items / Math.max(1, stats.batches)).toFixed(1)} |
| open loop, batch size / round trip / worker's own time, each at p50 | ${batches(0.5)} |
| the same, each at p99 | ${batches(0.99)} |`;
  console.log(table);
  if (!args.includes('--no-record')) {
    appendResults(`## Inference: full analysis with one worker (${new Date().toISOString().slice(0, 10)})

Command: \`npm run bench:inference -- --seconds ${SECONDS}${args.includes('--no-bundle') ? ' --no-bundle' : ''}\`. Machine: ${describeMachine(machine)}. Models: ${Object.keys(
      {
        intent: 1,
        sentiment: 1,
        ...(existsSync(path.join(DEFAULT_MODELS_DIR, 'encoder', 'model.onnx')) ? { encoder: 1 } : {}),
      },
    ).join(' + ')} + entities + language; ${texts.length} real queries (Banking77, CLINC150).

${table}

Targets: ≥ 10,000 msg/s (${maxRate >= 10_000 ? 'met' : 'NOT met'}), p99 ≤ 5 ms at half rate (${p99 <= 5 ? 'met' : 'NOT met'}).`);
  }
}

void main();
