// End-to-end bench harness (issue 6): simulated customers send signed provider webhooks (WhatsApp, Twilio SMS,
// Telegram, Messenger) at a fixed rate from one process, simulated agents accept, reply and resolve over real
// socket.io clients from another, and the OmniCX node runs in a third, all on 127.0.0.1. Prints a progress bar, then
// a summary (throughput, webhook → agent-offered latency percentiles, per-step latencies, errors, lost and duplicated
// messages, the node's memory and CPU), writes an HTML report and raw JSON under bench/results/, and appends the
// summary to bench/RESULTS.md. See `npm run bench -- --help`.
import { fork, type ChildProcess } from 'node:child_process';
import { execSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { freePort, startNodeProcess, stopNodeProcess, TSX, type NodeProcess } from './lib/node-process.js';
import { appendResults, saveRaw } from './lib/results-file.js';
import {
  CHANNELS,
  webhookEnv,
  type AgentsConfig,
  type AgentsDone,
  type AgentsReset,
  type AgentTick,
  type BenchChannel,
  type CustomersConfig,
  type CustomersDone,
  type CustomerTick,
  type VerifyResult,
} from './harness/protocol.js';
import { ninesX, renderReport, type Series } from './harness/report.js';

const HELP = `Usage: npm run bench -- [options]

End to end on 127.0.0.1: customers (signed webhooks, one process) → OmniCX node (another) → agents over socket.io
(a third) that accept, reply and resolve. Then every acknowledged message is checked: stored exactly once, analysed.

  --conversations N   distinct customers (each one conversation)            default 2000
  --rate N            inbound messages per second (open loop)               default 200
  --duration S        seconds of load                                       default 15
  --agents N          agents connected over socket.io                       default 20
  --channels LIST     of ${CHANNELS.join(',')}                default all four
  --escalate F        fraction of customers asking for a human              default 0.2
  --handle-ms N       agent handle time: offer accepted → reply → resolve   default 500
  --capacity N        conversations per agent                               default 5
  --shards N          shards of the node                                    default: node's default (cores)
  --shard-mode M      inline | workers (SHARD_MODE; --kill-worker needs workers)   default: node's default
  --connections N     keep-alive connections of the customers' process      default 64
  --no-analysis       run the node with INFERENCE_ENABLED=0
  --baseline          also measure, in this run, the bare uWS ceiling and the pipeline with analysis off (cost ratios)
  --find-max          raise the rate (×1.5 from --rate, then bisect) until p99 (webhook → offered, and → 2xx)
                      exceeds --p99-bound, or achieved < 95 % of the rate; report the sustainable rate.
                      Each step writes to customers no earlier step wrote to (while --conversations lasts)
                      and starts once the node's backlog gauges read zero
  --p99-bound MS      default 50
  --warmup S          with --find-max: seconds of unmeasured load at half the starting rate first  default 10
  --kill-worker       kill -9 a shard worker halfway (fault injection endpoint) and verify nothing lost/duplicated
  --kill-node         kill -9 the whole node halfway; the harness restarts it; customers retry as providers do
  --verify-sample N   verify only N customers (0 = all)                     default 0
  --retry-for S       customers keep retrying a message (5xx, 503 past capacity) this long  default 120
  --resend N          acknowledged webhooks resent as is (must be deduplicated)  default 200
  --out NAME          result file prefix under bench/results/               default harness
  --no-record         do not append to bench/RESULTS.md
  --help`;

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '15' },
    agents: { type: 'string', default: '20' },
    channels: { type: 'string', default: CHANNELS.join(',') },
    escalate: { type: 'string', default: '0.2' },
    'handle-ms': { type: 'string', default: '500' },
    capacity: { type: 'string', default: '5' },
    shards: { type: 'string' },
    'shard-mode': { type: 'string' },
    connections: { type: 'string', default: '64' },
    'no-analysis': { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    'find-max': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '10' },
    'p99-bound': { type: 'string', default: '50' },
    'kill-worker': { type: 'boolean', default: false },
    'kill-node': { type: 'boolean', default: false },
    'verify-sample': { type: 'string', default: '0' },
    'retry-for': { type: 'string', default: '120' },
    resend: { type: 'string', default: '200' },
    out: { type: 'string', default: 'harness' },
    'no-record': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const opt = {
  conversations: Number(values.conversations),
  rate: Number(values.rate),
  duration: Number(values.duration),
  agents: Number(values.agents),
  channels: values.channels.split(',').map((c) => c.trim()) as BenchChannel[],
  escalate: Number(values.escalate),
  handleMs: Number(values['handle-ms']),
  capacity: Number(values.capacity),
  shards: values.shards,
  // Killing a shard worker needs shards in worker threads.
  shardMode: values['kill-worker'] ? 'workers' : values['shard-mode'],
  connections: Number(values.connections),
  analysis: !values['no-analysis'],
  p99Bound: Number(values['p99-bound']),
  verifySample: Number(values['verify-sample']),
  retryForMs: Number(values['retry-for']) * 1000,
  resend: Number(values.resend),
  warmup: Number(values.warmup),
};
for (const c of opt.channels) if (!CHANNELS.includes(c)) throw new Error(`unknown channel ${c}`);
const RUN_ID = Date.now().toString(36).slice(-6);
const HERE = __dirname;

// ---------- child processes ----------

interface Child<T extends { type: string }> {
  child: ChildProcess;
  next: <K extends T['type']>(type: K) => Promise<Extract<T, { type: K }>>;
  onTick: (cb: (tick: Extract<T, { type: 'tick' }>) => void) => void;
  exited: Promise<void>;
}

