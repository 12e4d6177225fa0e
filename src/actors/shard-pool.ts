// The main thread's side of the shard workers: starts N workers, routes typed requests to them, enforces timeouts,
// and restarts a worker that dies. Requests waiting on a restarting shard are held (bounded) and sent once it is
// ready; requests that were in flight in the dead worker are rejected as retryable, never left hanging.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { OmniError, type TenantId } from '../domain/index.js';
import { decodeFrame, encodeFrame } from './frame-codec.js';
import {
  ANALYSIS_DISABLED,
  PROTOCOL_VERSION,
  type ShardAnalysisOptions,
  type MainToShardFrame,
  type ShardRequest,
  type ShardRequestMap,
  type ShardRequestType,
  type ShardResponse,
  type ShardToMainFrame,
  type ShardWorkerData,
} from './protocol.js';
import { workerExecArgv } from '../observability/index.js';
import { CoalescingFlush } from './coalescing-flush.js';
import { shardOf } from './shard-router.js';
import { shardActorCap } from './shard-runtime.js';
import type { ShardTransport } from './shard-transport.js';

export interface ShardPoolOptions {
  shards: number;
  dataDir: string;
  /** How long a request may wait for its shard's answer. @default 10000 */
  requestTimeoutMs: number;
  passivateAfterMs: number;
  /** The node's cap on actors in memory, split evenly between the shards; undefined or 0: none. */
  maxLiveActors?: number;
  archiveAfterMs: number;
  /** Requests held per shard while it restarts; more are refused with SHARD_UNAVAILABLE. @default 10000 */
  maxHeldPerShard?: number;
  faultInjection?: boolean;
  /** Message analysis as the shards see it. @default disabled */
  analysis?: ShardAnalysisOptions;
  logLevel: string;
  logger: Logger;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  deadline: number;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  ready: boolean;
  pending: Map<number, Pending>;
  /** Frames waiting to be posted (coalesced), or held while the worker (re)starts. */
  queued: MainToShardFrame[];
  flusher: CoalescingFlush;
  restarts: number;
  lastStartAt: number;
  /** The worker thread's kernel id, once it reported ready (Linux only). */
  tid: number | undefined;
}

export type ShardEvent = { type: 'shard.exited'; shard: number; code: number } | { type: 'shard.ready'; shard: number };

export class ShardPool implements ShardTransport {
  private readonly slots: Slot[];
  private nextId = 1;
  private closing = false;
  private readonly timeoutSweep: NodeJS.Timeout;
  private readonly listeners: Array<(event: ShardEvent) => void> = [];

  constructor(private readonly options: ShardPoolOptions) {
    this.slots = Array.from({ length: options.shards }, (_, index) => {
      const slot: Slot = {
        index,
        worker: undefined,
        ready: false,
        pending: new Map(),
        queued: [],
        flusher: new CoalescingFlush(() => this.flush(slot)),
        restarts: 0,
        lastStartAt: 0,
        tid: undefined,
      };
      return slot;
    });
    this.timeoutSweep = setInterval(() => this.expire(), Math.min(100, options.requestTimeoutMs / 4));
    this.timeoutSweep.unref();
  }

  /** The kernel ids of the shard worker threads that reported ready (Linux only; for the per-thread metrics). */
  threadIds(): number[] {
    return this.slots.flatMap((s) => (s.ready && s.tid !== undefined ? [s.tid] : []));
  }

  get shards(): number {
    return this.options.shards;
  }

