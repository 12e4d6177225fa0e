// Retrieval quality of the project's sentence encoder (models/encoder) against BM25 and TF-IDF, all measured in the
// same run on held-out data the encoder never trained on (the split rule is read from the encoder's manifest and
// recomputed here with the TypeScript feature hashing, so it is the same rule train.py applied). Also: HNSW
// (hnswlib-node) recall against exact cosine, few-shot nearest-centroid accuracy on intents the encoder never saw,
// and the encoder's CPU cost per message. Progress goes to stderr, the table to stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { HierarchicalNSW } from 'hnswlib-node';
import { fnv1a32Utf8, tokenizeForHashing } from '../src/inference/features/hashed-ngrams.js';
import { SentenceEncoder } from '../src/inference/sentence-encoder.js';
import { Bm25Index, TfidfIndex, type LexicalIndex } from './lib/bm25.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { appendResults } from './lib/results-file.js';
import { csvRows } from './lib/csv.js';

const REPO = path.resolve(__dirname, '..');

const HELP = `Usage: npm run eval:retrieval -- [options]

  --data DIR          datasets folder (default ../shared/datasets next to the repository)
  --model DIR         encoder folder with model.onnx + manifest.json (default models/encoder)
  --shots N           examples per unseen intent for the few-shot task (default 5)
  --no-hnsw           skip the HNSW (hnswlib-node) runs
  --no-append         do not append the results to bench/RESULTS.md
  --update-manifest   store the figures in the model's manifest.json under metrics.retrieval
  --help

Tasks (queries are held-out texts the encoder never trained on; see the manifest's "split"):
  kb27-faq          KB = the 27 Bitext answers of sample b (one per intent); query = held-out Bitext instruction;
                    relevant = its intent's answer
  kb-intent         KB = every distinct Bitext response (both samples); relevant = any response of the query's intent
  kb-own-answer     same KB, queries from sample a only; relevant = the query's own paired response (its text echoes
                    the instruction's wording and entity values: a lexical task)
  banking77-para,   corpus = training rows of the intents the encoder trained on; query = held-out row of such an
  clinc150-para     intent; relevant = any corpus row of the same intent
  *-unseen          intents the encoder never saw: N examples per intent (the first N in file order) are the
                    "custom intent config", the other rows are classified among those intents only
recall@k = share of queries with a relevant document in the top k (ties count against the query); MRR = mean of
1 / rank of the best-ranked relevant document.`;

// ------------------------------------------------------------------------------------------------------ data

function readCsv(file: string): Array<Record<string, string>> {
  const [header, ...rows] = csvRows(readFileSync(file, 'utf8'));
  return rows
    .filter((r) => r.length === header?.length)
    .map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
}

interface Labelled {
  text: string;
  intent: string;
}
interface BitextPair extends Labelled {
  response: string;
  sample: 'a' | 'b';
}

/** The omnicx-hash-v1 tokens joined by one space: the dedup and split key (same as train.py's token_key). */
const tokenKey = (text: string): string =>
  tokenizeForHashing(text)
    .map((t) => t.text)
    .join(' ');

/** Keeps the first occurrence of each token key and drops texts without any token (as train.py does). */
function dedup<T extends Labelled>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const key = tokenKey(x.text);
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface SplitSpec {
  heldOut: { salt: string; percent: number };
  unseenIntents: { salt: string; percent: number };
}

function loadData(dir: string) {
  const bitext = dedup(
    (['a', 'b'] as const).flatMap((sample) =>
      readCsv(path.join(dir, 'bitext', `bitext-sample-${sample}.csv`)).map((r): BitextPair => ({
        text: r.instruction ?? '',
        intent: r.intent ?? '',
        response: r.response ?? '',
        sample,
      })),
    ),
  );
  const banking77 = dedup(
    readCsv(path.join(dir, 'banking77', 'train.csv')).map((r) => ({ text: r.text ?? '', intent: r.category ?? '' })),
  );
  const clinc = JSON.parse(readFileSync(path.join(dir, 'clinc150', 'train_val.json'), 'utf8')) as Record<
    string,
    Array<[string, string]>
  >;
  const clinc150 = dedup([...(clinc.train ?? []), ...(clinc.val ?? [])].map(([text, intent]) => ({ text, intent })));
  return { bitext, banking77, clinc150 };
}