function forkChild<T extends { type: string }>(script: string, config: unknown): Child<T> {
  const child = fork(path.join(HERE, 'harness', script), [JSON.stringify(config)], {
    execArgv: ['--require', TSX],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, Array<(m: T) => void>>();
  const buffered: T[] = [];
  let tickCb: ((m: Extract<T, { type: 'tick' }>) => void) | undefined;
  child.on('message', (m: T) => {
    if (m.type === 'tick') {
      tickCb?.(m as Extract<T, { type: 'tick' }>);
      return;
    }
    const list = waiting.get(m.type);
    if (list !== undefined && list.length > 0) list.shift()?.(m);
    else buffered.push(m);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    next: (type) =>
      new Promise((resolve, reject) => {
        const i = buffered.findIndex((m) => m.type === type);
        if (i >= 0) {
          resolve(buffered.splice(i, 1)[0] as never);
          return;
        }
        const list = waiting.get(type) ?? [];
        list.push(resolve as (m: T) => void);
        waiting.set(type, list);
        void exited.then(() => reject(new Error(`${script} exited before sending ${type}`)));
      }),
    onTick: (cb) => (tickCb = cb),
    exited,
  };
}

// ---------- the node's memory and CPU from /proc ----------

interface ProcSample {
  t: number;
  rssMiB: number;
  /** The anonymous part of RSS (JS heaps, native allocations); the rest is file pages (LMDB's map, code). */
  anonMiB: number;
  cpuPct: number;
}

class ProcSampler {
  readonly samples: ProcSample[] = [];
  peakRssMiB = 0;
  cpuSeconds = 0;
  /** CPU seconds of the node's main thread alone (uWS, socket.io, routing, coordination): the usual bottleneck. */
  mainCpuSeconds = 0;
  private last: { at: number; ticks: number; mainTicks: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly start = Date.now();
  constructor(private pid: number) {}
  begin(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }
  switchTo(pid: number): void {
    this.pid = pid;
    this.last = undefined;
  }
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
  /** CPU seconds used so far, sampled now. */
  cpuNow(): number {
    this.sample();
    return this.cpuSeconds;
  }
  /** CPU seconds of the main thread so far, sampled now. */
  mainCpuNow(): number {
    this.sample();
    return this.mainCpuSeconds;
  }
  private sample(): void {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const anon = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const mainStat = readFileSync(`/proc/${this.pid}/task/${this.pid}/stat`, 'utf8');
      const mainFields = mainStat.slice(mainStat.lastIndexOf(')') + 2).split(' ');
      const mainTicks = Number(mainFields[11]) + Number(mainFields[12]);
      const now = Date.now();
      let pct = 0;
      if (this.last !== undefined) {
        pct = ((ticks - this.last.ticks) / 100 / ((now - this.last.at) / 1000)) * 100;
        this.cpuSeconds += (ticks - this.last.ticks) / 100;
        this.mainCpuSeconds += (mainTicks - this.last.mainTicks) / 100;
      }
      this.last = { at: now, ticks, mainTicks };
      this.peakRssMiB = Math.max(this.peakRssMiB, rss);
      this.samples.push({ t: (now - this.start) / 1000, rssMiB: rss, anonMiB: anon, cpuPct: pct });
    } catch {
      // the process is gone (killed on purpose); the next switchTo() resumes
    }
  }
}

// ---------- progress ----------

const tty = process.stderr.isTTY === true;
let lastLine = 0;
function progress(label: string, t: number, total: number, parts: string[]): void {
  const width = 24;
  const filled = Math.min(width, Math.round((t / Math.max(1, total)) * width));
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${t}/${total} s  ${parts.join('  ')}`;
  if (tty)
    process.stderr.write(
      `\r${line.slice(0, (process.stderr.columns ?? 160) - 1).padEnd(Math.min(159, (process.stderr.columns ?? 160) - 1))}`,
    );
  else if (Date.now() - lastLine >= 5000 || t >= total) {
    lastLine = Date.now();
    process.stderr.write(`${line}\n`);
  }
}
const endProgress = () => tty && process.stderr.write('\n');

// ---------- figures ----------

interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

function percentiles(h: Histogram | undefined): Percentiles {
  if (h === undefined || h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const ms = (v: number) => Math.round(v / 10) / 100;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

function curve(h: Histogram | undefined): Array<[number, number]> {
  if (h === undefined || h.totalCount === 0) return [];
  const points: Array<[number, number]> = [];
  for (const p of [0, 10, 25, 50, 75, 90, 95, 97, 98, 99, 99.5, 99.7, 99.9, 99.95, 99.99]) {
    if (p > 99.9 && h.totalCount < 10_000) break;
    points.push([ninesX(p), Math.max(0.01, h.getValueAtPercentile(p) / 1000)]);
  }
  return points;
}

interface StepFigures {
  label: string;
  kind: 'bare' | 'pipeline';
  analysis: boolean;
  rate: number;
  durationSec: number;
  customers?: CustomersDone;
  agents?: AgentsDone;
  verify?: VerifyResult;
  ticks: { customers: CustomerTick[]; agents: AgentTick[] };
  ack: Percentiles;
  /** The accepted attempt's own send → 2xx, and send → 503 of the attempts refused past capacity. */
  ackAttempt: Percentiles;
  refusal: Percentiles;
  offer: Percentiles;
  live: Percentiles;
  acceptRtt: Percentiles;
  steps: Record<string, Percentiles>;
  achievedRps: number;
  cpuSeconds: number;
  cpuMsPerMessage: number;
  /** The main thread's share of it. */
  mainCpuMsPerMessage: number;
  peakRssMiB: number;
  /** Peak of the anonymous part alone: memory the node holds, as opposed to LMDB file pages the kernel may drop. */
  peakAnonMiB: number;
  proc: ProcSample[];
  events: Array<{ t: number; label: string }>;
  metrics: Record<string, number>;
  /** Seconds between the two /metrics scrapes that `metrics` is the difference of. */
  metricsWindowSec: number;
  histograms: { ack?: Histogram; offer?: Histogram };
  restartMs?: number;
  /** Replies (agents' answers, expected-wait notices) the provider server accepted during the step. */
  providerDeliveries: number;
}

/** The node's `/metrics` samples as name, label text (`{…}` or empty) and value; empty when the node is gone. */
async function metricSamples(base: string): Promise<Array<{ name: string; labels: string; value: number }>> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const out: Array<{ name: string; labels: string; value: number }> = [];
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.e+-]+)$/.exec(line);
      if (m !== null) out.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) });
    }
    return out;
  } catch {
    return []; // node gone
  }
}

/** Counters from the Prometheus text we report: routing decisions, analysis outcomes, duplicates, shard restarts. */
async function scrape(base: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const reported =
    /^(omnicx_routing_decisions_total|omnicx_analysis_total|omnicx_messages_ingested_total|omnicx_shard_restarts_total|omnicx_pipeline_step_seconds_(?:sum|count)|omnicx_thread_(?:cpu|runqueue_wait)_seconds_total)$/;
  for (const { name, labels: all, value } of await metricSamples(base)) {
    if (!reported.test(name)) continue;
    const labels = all.replace(/channel="[^"]*",?/, '');
    const key = `${name}${labels === '{}' ? '' : labels}`;
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

// ---------- a node with its agents ----------

interface Session {
  base: string;
  node: NodeProcess;
  env: Record<string, string>;
  dataDir: string;
  agents?: Child<AgentsDone | AgentTick | { type: 'ready' }>;
  sampler: ProcSampler;
  /** The local provider server the node's replies go to (pipeline sessions). */
  providerBase?: string;
  stop: () => Promise<void>;
}

/** Messages the local provider server has accepted so far (0 when there is none). */
async function providerCount(session: Session): Promise<number> {
  if (session.providerBase === undefined) return 0;
  try {
    return Number(await (await fetch(`${session.providerBase}/count`)).text());
  } catch {
    return 0;
  }
}

async function startSession(kind: 'bare' | 'pipeline', analysis: boolean): Promise<Session> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = path.join(tmpdir(), `omnicx-harness-${process.pid}-${Date.now()}`);
  if (kind === 'bare') {
    const node = await startNodeProcess({ PORT: String(port) }, { script: path.join(HERE, 'bare-uws-server.ts') });
    const sampler = new ProcSampler(node.child.pid ?? 0);
    sampler.begin();
    return {
      base,
      node,
      env: {},
      dataDir,
      sampler,
      stop: async () => {
        sampler.stop();
        await stopNodeProcess(node);
      },
    };
  }
  // Replies (agents' answers, expected-wait notices) go to a local server speaking each provider's send API, as the
  // clouds would answer them: without it every delivery would fail, retry and log, which no real node does.
  const providerPort = await freePort();
  const provider = await startNodeProcess(
    { PORT: String(providerPort) },
    { script: path.join(HERE, 'provider-server.ts'), readyPath: '/health' },
  );
  const providerBase = `http://127.0.0.1:${providerPort}`;
  const env: Record<string, string> = {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    WHATSAPP_API_BASE_URL: providerBase,
    WHATSAPP_ACCESS_TOKEN: 'bench-token',
    WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
    META_API_BASE_URL: providerBase,
    META_PAGE_ACCESS_TOKEN: 'bench-page-token',
    TWILIO_API_BASE_URL: providerBase,
    TWILIO_ACCOUNT_SID: 'ACbench',
    TWILIO_FROM_NUMBER: '+15550000000',
    TELEGRAM_API_BASE_URL: providerBase,
    TELEGRAM_BOT_TOKEN: '123456:bench',
    INFERENCE_ENABLED: analysis ? '1' : '0',
    OMNICX_FAULT_INJECTION: '1',
    AGENT_MAX_CONCURRENT: String(opt.capacity),
    OFFER_TIMEOUT_MS: '10000',
    ...webhookEnv(base),
    ...(opt.shards === undefined ? {} : { SHARDS: opt.shards }),
    ...(opt.shardMode === undefined ? {} : { SHARD_MODE: opt.shardMode }),
  };
  process.stderr.write(`  starting node on ${base} (analysis ${analysis ? 'on' : 'off'})…\n`);
  const node = await startNodeProcess(env, { readyTimeoutMs: 180_000 }).catch(async (error: unknown) => {
    await stopNodeProcess(provider); // a node that cannot start must not leave the provider server running
    throw error;
  });
  const sampler = new ProcSampler(node.child.pid ?? 0);
  sampler.begin();
  const agentsConfig: AgentsConfig = {
    base,
    agents: opt.agents,
    handleMs: opt.handleMs,
    acceptDelayMs: 0,
    capacity: opt.capacity,
  };
  const agents = forkChild<AgentsDone | AgentTick | { type: 'ready' }>('agents.ts', agentsConfig);
  process.stderr.write(`  connecting ${opt.agents} agents over socket.io…\n`);
  await agents.next('ready');
  const session: Session = {
    base,
    node,
    env,
    dataDir,
    agents,
    sampler,
    providerBase,
    stop: async () => {
      agents.child.send({ type: 'stop' });
      await Promise.race([agents.exited, new Promise((r) => setTimeout(r, 5000))]);
      sampler.stop();
      await stopNodeProcess(session.node);
      await stopNodeProcess(provider);
      if (process.env.BENCH_KEEP_DATA !== '1') rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return session;
}

interface StepOptions {
  label: string;
  rate: number;
  durationSec: number;
  kOffset: number;
  /** First customer of the step (see CustomersConfig.customerOffset); 0 unless a find-max step follows others. */
  customerOffset?: number;
  killWorker?: boolean;
  killNode?: boolean;
  verify: boolean;
  analysis: boolean;
}

/** Backlog gauges that must read zero before a step starts: commits, inference, analysis, routing queues, outbox. */
const BACKLOG_GAUGES = [
  'omnicx_ingest_in_flight',
  'omnicx_inference_queue',
  'omnicx_analysis_waiting',
  'omnicx_queue_depth',
  'omnicx_outbox_backlog',
];

/**
 * Waits until the node has worked off what earlier steps left (every backlog gauge at zero on two scrapes in a
 * row), so a step after an overloaded one measures its own rate and not the previous step's queue. Returns the
 * seconds it took, or undefined when the backlog had not cleared within the timeout.
 */
async function waitForDrain(base: string, timeoutMs = 90_000): Promise<number | undefined> {
  const started = Date.now();
  let quiet = 0;
  while (Date.now() - started < timeoutMs) {
    const samples = await metricSamples(base);
    // No samples: the node did not answer, so nothing is known to be drained.
    let backlog = samples.length === 0 ? Infinity : 0;
    for (const { name, value } of samples) if (BACKLOG_GAUGES.includes(name)) backlog += value;
    quiet = backlog === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

async function runStep(session: Session, kind: 'bare' | 'pipeline', s: StepOptions): Promise<StepFigures> {
  const reset: AgentsReset = { type: 'reset', since: Date.now() };
  session.agents?.child.send(reset);
  const before = kind === 'pipeline' ? await scrape(session.base) : {};
  const scrapedBeforeAt = Date.now();
  const deliveredBefore = await providerCount(session);
  const cpuBefore = session.sampler.cpuSeconds;
  const mainCpuBefore = session.sampler.mainCpuSeconds;
  const procFrom = session.sampler.samples.length;
  const config: CustomersConfig = {
    base: session.base,
    target: kind === 'bare' ? 'bare' : 'node',
    channels: opt.channels,
    conversations: opt.conversations,
    rate: s.rate,
    durationSec: s.durationSec,
    escalate: opt.escalate,
    runId: RUN_ID,
    kOffset: s.kOffset,
    customerOffset: s.customerOffset ?? 0,
    connections: opt.connections,
    maxInflight: Math.max(2000, s.rate * 2),
    retryForMs: opt.retryForMs,
  };
  const ticks: StepFigures['ticks'] = { customers: [], agents: [] };
  const events: StepFigures['events'] = [];
  const customers = forkChild<CustomersDone | CustomerTick | VerifyResult>('customers.ts', config);
  const startedAt = Date.now();
  let restartMs: number | undefined;
  let lastAgent: AgentTick | undefined;
  const show = (t: number) => {
    const c = ticks.customers.at(-1);
    const rss = session.sampler.samples.at(-1);
    progress(s.label, Math.min(t, s.durationSec), s.durationSec, [
      `sent ${c?.sent ?? 0}/s`,
      `2xx ${c?.acked ?? 0}/s p99 ${(c?.ackP99 ?? 0).toFixed(1)} ms`,
      ...(kind === 'pipeline'
        ? [`offers ${lastAgent?.offers ?? 0}/s p99 ${(lastAgent?.offerP99 ?? 0).toFixed(1)} ms`]
        : []),
      `err ${c?.errors ?? 0} retry ${c?.retries ?? 0}`,
      `node ${Math.round(rss?.rssMiB ?? 0)} MiB ${Math.round(rss?.cpuPct ?? 0)}% cpu`,
    ]);
  };
  customers.onTick((tick) => {
    ticks.customers.push(tick);
    show(tick.t);
  });
  const agentTick = (tick: AgentTick) => {
    lastAgent = { ...tick, t: Math.round((Date.now() - startedAt) / 1000) };
    ticks.agents.push(lastAgent);
  };
  session.agents?.onTick(agentTick);

  let fault: Promise<void> = Promise.resolve();
  if (s.killWorker || s.killNode) {
    fault = new Promise<void>((resolve) =>
      setTimeout(
        () => {
          const t = (Date.now() - startedAt) / 1000;
          if (s.killWorker) {
            events.push({ t, label: 'kill -9 shard 0' });
            void fetch(`${session.base}/v1/admin/shards/0/crash`, { method: 'POST' }).then(
              () => resolve(),
              () => resolve(),
            );
            return;
          }
          events.push({ t, label: 'kill -9 node' });
          const killedAt = Date.now();
          session.node.child.kill('SIGKILL');
          void session.node.exited
            .then(() => startNodeProcess(session.env, { readyTimeoutMs: 180_000 }))
            .then((node) => {
              session.node = node;
              session.sampler.switchTo(node.child.pid ?? 0);
              restartMs = Date.now() - killedAt;
              events.push({ t: (Date.now() - startedAt) / 1000, label: `node back (${restartMs} ms)` });
              resolve();
            });
        },
        (s.durationSec * 1000) / 2,
      ),
    );
  }
  const done = await customers.next('done');
  await fault;
  endProgress();
  let agentsDone: AgentsDone | undefined;
  if (session.agents !== undefined) {
    // Let the last offers arrive.
    await new Promise((r) => setTimeout(r, 2000));
    session.agents.child.send({ type: 'report' });
    agentsDone = (await session.agents.next('done')) as AgentsDone;
  }
  // CPU of the load itself (and its 2 s drain), before verification adds its own lookups.
  const cpuSeconds = session.sampler.cpuNow() - cpuBefore;
  const mainCpuSeconds = session.sampler.mainCpuSeconds - mainCpuBefore;
  let verify: VerifyResult | undefined;
  if (s.verify && kind === 'pipeline') {
    process.stderr.write(`  verifying every acknowledged message (stored once${s.analysis ? ', analysed' : ''})…\n`);
    customers.child.send({
      type: 'verify',
      analysis: s.analysis,
      resend: opt.resend,
      sampleCustomers: opt.verifySample,
      analysisWaitMs: 180_000,
    });
    verify = await customers.next('verified');
    if (tty) process.stderr.write('\n');
  }
  customers.child.send({ type: 'exit' });
  await customers.exited;
  const after = kind === 'pipeline' ? await scrape(session.base) : {};
  const metricsWindowSec = (Date.now() - scrapedBeforeAt) / 1000;
  const providerDeliveries = (await providerCount(session)) - deliveredBefore;
  const ack = decodeFromCompressedBase64(done.ack);
  const offer = agentsDone === undefined ? undefined : decodeFromCompressedBase64(agentsDone.offer);
  const steps: Record<string, Percentiles> = {};
  if (agentsDone !== undefined) {
    steps['webhook sent → stored (receivedAt)'] = percentiles(decodeFromCompressedBase64(agentsDone.steps.ingest));
    steps['stored → analysed'] = percentiles(decodeFromCompressedBase64(agentsDone.steps.analysis));
    steps['analysed → offered (decision, incl. queue wait)'] = percentiles(
      decodeFromCompressedBase64(agentsDone.steps.decision),
    );
    steps['offered → agent receives offer'] = percentiles(decodeFromCompressedBase64(agentsDone.steps.delivery));
    steps['agent accept → ack'] = percentiles(decodeFromCompressedBase64(agentsDone.acceptRtt));
  }
  return {
    label: s.label,
    kind,
    analysis: s.analysis,
    rate: s.rate,
    durationSec: s.durationSec,
    customers: done,
    ...(agentsDone === undefined ? {} : { agents: agentsDone }),
    ...(verify === undefined ? {} : { verify }),
    ticks,
    ack: percentiles(ack),
    ackAttempt: percentiles(decodeFromCompressedBase64(done.ackAttempt)),
    refusal: percentiles(decodeFromCompressedBase64(done.refusal)),
    offer: percentiles(offer),
    live: percentiles(agentsDone === undefined ? undefined : decodeFromCompressedBase64(agentsDone.live_)),
    acceptRtt: percentiles(agentsDone === undefined ? undefined : decodeFromCompressedBase64(agentsDone.acceptRtt)),
    steps,
    achievedRps: done.acked / done.elapsedSec,
    cpuSeconds,
    cpuMsPerMessage: done.acked > 0 ? (cpuSeconds * 1000) / done.acked : 0,
    mainCpuMsPerMessage: done.acked > 0 ? (mainCpuSeconds * 1000) / done.acked : 0,
    peakRssMiB: Math.round(Math.max(0, ...session.sampler.samples.slice(procFrom).map((p) => p.rssMiB))),
    peakAnonMiB: Math.round(Math.max(0, ...session.sampler.samples.slice(procFrom).map((p) => p.anonMiB))),
    proc: session.sampler.samples.slice(procFrom),
    events,
    metrics: diff(after, before),
    metricsWindowSec,
    histograms: { ack, ...(offer === undefined ? {} : { offer }) },
    ...(restartMs === undefined ? {} : { restartMs }),
    providerDeliveries,
  };
}

// ---------- output ----------

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100));

function runTable(runs: StepFigures[]): string {
  return [
    '| run | rate target | 2xx/s achieved | 2xx p50 / p99 / p99.9 ms | offered p50 / p99 / p99.9 ms | offers | node CPU ms/msg | peak RSS MiB | lost | duplicated | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => {
      const e = Object.entries(r.customers?.errors ?? {})
        .filter(([k]) => !k.startsWith('retried'))
        .reduce((n, [, v]) => n + v, 0);
      return `| ${r.label} | ${fmt(r.rate)} | ${fmt(r.achievedRps)} | ${fmt(r.ack.p50)} / ${fmt(r.ack.p99)} / ${fmt(r.ack.p999)} | ${
        r.kind === 'bare' ? '—' : `${fmt(r.offer.p50)} / ${fmt(r.offer.p99)} / ${fmt(r.offer.p999)}`
      } | ${r.agents?.offersTimed ?? '—'} | ${r.cpuMsPerMessage.toFixed(3)} | ${fmt(r.peakRssMiB)} | ${r.verify?.lost ?? '—'} | ${r.verify?.duplicated ?? '—'} | ${e} |`;
    }),
  ].join('\n');
}

function stepTable(r: StepFigures): string {
  const rows = Object.entries(r.steps);
  if (rows.length === 0) return '';
  return [
    '| step (offered conversations) | n | p50 ms | p90 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|',
    `| webhook sent → 2xx (all messages) | ${r.ack.count} | ${fmt(r.ack.p50)} | ${fmt(r.ack.p90)} | ${fmt(r.ack.p99)} | ${fmt(r.ack.max)} |`,
    ...((r.customers?.overloaded ?? 0) > 0
      ? [
          `| the attempt the node took: sent → 2xx | ${r.ackAttempt.count} | ${fmt(r.ackAttempt.p50)} | ${fmt(r.ackAttempt.p90)} | ${fmt(r.ackAttempt.p99)} | ${fmt(r.ackAttempt.max)} |`,
          `| attempts refused past capacity: sent → 503 | ${r.refusal.count} | ${fmt(r.refusal.p50)} | ${fmt(r.refusal.p90)} | ${fmt(r.refusal.p99)} | ${fmt(r.refusal.max)} |`,
        ]
      : []),
    ...rows.map(([k, p]) => `| ${k} | ${p.count} | ${fmt(p.p50)} | ${fmt(p.p90)} | ${fmt(p.p99)} | ${fmt(p.max)} |`),
    `| **webhook sent → agent receives offer** | ${r.offer.count} | ${fmt(r.offer.p50)} | ${fmt(r.offer.p90)} | ${fmt(r.offer.p99)} | ${fmt(r.offer.max)} |`,
    `| webhook sent → agent receives live message (assigned conversation) | ${r.live.count} | ${fmt(r.live.p50)} | ${fmt(r.live.p90)} | ${fmt(r.live.p99)} | ${fmt(r.live.max)} |`,
  ].join('\n');
}

/** Seconds of load excluded from the steady-state view: JIT warm-up, first LMDB map growth, agents' first offers. */
const STEADY_AFTER_S = 10;

/**
 * The per-second p99 after the first seconds: a whole-run p99 over a short run is often the cold start's, which a
 * node that has been up for a while does not show. Reported beside the whole-run figures, never instead of them.
 */
function steadyStateLine(r: StepFigures): string {
  const offer = r.ticks.agents.filter((t) => t.t > STEADY_AFTER_S && t.t <= r.durationSec && t.offers > 0);
  const ack = r.ticks.customers.filter((t) => t.t > STEADY_AFTER_S && t.t <= r.durationSec && t.acked > 0);
  if (offer.length === 0 && ack.length === 0) return '';
  const describe = (name: string, values: number[]) => {
    if (values.length === 0) return '';
    const sorted = [...values].sort((x, y) => x - y);
    const within = sorted.filter((v) => v <= opt.p99Bound).length;
    return `${name}: median ${fmt(sorted[Math.floor(sorted.length / 2)] as number)} ms, worst ${fmt(sorted[sorted.length - 1] as number)} ms, ${within} of ${sorted.length} seconds ≤ ${opt.p99Bound} ms`;
  };
  const parts = [
    describe(
      'webhook → agent offered',
      offer.map((t) => t.offerP99),
    ),
    describe(
      'webhook → 2xx',
      ack.map((t) => t.ackP99),
    ),
  ].filter((x) => x !== '');
  return `Steady state (each second's p99, after the first ${STEADY_AFTER_S} s of load): ${parts.join('; ')}.`;
}

function pipelineMetrics(r: StepFigures): string {
  const m = r.metrics;
  const decisions = Object.entries(m)
    .filter(([k, v]) => k.startsWith('omnicx_routing_decisions_total') && v > 0)
    .map(([k, v]) => `${/kind="([^"]+)"/.exec(k)?.[1] ?? k} ${v}`)
    .join(', ');
  const analysis = Object.entries(m)
    .filter(([k, v]) => k.startsWith('omnicx_analysis_total') && v > 0)
    .map(([k, v]) => `${/outcome="([^"]+)"/.exec(k)?.[1] ?? k} ${v}`)
    .join(', ');
  const stepMeans = Object.entries(m)
    .filter(([k]) => k.startsWith('omnicx_pipeline_step_seconds_sum'))
    .map(([k, sum]) => {
      const step = /step="([^"]+)"/.exec(k)?.[1] ?? k;
      const count = m[k.replace('_sum', '_count')] ?? 0;
      return `${step} ${count > 0 ? ((sum / count) * 1000).toFixed(2) : '—'} ms (n=${count})`;
    })
    .join(', ');
  const dup = Object.entries(m)
    .filter(([k]) => k.startsWith('omnicx_messages_ingested_total') && k.includes('duplicate'))
    .reduce((n, [, v]) => n + v, 0);
  const restarts = Object.entries(m)
    .filter(([k]) => k.startsWith('omnicx_shard_restarts_total'))
    .reduce((n, [, v]) => n + v, 0);
  return `Node metrics over the run (after a node restart they count from the restart): routing decisions: ${decisions || '—'}; analysis: ${analysis || '—'}; mean pipeline step time: ${stepMeans || '—'}; ingests answered as duplicate: ${dup}; shard restarts: ${restarts}.${threadShares(r)}`;
}

/**
 * Each thread role's share of the step's wall time on a CPU, and waiting for one (omnicx_thread_* metrics, Linux):
 * a main thread that waits often for a core means the box, not the code, set the latency.
 */
function threadShares(r: StepFigures): string {
  const window = r.metricsWindowSec;
  if (!(window > 0)) return '';
  const parts = ['main', 'shard', 'inference', 'other'].flatMap((role) => {
    const cpu = r.metrics[`omnicx_thread_cpu_seconds_total{thread="${role}"}`];
    const wait = r.metrics[`omnicx_thread_runqueue_wait_seconds_total{thread="${role}"}`];
    if (cpu === undefined || wait === undefined || cpu <= 0) return [];
    return [`${role} ${asPercent(cpu / window)} on a CPU, ${asPercent(wait / window)} waiting for one`];
  });
  return parts.length === 0
    ? ''
    : ` Threads, as shares of the ${window.toFixed(0)} s between scrapes: ${parts.join('; ')}.`;
}

function asPercent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : '**NOT met**';
}

