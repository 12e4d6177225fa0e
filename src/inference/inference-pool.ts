// The inference pool: onnxruntime sessions in worker threads behind a typed `analyze(text)`. Requests are
// micro-batched (up to `maxBatch` texts: whatever queued while the workers were busy), the queue is bounded (past
// `maxQueue` waiting texts a request is refused at once with INFERENCE_OVERLOADED instead of piling up), a crashed
// worker is replaced, and `reload()` swaps in freshly loaded models without dropping requests.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { OmniError } from '../domain/index.js';
import { workerExecArgv } from '../observability/index.js';
import type { InferenceWorkerData, PoolToWorker, TextAnalysis, WorkerToPool } from './inference-protocol.js';

export interface InferencePoolOptions {
  modelsDir: string;
  /** Worker threads. @default 1 */
  workers?: number;
  /** onnxruntime intra-op threads per worker. @default 1 */
  intraOpNumThreads?: number;
  /** Largest batch sent to a worker. @default 32 */
  maxBatch?: number;
  /**
   * Batches a worker may hold at once. With 2, the next batch is already waiting in the worker's port when it
   * finishes one, so it does not sit idle while an answer crosses to this thread and the next batch crosses back.
   * Batches still form while the worker is busy (each holds what queued since the previous was sent). @default 2
   */
  pipelineDepth?: number;
  /**
   * With a worker idle, how long a text waits for others to join its batch; 0 = until the end of the current
   * event-loop turn. While all workers are busy texts batch up on their own. @default 0
   */
  maxWaitMs?: number;
  /**
   * Whether to wait `maxWaitMs` now (checked as a batch starts to form); when it says no, the batch goes at the end
   * of the turn. E.g. only while the event loop is busy: then a batch's fixed cost is worth saving, and when the node
   * is quiet a message is not held back. @default always
   */
  waitWhen?: () => boolean;
  /** Texts allowed to wait; more are refused with INFERENCE_OVERLOADED. @default 10000 */
  maxQueue?: number;
  /** Product catalogue for entity extraction. */
  products?: string[];
  /** Currency of a bare "$". @default 'USD' */
  defaultCurrency?: string;
  /** Custom intents (name + examples), learned in each worker at start. */
  customIntents?: Array<{ name: string; examples: string[] }>;
  /**
   * Compute the sentence embedding of every message (the full analysis the inference benchmark measures). The node's
   * pipeline turns it off: nothing downstream reads a per-message embedding yet, and custom intents, which do, get
   * it regardless. @default true
   */
  embeddings?: boolean;
  /**
   * Run intent, sentiment and the encoder as one merged ONNX session (BagBundle) when their graphs allow it; false
   * runs them one session each (the benchmark's `--no-bundle`, to measure the difference). @default true
   */
  bundle?: boolean;
  /**
   * Texts each worker analyses before it reports ready (at start, on reload, after a restart), so that the first
   * live messages do not pay onnxruntime's first run and V8's compilation: ≈ 250 ms for a cold worker's first
   * batch, 2-5× slower batches for the next few hundred texts. 1,000 texts take ≈ 0.5 s of the worker's start.
   * @default 1000
   */
  warmUpTexts?: number;
  /**
   * Called after each batch with its size, its round trip (posted → answered) and the worker's time on it from its
   * arrival (with two batches held it can include part of the other's), both in seconds (metrics; the rest of the
   * round trip is waiting for a thread to be scheduled and for messages to cross).
   */
  onBatch?: (size: number, seconds: number, workSeconds: number) => void;
  logger: Logger;
}

interface Waiting {
  text: string;
  at: number;
  resolve: (analysis: TextAnalysis) => void;
  reject: (error: unknown) => void;
}

interface InFlight {
  id: number;
  batch: Waiting[];
  /** When it was posted (performance.now()). */
  postedAt: number;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  /** Batches posted and not yet answered, oldest first (the worker answers them in order). */
  inFlight: InFlight[];
  retired: boolean;
  /** Called when a retired worker's last batch is answered. */
  onIdle: (() => void) | undefined;
  /** The highest event-loop delay p99 the worker reported since the last `takeEventLoopLag` (ms). */
  loopLagP99Ms: number;
  /** The worker thread's kernel id, once it reported ready (Linux only). */
  tid: number | undefined;
}

export interface InferencePoolStats {
  queued: number;
  workers: number;
  batches: number;
  items: number;
}