// ------------------------------------------------------------------------------------------------------ metrics

interface Figures {
  n: number;
  'recall@1': number;
  'recall@5': number;
  mrr: number;
}

/** 1-based rank of the best-scored relevant document; every non-relevant document scoring >= it ranks before it. */
function rankOf(scores: ArrayLike<number>, relevant: Set<number>): number {
  let best = -Infinity;
  for (const j of relevant) best = Math.max(best, scores[j] as number);
  let rank = 1;
  for (let j = 0; j < scores.length; j++) if ((scores[j] as number) >= best && !relevant.has(j)) rank++;
  return rank;
}

function summarize(ranks: number[]): Figures {
  const n = ranks.length;
  const share = (k: number) => ranks.filter((r) => r <= k).length / Math.max(1, n);
  return { n, 'recall@1': share(1), 'recall@5': share(5), mrr: ranks.reduce((s, r) => s + 1 / r, 0) / Math.max(1, n) };
}

/** Unit vectors packed row by row; dot products of one query with every row. */
class DenseIndex {
  readonly data: Float32Array;
  constructor(
    readonly vectors: Float32Array[],
    readonly dims: number,
  ) {
    this.data = new Float32Array(vectors.length * dims);
    vectors.forEach((v, i) => this.data.set(v, i * dims));
  }
  get size(): number {
    return this.vectors.length;
  }
  scores(q: Float32Array): Float32Array {
    const out = new Float32Array(this.size);
    const d = this.dims;
    for (let j = 0; j < this.size; j++) {
      let s = 0;
      const o = j * d;
      for (let i = 0; i < d; i++) s += (q[i] as number) * (this.data[o + i] as number);
      out[j] = s;
    }
    return out;
  }
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function encodeAll(encoder: SentenceEncoder, texts: string[], label: string): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const t0 = Date.now();
  for (let i = 0; i < texts.length; i += 64) {
    out.push(...(await encoder.encode(texts.slice(i, i + 64))));
    if (i % 4096 === 0 && i > 0) progress(`  ${label}: encoded ${i}/${texts.length}`);
  }
  progress(`  ${label}: encoded ${texts.length} texts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

interface Task {
  name: string;
  queries: string[];
  docs: string[];
  relevant: Array<Set<number>>;
}

interface TaskResult {
  task: string;
  docs: number;
  methods: Record<string, Figures>;
}

async function runTask(encoder: SentenceEncoder, task: Task, hnsw: boolean): Promise<TaskResult> {
  progress(`${task.name}: ${task.queries.length} queries, ${task.docs.length} documents`);
  const docVectors = await encodeAll(encoder, task.docs, `${task.name} documents`);
  const queryVectors = await encodeAll(encoder, task.queries, `${task.name} queries`);
  const dense = new DenseIndex(docVectors, encoder.dimensions);
  const methods: Record<string, Figures> = {};
  methods['encoder (exact cosine)'] = summarize(queryVectors.map((q, k) => rankOf(dense.scores(q), task.relevant[k]!)));
  for (const [name, build] of [
    ['BM25', (docs: string[]) => new Bm25Index(docs)],
    ['TF-IDF cosine', (docs: string[]) => new TfidfIndex(docs)],
  ] as Array<[string, (docs: string[]) => LexicalIndex]>) {
    const index = build(task.docs);
    methods[name] = summarize(task.queries.map((q, k) => rankOf(index.scores(q), task.relevant[k]!)));
  }
  if (hnsw && task.docs.length > 100) methods['encoder (HNSW)'] = runHnsw(dense, queryVectors, task);
  return { task: task.name, docs: task.docs.length, methods };
}

/**
 * The same vectors through hnswlib-node (cosine space, M 16, efConstruction 200, ef 64): recall@1/@5 of the task as
 * the ANN returns its top 5, and (in the notes) how much of the exact top 5 the ANN finds.
 */
function runHnsw(dense: DenseIndex, queries: Float32Array[], task: Task): Figures {
  const t0 = Date.now();
  const index = new HierarchicalNSW('cosine', dense.dims);
  index.initIndex(dense.size, 16, 200, 100);
  dense.vectors.forEach((v, i) => index.addPoint(Array.from(v), i));
  index.setEf(64);
  const built = Date.now() - t0;
  let overlap = 0;
  let searchNs = 0n;
  const ranks = queries.map((q, k) => {
    const point = Array.from(q);
    const t1 = process.hrtime.bigint();
    const { neighbors } = index.searchKnn(point, 5);
    searchNs += process.hrtime.bigint() - t1;
    const exact = [...dense.scores(q).entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    overlap += exact.filter(([j]) => neighbors.includes(j)).length / 5;
    const at = neighbors.findIndex((j) => task.relevant[k]!.has(j));
    return at < 0 ? Infinity : at + 1;
  });
  const searchMs = Number(searchNs) / 1e6 / queries.length;
  const f = summarize(ranks);
  hnswNotes.push(
    `${task.name}: HNSW built over ${dense.size} vectors in ${built} ms; top-5 overlap with exact cosine ` +
      `${((overlap / queries.length) * 100).toFixed(1)}%; searchKnn(5) ${searchMs.toFixed(3)} ms/query (wall)`,
  );
  return { ...f, mrr: NaN };
}
const hnswNotes: string[] = [];

// ------------------------------------------------------------------------------------------------------ few-shot

interface FewShotResult {
  task: string;
  intents: number;
  n: number;
  accuracy: Record<string, number>;
}

async function runFewShot(
  encoder: SentenceEncoder,
  name: string,
  rows: Labelled[],
  shots: number,
): Promise<FewShotResult> {
  const support = new Map<string, string[]>();
  const queries: Labelled[] = [];
  for (const row of rows) {
    const list = support.get(row.intent) ?? (support.set(row.intent, []), support.get(row.intent)!);
    if (list.length < shots) list.push(row.text);
    else queries.push(row);
  }
  const intents = [...support.keys()].sort();
  const shotTexts = intents.flatMap((i) => support.get(i)!);
  const shotIntent = intents.flatMap((i) => support.get(i)!.map(() => i));
  progress(`${name}: ${intents.length} unseen intents, ${shots} examples each, ${queries.length} queries`);
  const shotVectors = await encoder.encode(shotTexts);
  const queryVectors = await encodeAll(
    encoder,
    queries.map((q) => q.text),
    `${name} queries`,
  );
  const d = encoder.dimensions;
  const centroids = intents.map((intent) => {
    const c = new Float32Array(d);
    shotVectors.forEach((v, k) => {
      if (shotIntent[k] === intent) for (let i = 0; i < d; i++) c[i] = (c[i] as number) + (v[i] as number);
    });
    const norm = Math.hypot(...c) || 1;
    return c.map((x) => x / norm);
  });
  const accuracy: Record<string, number> = {};
  const argmax = (s: ArrayLike<number>) => {
    let best = 0;
    for (let i = 1; i < s.length; i++) if ((s[i] as number) > (s[best] as number)) best = i;
    return best;
  };
  const share = (predicted: string[]) => predicted.filter((p, k) => p === queries[k]!.intent).length / queries.length;
  const centroidIndex = new DenseIndex(centroids, d);
  accuracy['encoder, nearest centroid'] = share(queryVectors.map((q) => intents[argmax(centroidIndex.scores(q))]!));
  const nearest = (scores: ArrayLike<number>) => shotIntent[argmax(scores)]!;
  const shotIndex = new DenseIndex(shotVectors, d);
  accuracy['encoder, 1-NN'] = share(queryVectors.map((q) => nearest(shotIndex.scores(q))));
  const bm25 = new Bm25Index(shotTexts);
  accuracy['BM25, 1-NN'] = share(queries.map((q) => nearest(bm25.scores(q.text))));
  const tfidf = new TfidfIndex(shotTexts);
  accuracy['TF-IDF, 1-NN'] = share(queries.map((q) => nearest(tfidf.scores(q.text))));
  // TF-IDF "centroid": the intent whose examples have the highest mean cosine with the query
  accuracy['TF-IDF, mean cosine'] = share(
    queries.map((q) => {
      const s = tfidf.scores(q.text);
      const mean = intents.map((intent) => shotIntent.reduce((acc, i, k) => acc + (i === intent ? s[k]! : 0), 0));
      return intents[argmax(mean)]!;
    }),
  );
  return { task: name, intents: intents.length, n: queries.length, accuracy };
}

// ------------------------------------------------------------------------------------------------------ cost

interface Cost {
  messages: number;
  hashingMs: number;
  onnxMs: number;
  totalMs: number;
  wallMs: number;
}

/** CPU time per message, one message per call (batch 1), intraOpNumThreads 1, hashing and the model separately. */
async function measureCost(encoder: SentenceEncoder, texts: string[]): Promise<Cost> {
  for (const t of texts.slice(0, 200)) await encoder.encode([t]); // warm-up
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let c0 = cpu();
  const rows = texts.map((t) => encoder.ids(t));
  const hashingMs = (cpu() - c0) / texts.length;
  c0 = cpu();
  const w0 = process.hrtime.bigint();
  for (const r of rows) await encoder.encodeIds([r]);
  const onnxMs = (cpu() - c0) / texts.length;
  const wallMs = Number(process.hrtime.bigint() - w0) / 1e6 / texts.length;
  return { messages: texts.length, hashingMs, onnxMs, totalMs: hashingMs + onnxMs, wallMs };
}

// ------------------------------------------------------------------------------------------------------ main

const fmt = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(3));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: path.resolve(REPO, '..', 'shared', 'datasets') },
      model: { type: 'string', default: path.join(REPO, 'models', 'encoder') },
      shots: { type: 'string', default: '5' },
      'no-hnsw': { type: 'boolean', default: false },
      'no-append': { type: 'boolean', default: false },
      'update-manifest': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const shots = Number(values.shots);
  const started = Date.now();
  const manifestPath = path.join(values.model, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { split: SplitSpec } & Record<string, unknown>;
  const split = manifest.split;
  const heldOut = (text: string) =>
    fnv1a32Utf8(`${split.heldOut.salt}|${tokenKey(text)}`) % 100 < split.heldOut.percent;
  const unseen = (source: string, intent: string) =>
    fnv1a32Utf8(`${split.unseenIntents.salt}|${source}|${intent}`) % 100 < split.unseenIntents.percent;

  progress(`loading ${values.data}`);
  const data = loadData(values.data);
  const encoder = await SentenceEncoder.load(values.model, { intraOpNumThreads: 1 });
  const hnsw = !values['no-hnsw'];

  const bitextQueries = data.bitext.filter((x) => heldOut(x.text));
  const faq = [...new Map(data.bitext.filter((x) => x.sample === 'b').map((x) => [x.intent, x.response]))].sort(
    (a, b) => (a[0] < b[0] ? -1 : 1),
  );
  const kb = [...new Set(data.bitext.map((x) => x.response))].sort();
  const kbIndex = new Map(kb.map((r, i) => [r, i]));
  const byIntent = new Map<string, Set<number>>();
  for (const x of data.bitext) {
    const set = byIntent.get(x.intent) ?? (byIntent.set(x.intent, new Set()), byIntent.get(x.intent)!);
    set.add(kbIndex.get(x.response)!);
  }
  const ownQueries = bitextQueries.filter((x) => x.sample === 'a');
  const tasks: Task[] = [
    {
      name: 'kb27-faq',
      queries: bitextQueries.map((x) => x.text),
      docs: faq.map(([, r]) => r),
      relevant: bitextQueries.map((x) => new Set([faq.findIndex(([intent]) => intent === x.intent)])),
    },
    {
      name: 'kb-intent',
      queries: bitextQueries.map((x) => x.text),
      docs: kb,
      relevant: bitextQueries.map((x) => byIntent.get(x.intent)!),
    },
    {
      name: 'kb-own-answer',
      queries: ownQueries.map((x) => x.text),
      docs: kb,
      relevant: ownQueries.map((x) => new Set([kbIndex.get(x.response)!])),
    },
  ];
  for (const source of ['banking77', 'clinc150'] as const) {
    const rows = data[source].filter((x) => !unseen(source, x.intent));
    const corpus = rows.filter((x) => !heldOut(x.text));
    const queries = rows.filter((x) => heldOut(x.text));
    const rel = new Map<string, Set<number>>();
    corpus.forEach((x, j) => (rel.get(x.intent) ?? (rel.set(x.intent, new Set()), rel.get(x.intent)!)).add(j));
    tasks.push({
      name: `${source}-para`,
      queries: queries.map((x) => x.text),
      docs: corpus.map((x) => x.text),
      relevant: queries.map((x) => rel.get(x.intent)!),
    });
  }

  const results: TaskResult[] = [];
  for (const task of tasks) results.push(await runTask(encoder, task, hnsw));
  const fewShot: FewShotResult[] = [];
  for (const source of ['banking77', 'clinc150'] as const) {
    fewShot.push(
      await runFewShot(
        encoder,
        `${source}-unseen`,
        data[source].filter((x) => unseen(source, x.intent)),
        shots,
      ),
    );
  }
  progress('encode cost (batch 1, 1 thread)');
  const costTexts = [...bitextQueries, ...tasks[3]!.queries.map((text) => ({ text })), ...tasks[4]!.queries]
    .map((x) => (typeof x === 'string' ? x : x.text))
    .slice(0, 2000);
  const cost = await measureCost(encoder, costTexts);
  await encoder.close();

  // ---- report
  const machine = describeMachine(machineInfo());
  const command = `npm run eval:retrieval${values['no-hnsw'] ? ' -- --no-hnsw' : ''}`;
  const table = [
    '| task | documents | queries | method | recall@1 | recall@5 | MRR |',
    '|---|---|---|---|---|---|---|',
    ...results.flatMap((r) =>
      Object.entries(r.methods).map(
        ([m, f]) =>
          `| ${r.task} | ${r.docs} | ${f.n} | ${m} | ${fmt(f['recall@1'])} | ${fmt(f['recall@5'])} | ${fmt(f.mrr)} |`,
      ),
    ),
  ].join('\n');
  const methodsFew = Object.keys(fewShot[0]?.accuracy ?? {});
  const fewTable = [
    `| task (${shots} examples per intent) | intents | queries | ${methodsFew.join(' | ')} |`,
    `|---|---|---|${methodsFew.map(() => '---').join('|')}|`,
    ...fewShot.map(
      (f) => `| ${f.task} | ${f.intents} | ${f.n} | ${methodsFew.map((m) => fmt(f.accuracy[m]!)).join(' | ')} |`,
    ),
  ].join('\n');
  const costLine =
    `Encoder cost, batch 1, intraOpNumThreads 1, ${cost.messages} held-out messages: ` +
    `**${cost.onnxMs.toFixed(3)} ms CPU/message** for the model (session.run + tensors), ` +
    `${cost.hashingMs.toFixed(3)} ms for the feature hashing (shared with the classifiers), ` +
    `${cost.totalMs.toFixed(3)} ms together; wall ${cost.wallMs.toFixed(3)} ms/message for the model.`;
  const out = [
    `Encoder ${path.relative(REPO, values.model) || values.model} (${encoder.dimensions} dimensions), held-out split from its manifest.`,
    '',
    table,
    '',
    fewTable,
    '',
    costLine,
    ...(hnswNotes.length > 0 ? ['', ...hnswNotes.map((n) => `- ${n}`)] : []),
  ].join('\n');
  console.log(out);
  progress(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  if (!values['no-append']) {
    appendResults(
      [
        `## Retrieval: sentence encoder vs BM25 / TF-IDF — ${new Date().toISOString()}`,
        '',
        `Machine: ${machine}. Command: \`${command}\`.`,
        'Queries are held-out texts the encoder never trained on (manifest `split`); BM25 (k1 1.2, b 0.75) and',
        'TF-IDF (sublinear tf, smoothed idf) are bench/lib/bm25.ts over the same documents. Task definitions:',
        '`npm run eval:retrieval -- --help`. recall@k: a relevant document in the top k (ties count against).',
        '',
        out,
      ].join('\n'),
    );
    progress('appended to bench/RESULTS.md');
  }
  if (values['update-manifest']) {
    const fresh = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const metrics = (fresh.metrics ?? {}) as Record<string, unknown>;
    metrics.retrieval = {
      command,
      date: new Date().toISOString().slice(0, 10),
      machine,
      definitions: 'npm run eval:retrieval -- --help',
      tasks: results,
      fewShot,
      hnsw: hnswNotes,
      encodeCost: cost,
    };
    fresh.metrics = metrics;
    writeFileSync(manifestPath, `${JSON.stringify(fresh, (_k, v: unknown) => (Number.isNaN(v) ? null : v), 1)}\n`);
    progress(`stored the figures in ${manifestPath}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