function targetsTable(r: StepFigures, activeConversations: number): { table: string; allMet: boolean } {
  const lost = r.verify?.lost ?? NaN;
  const dup = r.verify?.duplicated ?? NaN;
  const rows: Array<[string, string, boolean]> = [
    [
      '100,000 concurrent conversations with 500 agents',
      `${fmt(activeConversations)} conversations, ${opt.agents} agents`,
      activeConversations >= 100_000 && opt.agents >= 500,
    ],
    [
      '≥ 5,000 inbound messages/s sustained',
      `${fmt(r.achievedRps)}/s (target rate ${fmt(r.rate)})`,
      r.achievedRps >= 5000,
    ],
    [
      'p99 webhook → agent offered ≤ 50 ms',
      `${fmt(r.offer.p99)} ms (n=${r.offer.count})`,
      r.offer.count > 0 && r.offer.p99 <= 50,
    ],
    [
      '0 lost or duplicated',
      r.verify === undefined ? 'not verified in this mode' : `${lost} lost, ${dup} duplicated`,
      lost === 0 && dup === 0,
    ],
    ['resident memory ≤ 4 GB', `${fmt(r.peakRssMiB)} MiB peak`, r.peakRssMiB <= 4096],
  ];
  return {
    table: [
      '| target | measured | |',
      '|---|---|---|',
      ...rows.map(([t, m, ok]) => `| ${t} | ${m} | ${verdict(ok)} |`),
    ].join('\n'),
    allMet: rows.every(([, , ok]) => ok),
  };
}