export class InferencePool {
  private workers: PoolWorker[] = [];
  private readonly queue: Waiting[] = [];
  /** A pending dispatch: a timer (`maxWaitMs` > 0) or an immediate (end of the turn). */
  private timer: { cancel(): void } | undefined;
  private nextId = 1;
  private closed = false;
  private batches = 0;
  private items = 0;
  /** Replacements of crashed workers still loading their models (close waits for them). */
  private readonly restarting = new Set<Promise<void>>();

  constructor(private readonly options: InferencePoolOptions) {}

  async start(): Promise<void> {
    this.workers = await Promise.all(Array.from({ length: this.options.workers ?? 1 }, () => this.spawn()));
  }

  /**
   * Each worker's event-loop delay p99 (ms), the highest reported since the previous call (metrics read it at each
   * scrape); 0 for a worker that answered nothing since.
   */
  takeEventLoopLag(): number[] {
    return this.workers.map((w) => {
      const ms = w.loopLagP99Ms;
      w.loopLagP99Ms = 0;
      return ms;
    });
  }

  /** The kernel ids of the workers in service (Linux only; for the per-thread metrics). */
  threadIds(): number[] {
    return this.workers.flatMap((w) => (w.tid !== undefined ? [w.tid] : []));
  }

  get stats(): InferencePoolStats {
    return { queued: this.queue.length, workers: this.workers.length, batches: this.batches, items: this.items };
  }

