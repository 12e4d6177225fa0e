// Intent benchmark: trains the intent architecture (hashbag-v1, src/inference/training) on any `text,label` CSV and
// scores it on another, in pure TypeScript (no Python, no native code). The label `oos` marks out-of-scope rows: when
// the training set has them, oos is learned as a class and a message is also rejected when its best in-scope
// probability is below --threshold. Progress goes to stderr; stdout gets exactly one line:
//   accuracy 0.xxxx macroF1 0.xxxx[ oosRecall 0.xxxx]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  CsvFormatError,
  exportOnnx,
  computeMetrics,
  formatDuration,
  formatResultLine,
  hashTexts,
  IntentClassifier,
  INTENT_RECIPE,
  OOS_LABEL,
  ProgressReporter,
  readLabelledCsv,
  type IntentTrainOptions,
} from '../src/inference/training/index.js';

const HELP = `Usage: npm run eval:intent -- --train <train.csv> --test <test.csv> [options]

Trains the intent model (hashbag-v1: hashed word/char n-gram embedding bag + linear softmax, an ensemble of
--members seeds averaged into one model) on the training CSV and prints, on stdout, one line:
  accuracy 0.xxxx macroF1 0.xxxx[ oosRecall 0.xxxx]
CSV files: UTF-8, a header with the columns "text" and "label" (RFC 4180 quoting; without a "label" column,
"category" as in Banking77's own files, or "intent", is the label). The label "oos" marks
out-of-scope rows. accuracy = share of in-scope test rows predicted correctly (a rejection counts wrong);
macroF1 = mean F1 over the in-scope test labels; oosRecall = share of oos test rows predicted oos (only when
the test set has oos rows). Progress, timings and the CPU cost per message go to stderr.

Options:
  --train <csv>        training set (required)
  --test <csv>         test set (required)
  --epochs <n>         training epochs per member (default ${INTENT_RECIPE.epochs})
  --seed <n>           seed of the first member; member k uses seed + k (default ${INTENT_RECIPE.seed})
  --threshold <p>      reject to oos when the best in-scope probability is below p (default ${INTENT_RECIPE.threshold})
  --dim <n>            embedding width per member (default ${INTENT_RECIPE.dim})
  --members <n>        ensemble size (default ${INTENT_RECIPE.members})
  --word-scale <w>     weight of word (vs char) n-gram rows in the bag (default ${INTENT_RECIPE.wordScale});
                       --members 1 --word-scale 1 = the hyperparameters of models/intent/train_generic.py
  --threads <n>        worker threads (default: min(members, cores) = ${Math.min(INTENT_RECIPE.members, cpus().length)})
  --sweep              also print (stderr) the metrics at other thresholds
  --out <dir>          also write the trained model as dir/model.onnx + dir/manifest.json (int8 table; the
                       format the runtime's OnnxTextClassifier loads)
  --help               this text

Exit codes: 0 success, 1 unreadable or invalid CSV, 2 bad arguments.`;

class UsageError extends Error {}

function numberOption(value: string | undefined, name: string, fallback: number, check: (n: number) => boolean) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`invalid --${name}: ${value}`);
  return n;
}

const isPositiveInt = (n: number) => Number.isInteger(n) && n >= 1;