function mdToHtml(md: string): string {
  // Enough markdown for the summary: tables, bold, code, paragraphs.
  const inline = (s: string) =>
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')
      .replace(/`([^`]+)`/g, '<code>$1</code>');
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && (lines[i] as string).startsWith('|')) rows.push(lines[i++] as string);
      i--;
      const cells = (row: string) =>
        row
          .slice(1, -1)
          .split('|')
          .map((c) => c.trim());
      out.push(
        `<table><tr>${cells(rows[0] as string)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr>${rows
          .slice(2)
          .map(
            (r) =>
              `<tr>${cells(r)
                .map((c) => `<td>${inline(c).replace('NOT met', '<span class="bad">NOT met</span>')}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</table>`,
      );
    } else if (line.startsWith('## ')) out.push(`<h2>${inline(line.slice(3))}</h2>`);
    else if (line.startsWith('### ')) out.push(`<h3>${inline(line.slice(4))}</h3>`);
    else if (line.trim() !== '') out.push(`<p>${inline(line)}</p>`);
  }
  return out.join('\n');
}

function writeReport(
  name: string,
  title: string,
  subtitle: string,
  markdown: string,
  main: StepFigures,
  all: StepFigures[],
): string {
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  const c = main.ticks.customers;
  const a = main.ticks.agents;
  const latency: Series[] = [
    {
      name: '2xx p50',
      color: colors[0] as string,
      points: c.filter((t) => t.acked > 0).map((t) => [t.t, Math.max(0.01, t.ackP50)]),
    },
    {
      name: '2xx p99',
      color: colors[3] as string,
      points: c.filter((t) => t.acked > 0).map((t) => [t.t, Math.max(0.01, t.ackP99)]),
    },
    {
      name: 'offered p50',
      color: colors[2] as string,
      points: a.filter((t) => t.offers > 0).map((t) => [t.t, Math.max(0.01, t.offerP50)]),
    },
    {
      name: 'offered p99',
      color: colors[1] as string,
      points: a.filter((t) => t.offers > 0).map((t) => [t.t, Math.max(0.01, t.offerP99)]),
    },
  ];
  const throughput: Series[] = [
    { name: 'webhooks sent/s', color: colors[0] as string, points: c.map((t) => [t.t, t.sent]) },
    { name: '2xx/s', color: colors[2] as string, points: c.map((t) => [t.t, t.acked]) },
    { name: 'offers/s', color: colors[1] as string, points: a.map((t) => [t.t, t.offers]) },
    { name: 'retries/s', color: colors[4] as string, points: c.map((t) => [t.t, t.retries]) },
  ];
  const t0 = main.proc[0]?.t ?? 0;
  const memory: Series[] = [
    { name: 'RSS MiB', color: colors[0] as string, points: main.proc.map((p) => [p.t - t0, p.rssMiB]) },
    { name: 'anonymous MiB', color: colors[2] as string, points: main.proc.map((p) => [p.t - t0, p.anonMiB]) },
    { name: 'CPU %', color: colors[1] as string, points: main.proc.map((p) => [p.t - t0, p.cpuPct]) },
  ];
  const pct: Series[] = all.flatMap((r, i) => [
    { name: `${r.label}: 2xx`, color: colors[(2 * i) % colors.length] as string, points: curve(r.histograms.ack) },
    ...(r.histograms.offer === undefined || r.histograms.offer.totalCount === 0
      ? []
      : [
          {
            name: `${r.label}: offered`,
            color: colors[(2 * i + 1) % colors.length] as string,
            points: curve(r.histograms.offer),
          },
        ]),
  ]);
  const html = renderReport({
    title,
    subtitle,
    summaryHtml: mdToHtml(markdown),
    latencyOverTime: latency,
    throughputOverTime: throughput,
    memoryOverTime: memory,
    percentiles: pct.slice(0, 6),
    events: main.events,
  });
  const strip = (r: StepFigures) => ({ ...r, histograms: undefined });
  return saveRaw(name, { runs: all.map(strip) }, html);
}

// ---------- modes ----------

function loadAverage(): string {
  try {
    return execSync('uptime').toString().trim();
  } catch {
    return 'unknown';
  }
}

function commandLine(): string {
  return `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const loadBefore = loadAverage();
  process.stderr.write(`bench harness on ${describeMachine(machine)}\n  load: ${loadBefore}\n`);
  const runs: StepFigures[] = [];
  let exitCode = 0;
  let extra = '';
  let main: StepFigures;

  if (values['find-max']) {
    const session = await startSession('pipeline', opt.analysis);
    const passes = (r: StepFigures) =>
      r.achievedRps >= 0.95 * r.rate &&
      r.ack.p99 <= opt.p99Bound &&
      (r.offer.count === 0 || r.offer.p99 <= opt.p99Bound) &&
      Object.keys(r.customers?.errors ?? {}).filter((k) => !k.startsWith('retried')).length === 0;
    const history: Array<{ rate: number; pass: boolean; r: StepFigures; drainSec?: number }> = [];
    let rate = opt.rate;
    let lo = 0;
    let hi = Infinity;
    let k = 0;
    // Every step writes to customers no earlier step has written to, while --conversations lasts.
    let customerOffset = 0;
    const nextCustomers = (r: StepFigures) => {
      customerOffset += r.customers?.sent ?? 0;
      if (customerOffset >= opt.conversations)
        process.stderr.write(
          `  note: ${fmt(customerOffset)} messages so far exceed --conversations ${fmt(opt.conversations)}; later steps meet returning customers\n`,
        );
    };
    if (opt.warmup > 0) {
      // A node serves warm: JIT tiering, caches and pools settle first, unmeasured, at half the starting rate.
      process.stderr.write(`  warm-up: ${opt.warmup} s at ${fmt(opt.rate / 2)}/s (not measured)\n`);
      const warm = await runStep(session, 'pipeline', {
        label: 'warm-up',
        rate: opt.rate / 2,
        durationSec: opt.warmup,
        kOffset: (k += 100_000),
        customerOffset,
        verify: false,
        analysis: opt.analysis,
      });
      nextCustomers(warm);
      await waitForDrain(session.base);
    }
    for (let i = 0; i < 12; i++) {
      const r = await runStep(session, 'pipeline', {
        label: `find-max ${fmt(rate)}/s`,
        rate,
        durationSec: opt.duration,
        kOffset: (k += 100_000),
        customerOffset,
        verify: false,
        analysis: opt.analysis,
      });
      nextCustomers(r);
      const pass = passes(r);
      history.push({ rate, pass, r });
      runs.push(r);
      process.stderr.write(
        `  ${fmt(rate)}/s: ${pass ? 'sustained' : 'NOT sustained'} (2xx ${fmt(r.achievedRps)}/s, 2xx p99 ${fmt(r.ack.p99)} ms, offered p99 ${fmt(r.offer.p99)} ms)\n`,
      );
      if (pass) lo = Math.max(lo, rate);
      else hi = Math.min(hi, rate);
      if (hi === Infinity) rate = Math.round(rate * 1.5);
      else if (hi - lo <= Math.max(50, lo * 0.1)) break;
      else rate = Math.round((lo + hi) / 2);
      // Let the backlog drain between steps (the next step must not inherit this one's queue).
      const drained = await waitForDrain(session.base);
      history.at(-1)!.drainSec = drained ?? Number.POSITIVE_INFINITY;
      process.stderr.write(
        drained === undefined ? '  backlog not drained after 90 s\n' : `  drained in ${drained.toFixed(1)} s\n`,
      );
      // The gauges do not see conversations still in agents' hands (--handle-ms): give those a moment to close.
      await new Promise((r) => setTimeout(r, 1000));
    }
    await session.stop();
    main = (history.filter((h) => h.pass).at(-1) ?? history[0])!.r;
    extra = `Sustainable rate (p99 webhook → 2xx and → agent offered ≤ ${opt.p99Bound} ms, ≥ 95 % of the rate achieved, no errors): **${fmt(lo)} messages/s**${hi === Infinity ? ' (the search did not reach the limit)' : `; ${fmt(hi)}/s was not sustained`}.

| step rate | 2xx/s | 2xx p99 ms | offered p99 ms | node CPU % (mean) | backlog drained after | sustained |
|---|---|---|---|---|---|---|
${history
  .map(
    (h) =>
      `| ${fmt(h.rate)} | ${fmt(h.r.achievedRps)} | ${fmt(h.r.ack.p99)} | ${fmt(h.r.offer.p99)} | ${fmt(
        h.r.proc.reduce((n, p) => n + p.cpuPct, 0) / Math.max(1, h.r.proc.length),
      )} | ${h.drainSec === undefined ? '—' : h.drainSec === Number.POSITIVE_INFINITY ? '> 90 s' : `${h.drainSec.toFixed(1)} s`} | ${h.pass ? 'yes' : 'no'} |`,
  )
  .join('\n')}`;
  } else {
    if (values.baseline) {
      process.stderr.write('baseline 1/2: bare uWebSockets.js ceiling (same signed payloads, no work)\n');
      const bare = await startSession('bare', false);
      runs.push(
        await runStep(bare, 'bare', {
          label: 'bare uWS',
          rate: opt.rate,
          durationSec: opt.duration,
          kOffset: 0,
          verify: false,
          analysis: false,
        }),
      );
      await bare.stop();
      if (opt.analysis) {
        process.stderr.write('baseline 2/2: the pipeline with analysis off (INFERENCE_ENABLED=0)\n');
        const off = await startSession('pipeline', false);
        runs.push(
          await runStep(off, 'pipeline', {
            label: 'pipeline, analysis off',
            rate: opt.rate,
            durationSec: opt.duration,
            kOffset: 0,
            verify: true,
            analysis: false,
          }),
        );
        await off.stop();
      }
    }
    const session = await startSession('pipeline', opt.analysis);
    const label = `${opt.analysis ? 'full pipeline' : 'pipeline, analysis off'}${values['kill-worker'] ? ', kill -9 shard' : ''}${values['kill-node'] ? ', kill -9 node' : ''}`;
    main = await runStep(session, 'pipeline', {
      label,
      rate: opt.rate,
      durationSec: opt.duration,
      kOffset: 0,
      killWorker: values['kill-worker'],
      killNode: values['kill-node'],
      verify: true,
      analysis: opt.analysis,
    });
    runs.push(main);
    await session.stop();
    const bare = runs.find((r) => r.kind === 'bare');
    const off = runs.find((r) => r.kind === 'pipeline' && !r.analysis && r !== main);
    if (bare !== undefined) {
      const ratio = (r: StepFigures) =>
        bare.cpuMsPerMessage > 0 ? (r.cpuMsPerMessage / bare.cpuMsPerMessage).toFixed(1) : '—';
      extra = `Cost of each step as a ratio of server CPU per message (same rate, same payloads): bare uWS 1.0 · pipeline without analysis ${
        off === undefined ? '—' : ratio(off)
      } · full pipeline ${ratio(main)}. 2xx p99: bare ${fmt(bare.ack.p99)} ms · without analysis ${
        off === undefined ? '—' : `${fmt(off.ack.p99)} ms`
      } · full ${fmt(main.ack.p99)} ms.`;
    }
  }

  const v = main.verify;
  const activeConversations = Math.min(opt.conversations, main.customers?.sent ?? 0);
  const { table: targets } = targetsTable(main, activeConversations);
  const failures: string[] = [];
  if (v !== undefined) {
    if (v.lost > 0) failures.push(`${v.lost} acknowledged messages lost (e.g. ${v.lostSamples.join(', ')})`);
    if (v.duplicated > 0) failures.push(`${v.duplicated} duplicated (e.g. ${v.duplicateSamples.join(', ')})`);
    if (v.resendNon2xx > 0) failures.push(`${v.resendNon2xx} resent webhooks not answered 2xx`);
    if (main.analysis && v.notAnalysed > 0) failures.push(`${v.notAnalysed} acknowledged messages not analysed`);
  }
  const unacked = main.customers?.unacked ?? 0;
  if (failures.length > 0) exitCode = 1;
  const loadAfter = loadAverage();
  const errors = Object.entries(main.customers?.errors ?? {})
    .map(([k, n]) => `${k} ×${n}`)
    .join('; ');
  const agentLine =
    main.agents === undefined
      ? ''
      : `Agents: ${main.agents.offers} offers (${main.agents.offersTimed} timed, ${main.agents.offersStale} for messages sent before the step), ${main.agents.accepted} accepted, ${main.agents.replies} replies, ${main.agents.resolved} resolved, ${main.agents.live} live customer messages, ${main.agents.revoked} offers revoked, ${main.agents.disconnects} socket disconnects, ${main.agents.errors} reply/resolve errors, accept failures: ${JSON.stringify(main.agents.acceptFailed)}.`;
  const verifyLine =
    v === undefined
      ? 'Verification: not run in this mode.'
      : `Verification (${(v.elapsedMs / 1000).toFixed(1)} s): ${v.checkedMessages} acknowledged messages of ${v.checkedCustomers} customers looked up: **${v.lost} lost, ${v.duplicated} duplicated**, ${main.analysis ? `${v.notAnalysed} not analysed` : 'analysis off'}; ${v.resent} acknowledged webhooks resent as is: ${v.resent - v.resendNon2xx} answered 2xx, ${v.resendDuplicated} of them stored twice.`;
  const markdown = `## End-to-end harness: ${main.label} — ${new Date().toISOString()}

Command: \`${commandLine()}\`. Machine: ${describeMachine(machine)}. Load before: \`${loadBefore}\`; after: \`${loadAfter}\`.
Customers (${opt.channels.join(', ')} webhooks, signed; ${fmt(opt.conversations)} customers, ${Math.round(opt.escalate * 100)} % asking for a human), the node, and ${opt.agents} socket.io agents (capacity ${opt.capacity}, handle ${opt.handleMs} ms) in three processes on 127.0.0.1.

${runTable(runs)}

${extra}

${stepTable(main)}

${steadyStateLine(main)}

${pipelineMetrics(main)}
${agentLine}
${verifyLine}
Replies delivered to the local provider server (agents' answers, expected-wait notices): ${main.providerDeliveries}.
Webhooks sent ${main.customers?.sent ?? 0}, acknowledged ${main.customers?.acked ?? 0} (${main.customers?.firstAttemptAcked ?? 0} on the first attempt), never acknowledged ${unacked}, retries ${main.customers?.retries ?? 0}, of them after a 503 OVERLOADED past capacity ${main.customers?.overloaded ?? 0} (Retry-After honoured, doubling per refusal)${main.restartMs === undefined ? '' : `; node restarted in ${main.restartMs} ms after kill -9`}. Errors: ${errors || 'none'}.
Node (main process with its shard and inference threads): ${main.cpuSeconds.toFixed(1)} CPU-s (${main.cpuMsPerMessage.toFixed(3)} ms per message, of which the main thread ${main.mainCpuMsPerMessage.toFixed(3)} ms), peak RSS ${fmt(main.peakRssMiB)} MiB (anonymous: ${fmt(main.peakAnonMiB)} MiB; the rest is LMDB's mapped file pages and code, which the kernel can reclaim).

${targets}
${failures.length > 0 ? `\n**FAILED: ${failures.join('; ')}**\n` : ''}`;
  const file = writeReport(
    values.out,
    `OmniCX end-to-end harness: ${main.label}`,
    `${commandLine()} — ${describeMachine(machine)}`,
    markdown,
    main,
    runs,
  );
  console.log(markdown);
  console.log(`\nreport: ${file}.html (raw: ${file}.json)`);
  if (!values['no-record'])
    appendResults(
      `${markdown}\nHTML report: \`${path.relative(path.join(HERE, '..'), file)}.html\` (not committed).\n`,
    );
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