  onEvent(listener: (event: ShardEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Starts every worker and resolves when all are ready. */
  async start(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
  }

  shardFor(tenant: TenantId, key: string): number {
    return shardOf(tenant, key, this.options.shards);
  }

  request<K extends ShardRequestType>(
    shard: number,
    body: { type: K } & ShardRequestMap[K]['req'],
  ): Promise<ShardResponse<K>> {
    if (this.closing) return Promise.reject(new OmniError('SHUTTING_DOWN', 'node is shutting down'));
    const slot = this.slots[shard];
    if (slot === undefined) return Promise.reject(new OmniError('INTERNAL', `no shard ${shard}`));
    if (!slot.ready && slot.queued.length >= (this.options.maxHeldPerShard ?? 10_000)) {
      return Promise.reject(new OmniError('SHARD_UNAVAILABLE', `shard ${shard} is restarting`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline: Date.now() + this.options.requestTimeoutMs,
      });
      this.enqueue(slot, { t: 'req', id, body: body as ShardRequest });
    });
  }

  private enqueue(slot: Slot, frame: MainToShardFrame): void {
    slot.queued.push(frame);
    if (slot.ready) slot.flusher.request();
  }

  private flush(slot: Slot): void {
    if (!slot.ready || slot.worker === undefined || slot.queued.length === 0) return;
    const frames = slot.queued;
    slot.queued = [];
    const bytes = encodeFrame(frames);
    slot.worker.postMessage(bytes, [bytes.buffer]);
  }

  private spawn(slot: Slot): Promise<void> {
    const { options } = this;
    const data: ShardWorkerData = {
      shard: slot.index,
      shards: options.shards,
      dataDir: options.dataDir,
      passivateAfterMs: options.passivateAfterMs,
      ...shardActorCap(options.maxLiveActors, options.shards),
      archiveAfterMs: options.archiveAfterMs,
      faultInjection: options.faultInjection ?? false,
      logLevel: options.logLevel,
      analysis: options.analysis ?? ANALYSIS_DISABLED,
    };
    // From TypeScript sources (npm start, tests) the worker needs the tsx loader; compiled JS runs as is.
    const fromSource = __filename.endsWith('.ts');
    const entry = path.join(__dirname, fromSource ? 'shard-worker.ts' : 'shard-worker.js');
    const worker = new Worker(entry, {
      workerData: data,
      execArgv: workerExecArgv(fromSource),
    });
    slot.worker = worker;
    slot.ready = false;
    slot.lastStartAt = Date.now();

    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (bytes: Uint8Array) => {
        for (const frame of decodeFrame<ShardToMainFrame[]>(bytes)) {
          if (frame.t === 'ready') {
            if (frame.protocol !== PROTOCOL_VERSION) {
              reject(new Error(`shard ${slot.index} speaks protocol ${frame.protocol}, expected ${PROTOCOL_VERSION}`));
              return;
            }
            slot.ready = true;
            slot.tid = frame.tid;
            started = true;
            this.emit({ type: 'shard.ready', shard: slot.index });
            resolve();
            if (slot.queued.length > 0) this.flush(slot);
          } else if (frame.t === 'res') {
            const pending = slot.pending.get(frame.id);
            if (pending === undefined) continue; // already timed out
            slot.pending.delete(frame.id);
            if (frame.ok) pending.resolve(frame.body);
            else pending.reject(OmniError.fromWire(frame.error));
          }
        }
      });
      worker.on('error', (error) => {
        options.logger.error({ err: error, shard: slot.index }, 'shard worker failed');
        if (!started) reject(error);
      });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        slot.ready = false;
        slot.worker = undefined;
        this.failInFlight(slot, code);
        this.emit({ type: 'shard.exited', shard: slot.index, code });
        if (!started) {
          reject(new Error(`shard ${slot.index} exited with code ${code} before it was ready`));
          return;
        }
        if (this.closing) return;
        // Restart at once the first time; back off if it keeps dying right after starting.
        const crashLoop = Date.now() - slot.lastStartAt < 5_000;
        slot.restarts = crashLoop ? slot.restarts + 1 : 0;
        const delay = slot.restarts === 0 ? 0 : Math.min(5_000, 100 * 2 ** slot.restarts);
        options.logger.warn({ shard: slot.index, code, delay }, 'restarting shard worker');
        setTimeout(() => {
          if (!this.closing)
            this.spawn(slot).catch((err: unknown) => options.logger.error({ err }, 'shard restart failed'));
        }, delay).unref();
      });
    });
  }

  private failInFlight(slot: Slot, code: number): void {
    // Requests already posted to the dead worker may or may not have committed: answer them as retryable. Requests
    // still queued were never seen by it and wait for the restarted worker.
    const notYetPosted = new Set<number>();
    for (const frame of slot.queued) if (frame.t === 'req') notYetPosted.add(frame.id);
    for (const [id, pending] of slot.pending) {
      if (notYetPosted.has(id)) continue;
      slot.pending.delete(id);
      pending.reject(new OmniError('SHARD_UNAVAILABLE', `shard ${slot.index} stopped (exit ${code}); retry`));
    }
  }

  private expire(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      // Deadlines grow with ids and Maps iterate in insertion order: stop at the first live request.
      for (const [id, pending] of slot.pending) {
        if (pending.deadline > now) break;
        slot.pending.delete(id);
        pending.reject(new OmniError('SHARD_TIMEOUT', `shard ${slot.index} did not answer in time`));
      }
    }
  }

  private emit(event: ShardEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Fault injection for tests: makes a shard worker crash (only if the pool allows it). */
  crashShard(shard: number): void {
    const slot = this.slots[shard];
    if (slot?.worker === undefined || !this.options.faultInjection) return;
    this.enqueue(slot, { t: 'req', id: this.nextId++, body: { type: 'shard.crash' } });
  }

  /** Graceful stop: every worker flushes its writes and closes the environment. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timeoutSweep);
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        if (worker === undefined) return;
        const closed = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        slot.queued.push({ t: 'shutdown' });
        this.flush(slot);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
        clearTimeout(timer);
        await worker.terminate();
      }),
    );
  }
}