  /**
   * Intent, sentiment, entities and language of one text (`at`: when it was received; dates resolve against it).
   * Rejects with INFERENCE_OVERLOADED when the queue is full.
   */
  analyze(text: string, at: number = Date.now()): Promise<TextAnalysis> {
    if (this.closed) return Promise.reject(new OmniError('INFERENCE_UNAVAILABLE', 'inference pool is closed'));
    if (this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      return Promise.reject(
        new OmniError('INFERENCE_OVERLOADED', `inference queue is full (${this.queue.length} waiting)`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ text, at, resolve, reject });
      if (this.queue.length >= (this.options.maxBatch ?? 32)) this.dispatch();
      // Natural batching: while every worker is busy, texts accumulate and the next free worker takes them all
      // (dispatch runs on each answer), so no timer is needed. With a worker idle, wait `maxWaitMs` (default: only
      // until the end of this event-loop turn, to group texts that arrived together) rather than send one text.
      else if (this.timer === undefined && this.workers.some((w) => this.canTake(w))) {
        const wait = this.options.waitWhen === undefined || this.options.waitWhen() ? (this.options.maxWaitMs ?? 0) : 0;
        if (wait > 0) {
          const t = setTimeout(() => this.dispatch(), wait);
          this.timer = { cancel: () => clearTimeout(t) };
        } else {
          const i = setImmediate(() => this.dispatch());
          this.timer = { cancel: () => clearImmediate(i) };
        }
      }
    });
  }

  /** Loads the models again in new workers and swaps them in once ready; requests keep flowing meanwhile. */
  async reload(): Promise<void> {
    const fresh = await Promise.all(Array.from({ length: this.options.workers ?? 1 }, () => this.spawn()));
    const old = this.workers;
    this.workers = fresh;
    for (const w of old) void this.retire(w);
    this.options.logger.info({ workers: fresh.length }, 'inference models reloaded');
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    for (const waiting of this.queue.splice(0))
      waiting.reject(new OmniError('INFERENCE_UNAVAILABLE', 'inference pool closed'));
    await Promise.all([...this.workers.map((w) => this.retire(w)), ...this.restarting]);
  }

  /**
   * Stops a worker gracefully: its batch in flight (if any) is answered first, then it releases its sessions and
   * ends on its own; terminated only if it does not within `graceMs`.
   */
  private async retire(w: PoolWorker, graceMs = 5_000): Promise<void> {
    w.retired = true;
    const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const idle = new Promise<void>((resolve) => {
      if (w.inFlight.length === 0) resolve();
      else w.onIdle = resolve;
    });
    await Promise.race([idle, deadline]);
    if (w.ready && w.inFlight.length === 0) w.worker.postMessage({ t: 'close' } satisfies PoolToWorker);
    await Promise.race([exited, deadline]);
    clearTimeout(timer);
    await w.worker.terminate();
  }

  /** Whether `w` can be sent a batch now: ready, in service, and holding fewer than `pipelineDepth` batches. */
  private canTake(w: PoolWorker): boolean {
    return w.ready && !w.retired && w.inFlight.length < Math.max(1, this.options.pipelineDepth ?? 2);
  }

  private dispatch(): void {
    if (this.timer !== undefined) {
      this.timer.cancel();
      this.timer = undefined;
    }
    // Idle workers first (fewest batches in flight), so a second worker is not left idle while another queues two;
    // each worker gets at most one batch per call.
    const candidates = this.workers
      .filter((w) => this.canTake(w))
      .sort((a, b) => a.inFlight.length - b.inFlight.length);
    for (const w of candidates) {
      if (this.queue.length === 0) break;
      const batch = this.queue.splice(0, this.options.maxBatch ?? 32);
      const id = this.nextId++;
      w.inFlight.push({ id, batch, postedAt: performance.now() });
      this.batches++;
      this.items += batch.length;
      const message: PoolToWorker = { t: 'batch', id, items: batch.map((b) => ({ text: b.text, at: b.at })) };
      w.worker.postMessage(message);
    }
  }

  private spawn(): Promise<PoolWorker> {
    const fromSource = __filename.endsWith('.ts');
    const data: InferenceWorkerData = {
      modelsDir: this.options.modelsDir,
      intraOpNumThreads: this.options.intraOpNumThreads ?? 1,
      products: this.options.products ?? [],
      defaultCurrency: this.options.defaultCurrency ?? 'USD',
      customIntents: this.options.customIntents ?? [],
      embeddings: this.options.embeddings ?? true,
      bundle: this.options.bundle ?? true,
      warmUpTexts: this.options.warmUpTexts ?? 1000,
    };
    const worker = new Worker(path.join(__dirname, fromSource ? 'inference-worker.ts' : 'inference-worker.js'), {
      workerData: data,
      execArgv: workerExecArgv(fromSource),
    });
    const entry: PoolWorker = {
      worker,
      ready: false,
      inFlight: [],
      retired: false,
      onIdle: undefined,
      loopLagP99Ms: 0,
      tid: undefined,
    };
    return new Promise((resolve, reject) => {
      worker.on('message', (message: WorkerToPool) => {
        if (message.t === 'ready') {
          const log = { models: message.models, warmUp: message.warmUp };
          if (message.warmUp.error === undefined) this.options.logger.info(log, 'inference worker ready');
          else this.options.logger.warn(log, 'inference worker ready; its warm-up failed');
          entry.ready = true;
          entry.tid = message.tid;
          resolve(entry);
          this.dispatch();
          return;
        }
        const at = entry.inFlight.findIndex((f) => f.id === message.id);
        const answered = at >= 0 ? (entry.inFlight.splice(at, 1)[0] as InFlight) : undefined;
        if (answered === undefined) {
          this.options.logger.error({ id: message.id }, 'inference worker answered a batch it was not sent');
          return;
        }
        const { batch, postedAt } = answered;
        entry.loopLagP99Ms = Math.max(entry.loopLagP99Ms, message.loopLagP99Ms);
        this.options.onBatch?.(batch.length, (performance.now() - postedAt) / 1000, message.workMs / 1000);
        if (message.ok) batch.forEach((b, i) => b.resolve(message.analyses[i] as TextAnalysis));
        else batch.forEach((b) => b.reject(OmniError.fromWire(message.error)));
        if (entry.retired) {
          if (entry.inFlight.length === 0) entry.onIdle?.();
        } else this.dispatch();
      });
      worker.on('error', (error) => {
        this.options.logger.error({ err: error }, 'inference worker failed');
        if (!entry.ready) reject(error);
      });
      worker.on('exit', (code) => {
        const lost = entry.inFlight.flatMap((f) => f.batch);
        entry.inFlight = [];
        for (const b of lost)
          b.reject(new OmniError('INFERENCE_UNAVAILABLE', `inference worker stopped (exit ${code}); retry`));
        if (entry.retired || this.closed || !entry.ready) return;
        // Replace a worker that died in service; the others keep serving meanwhile.
        this.options.logger.warn({ code }, 'restarting inference worker');
        this.workers = this.workers.filter((w) => w !== entry);
        const restart = this.spawn().then(
          async (replacement) => {
            // Closed while the replacement loaded its models: stop it too, or its thread keeps the process alive.
            if (this.closed) return this.retire(replacement);
            this.workers.push(replacement);
            this.dispatch();
          },
          (error: unknown) => this.options.logger.error({ err: error }, 'inference worker restart failed'),
        );
        this.restarting.add(restart);
        void restart.finally(() => this.restarting.delete(restart));
      });
    });
  }
}