function parseOptions(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        train: { type: 'string' },
        test: { type: 'string' },
        epochs: { type: 'string' },
        seed: { type: 'string' },
        threshold: { type: 'string' },
        dim: { type: 'string' },
        members: { type: 'string' },
        'word-scale': { type: 'string' },
        threads: { type: 'string' },
        sweep: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true as const };
  if (v.train === undefined || v.test === undefined) throw new UsageError('--train and --test are required');
  const members = numberOption(v.members, 'members', INTENT_RECIPE.members, isPositiveInt);
  const options: Partial<IntentTrainOptions> = {
    epochs: numberOption(v.epochs, 'epochs', INTENT_RECIPE.epochs, isPositiveInt),
    seed: numberOption(v.seed, 'seed', INTENT_RECIPE.seed, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32),
    threshold: numberOption(v.threshold, 'threshold', INTENT_RECIPE.threshold, (n) => n >= 0 && n <= 1),
    dim: numberOption(v.dim, 'dim', INTENT_RECIPE.dim, (n) => isPositiveInt(n) && n <= 4096),
    members,
    wordScale: numberOption(v['word-scale'], 'word-scale', INTENT_RECIPE.wordScale, (n) => n > 0 && n <= 100),
    threads: numberOption(v.threads, 'threads', Math.min(members, cpus().length), isPositiveInt),
  };
  return { help: false as const, train: v.train, test: v.test, sweep: v.sweep, out: v.out, options };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`eval:intent: ${err.message}\n\n${HELP}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const t0 = Date.now();
  let train;
  let test;
  try {
    train = readLabelledCsv(args.train);
    test = readLabelledCsv(args.test);
  } catch (err) {
    if (!(err instanceof CsvFormatError)) throw err;
    log(`eval:intent: ${err.message}`);
    return 1;
  }
  const classes = new Set(train.labels);
  if (classes.size < 2) {
    log(`eval:intent: ${args.train}: the training set needs at least 2 distinct labels (found ${classes.size})`);
    return 1;
  }
  const unknown = new Set(test.labels.filter((l) => !classes.has(l)));
  const nOosTest = test.labels.filter((l) => l === OOS_LABEL).length;
  log(
    `train ${train.texts.length} rows, ${classes.size} labels${classes.has(OOS_LABEL) ? ' (incl. oos)' : ''}; ` +
      `test ${test.texts.length} rows${nOosTest > 0 ? ` (${nOosTest} oos)` : ''}`,
  );
  if (unknown.size > 0) log(`warning: ${unknown.size} test label(s) never seen in training (always wrong)`);
  const o = args.options;
  log(
    `recipe: ${o.members} member(s) × dim ${o.dim}, ${o.epochs} epochs, word scale ${o.wordScale}, seed ${o.seed}, ` +
      `threshold ${o.threshold}, ` +
      `${o.threads} thread(s)`,
  );

  const progress = new ProgressReporter(process.stderr);
  const classifier = await IntentClassifier.train(train.texts, train.labels, o, (p) => progress.update(p));
  progress.done();
  const trainMs = Date.now() - t0;
  log(
    `trained in ${formatDuration(trainMs)} (${classifier.vocabulary.size - 1} feature rows, dim ${classifier.model.dim})`,
  );

  const probs = classifier.probabilities(hashTexts(test.texts));
  const predicted = classifier.decide(probs).map((p) => p.label);
  const metrics = computeMetrics(test.labels, predicted);
  if (args.sweep && classifier.oosIndex >= 0) {
    for (const th of [0, 0.3, 0.4, 0.5, 0.6, 0.7]) {
      const m = computeMetrics(
        test.labels,
        classifier.decide(probs, th).map((p) => p.label),
      );
      log(`  threshold ${th.toFixed(1)}: ${formatResultLine(m)}`);
    }
  }

  // CPU per message as the product would pay it: one message at a time, hashing included.
  const sample = test.texts.slice(0, 1000);
  classifier.predict(sample.slice(0, 50));
  const cpu0 = process.cpuUsage();
  for (const text of sample) classifier.predict([text]);
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, sample.length);
  log(
    `inference: ${cpuMs.toFixed(3)} ms CPU per message (batch 1, hashing included, ${sample.length} messages); ` +
      `total ${formatDuration(Date.now() - t0)}`,
  );
  if (args.out !== undefined) {
    const written = exportOnnx(classifier, args.out, {
      name: 'intent-bench',
      training: { train: args.train, rows: train.texts.length, ...o, metrics },
    });
    log(`wrote ${written.model} (${(written.bytes / 1e6).toFixed(1)} MB) and ${written.manifest}`);
  }
  process.stdout.write(`${formatResultLine(metrics)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`eval:intent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
