// The analysis step of the message pipeline (main thread): every newly stored inbound message with text is sent to
// the inference pool and its analysis recorded through the customer's actor (which adds urgency and the sentiment
// trend). A circuit breaker (cockatiel) isolates inference: while it is down or saturated, messages are still stored
// and acknowledged, they simply wait in the durable analysis-due index, and a sweeper analyses them once inference
// answers again. The same sweeper picks up messages acknowledged just before a crash, so every stored message is
// analysed exactly once, eventually.
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import type { ActorGateway, AnalysisRecord, RecordAnalysisResult } from '../actors/index.js';
import {
  messageText,
  OmniError,
  type ChannelType,
  type ConversationId,
  type CustomerId,
  type MessageAnalysis,
  type TenantId,
} from '../domain/index.js';
import type { InferencePool, TextAnalysis } from '../inference/index.js';
import type { NodeMetrics } from '../observability/index.js';
import type { DeadLetter, Storage } from '../persistence/index.js';

export interface MessageRef {
  tenant: TenantId;
  conversationId: ConversationId;
  customerId: CustomerId;
  seq: number;
}

/** Where the message came from: the channel and the sender's address on it. */
export interface MessageOrigin {
  channel: ChannelType;
  from: string;
}

export interface AnalysedEvent {
  ref: MessageRef;
  origin: MessageOrigin;
  text: string;
  analysis: MessageAnalysis;
  result: RecordAnalysisResult;
  /** Time spent in inference and in recording, ms. */
  timings: { inferenceMs: number; recordMs: number };
}

export interface AnalysisPipelineOptions {
  pool: InferencePool;
  gateway: ActorGateway;
  storage: Storage;
  logger: Logger;
  /** Consecutive failures that open the circuit. @default 5 */
  breakAfter?: number;
  /** How long the circuit stays open before one trial call. @default 2000 */
  halfOpenAfterMs?: number;
  /** Sweep interval for waiting messages (after a crash, or while inference was down). @default 1000 */
  sweepIntervalMs?: number;
  /** Messages re-driven per sweep. @default 256 */
  sweepBatch?: number;
  /** Only messages stored at least this long ago are re-driven (younger ones are still in their first attempt). */
  sweepMinAgeMs?: number;
  /** Failed attempts after which a message's analysis is dead-lettered. @default 5 */
  maxAttempts?: number;
  /** First retry delay after a failure; doubles per attempt, capped at 60 s. @default 1000 */
  retryBaseMs?: number;
  /** Step timings and outcomes for /metrics. */
  metrics?: NodeMetrics;
  /**
   * Analyses held in memory at once. Past it a new message is deferred: it stays in the durable due index, goes to a
   * human marked "not analysed" (inference is saturated), and the sweeper analyses it when there is room. @default 5000
   */
  maxInFlight?: number;
}

/** The pool's analysis in the shape stored with the message (urgency is added by the actors). */
export function toAnalysisRecord(analysis: TextAnalysis): AnalysisRecord {
  return {
    intent: analysis.intent.label,
    confidence: analysis.intent.confidence,
    lowConfidence: analysis.intent.lowConfidence,
    outOfScope: analysis.intent.outOfScope,
    intents: analysis.intents.map((i) => ({ intent: i.label, confidence: i.confidence })),
    sentiment: { score: analysis.sentiment.score, label: analysis.sentiment.label },
    entities: analysis.entities,
    language: analysis.language,
  };
}

const isOverloaded = (error: unknown): boolean => error instanceof OmniError && error.code === 'INFERENCE_OVERLOADED';

const refKey = (r: { tenant: TenantId; conversationId: ConversationId; seq: number }) =>
  `${r.tenant}\u0000${r.conversationId}\u0000${r.seq}`;

export class AnalysisPipeline {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly inFlight = new Set<string>();
  /** Earliest next attempt of messages whose analysis failed (exponential backoff, in memory: a restart retries). */
  private readonly retryAt = new Map<string, number>();
  private readonly listeners: Array<(event: AnalysedEvent) => void> = [];
  private readonly unanalysedListeners: Array<(ref: MessageRef, origin: MessageOrigin) => void> = [];
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;
  private counters = {
    analysed: 0,
    failed: 0,
    skippedOpenCircuit: 0,
    skippedOverloaded: 0,
    deferred: 0,
    redriven: 0,
    deadLettered: 0,
  };

  /** Analyses held in memory at once; past it new messages are deferred to the durable due index. */
  private readonly maxInFlight: number;

  constructor(private readonly options: AnalysisPipelineOptions) {
    this.maxInFlight = options.maxInFlight ?? 5000;
    // A full inference queue is back-pressure, not a failure: it neither opens the circuit nor counts toward
    // dead-lettering (the message waits in the due index and the sweeper analyses it when the queue drains).
    this.breaker = circuitBreaker(
      handleWhen((error) => !isOverloaded(error)),
      {
        halfOpenAfter: options.halfOpenAfterMs ?? 2000,
        breaker: new ConsecutiveBreaker(options.breakAfter ?? 5),
      },
    );
    this.breaker.onStateChange((state) => options.logger.warn({ state }, 'inference circuit changed state'));
  }

  /** Subscribes to analysed messages (routing listens here). */
  onAnalysed(listener: (event: AnalysedEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Subscribes to messages that could not be analysed now (inference down or saturated): routing sends them to a
   * human, marked "not analysed", instead of letting them wait. They are still analysed when inference recovers.
   */
  onNotAnalysed(listener: (ref: MessageRef, origin: MessageOrigin) => void): void {
    this.unanalysedListeners.push(listener);
  }

  get stats() {
    return { ...this.counters, inFlight: this.inFlight.size, waiting: this.options.storage.analysisDue.size };
  }

  /** The circuit's state: 'closed' (analysing), 'open' (inference failing, messages wait), 'halfOpen' (trying). */
  get circuit(): string {
    return ['closed', 'open', 'halfOpen', 'isolated'][this.breaker.state] ?? String(this.breaker.state);
  }

  start(): void {
    const interval = this.options.sweepIntervalMs ?? 1000;
    this.sweeper = setInterval(() => void this.sweep(), interval);
    this.sweeper.unref();
    void this.sweep(); // messages left waiting by a previous run
  }

  stop(): void {
    this.stopped = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
  }

  /** A newly stored message: analyse it now (its due entry is the safety net if this fails). */
  submit(ref: MessageRef, origin: MessageOrigin, text: string, at: number): void {
    if (this.stopped || text.trim() === '') return;
    if (this.inFlight.size >= this.maxInFlight) {
      // Saturated: hold nothing more in memory. The due entry written with the message is the queue now.
      this.counters.deferred++;
      this.options.metrics?.analysisOutcomes.inc({ outcome: 'deferred' });
      for (const listener of this.unanalysedListeners) listener(ref, origin);
      return;
    }
    void this.analyse(ref, origin, text, at);
  }

  private async analyse(ref: MessageRef, origin: MessageOrigin, text: string, at: number): Promise<void> {
    const key = refKey(ref);
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      const started = performance.now();
      const analysis = await this.breaker.execute(() => this.options.pool.analyze(text, at));
      const inferred = performance.now();
      const result = await this.options.gateway.recordAnalysis(ref.tenant, ref, toAnalysisRecord(analysis));
      const recordMs = performance.now() - inferred;
      this.counters.analysed++;
      this.options.metrics?.pipelineStep.observe({ step: 'inference' }, (inferred - started) / 1000);
      this.options.metrics?.pipelineStep.observe({ step: 'record' }, recordMs / 1000);
      this.options.metrics?.analysisOutcomes.inc({ outcome: 'analysed' });
      this.retryAt.delete(key);
      if (!result.already) {
        const event: AnalysedEvent = {
          ref,
          origin,
          text,
          analysis: result.analysis,
          result,
          timings: { inferenceMs: inferred - started, recordMs },
        };
        for (const listener of this.listeners) listener(event);
      }
    } catch (error) {
      const firstAttempt = !this.retryAt.has(key);
      if (error instanceof BrokenCircuitError) {
        this.counters.skippedOpenCircuit++;
        this.options.metrics?.analysisOutcomes.inc({ outcome: 'circuit_open' });
      } else if (isOverloaded(error)) {
        this.counters.skippedOverloaded++;
        this.options.metrics?.analysisOutcomes.inc({ outcome: 'overloaded' });
      } else {
        this.counters.failed++;
        this.options.metrics?.analysisOutcomes.inc({ outcome: 'failed' });
        const typed = OmniError.from(error);
        const attempts = await this.options.storage.analysisDue
          .recordFailure({ ...ref, at, attempts: 0 })
          .catch(() => 1);
        if (attempts >= (this.options.maxAttempts ?? 5)) await this.bury(ref, at, attempts, typed);
        else {
          this.options.logger.warn({ err: typed, ref, attempts }, 'analysis failed; the message waits for a retry');
          const base = this.options.retryBaseMs ?? 1000;
          this.retryAt.set(key, Date.now() + Math.min(60_000, base * 2 ** Math.max(0, attempts - 1)));
        }
      }
      if (firstAttempt) for (const listener of this.unanalysedListeners) listener(ref, origin);
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Parks a message whose analysis keeps failing, so it stops tripping the circuit for everyone else. */
  private async bury(ref: MessageRef, at: number, attempts: number, error: OmniError): Promise<void> {
    const letter: DeadLetter = {
      id: `dl_${ref.conversationId}_${ref.seq}`,
      tenant: ref.tenant,
      step: 'analysis',
      conversationId: ref.conversationId,
      customerId: ref.customerId,
      seq: ref.seq,
      attempts,
      lastError: { code: error.code, message: error.message },
      storedAt: at,
      deadAt: Date.now(),
    };
    await this.options.storage.deadLetters.bury(letter);
    this.retryAt.delete(refKey(ref));
    this.counters.deadLettered++;
    this.options.metrics?.analysisOutcomes.inc({ outcome: 'dead_lettered' });
    this.options.logger.error({ deadLetter: letter }, 'analysis failed too often: message dead-lettered');
  }

  /** Puts a dead letter back in line and analyses it now; false when there is no such dead letter. */
  async replay(tenant: TenantId, id: string): Promise<boolean> {
    const letter = this.options.storage.deadLetters.get(tenant, id);
    if (letter === undefined) return false;
    await this.options.storage.deadLetters.revive(letter);
    const message = this.options.storage.forTenant(tenant).getMessage(letter.conversationId, letter.seq);
    if (message !== undefined && message.analysis === undefined) {
      const from = message.sender.kind === 'customer' ? message.sender.address : '';
      await this.analyse(
        { tenant, conversationId: letter.conversationId, customerId: letter.customerId, seq: letter.seq },
        { channel: message.channel, from },
        messageText(message.content),
        message.receivedAt,
      );
    }
    return true;
  }

  /** Re-drives messages still waiting: older than the minimum age, not in flight, backing off by attempts. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.sweeping || this.stopped || this.circuit === 'open') return 0;
    this.sweeping = true;
    let started = 0;
    let full = false;
    try {
      const minAge = this.options.sweepMinAgeMs ?? 2000;
      const batch: Promise<void>[] = [];
      // Up to the room left in memory (a deferred backlog drains as fast as inference frees up), at least a batch.
      const room = this.maxInFlight - this.inFlight.size;
      const limit = Math.max(this.options.sweepBatch ?? 256, Math.min(room, 4096));
      for (const entry of this.options.storage.analysisDue.pending(limit)) {
        if (this.inFlight.size >= this.maxInFlight) {
          full = true;
          break;
        }
        const key = refKey(entry);
        if (this.inFlight.has(key) || now - entry.at < minAge || (this.retryAt.get(key) ?? 0) > now) continue;
        const message = this.options.storage.forTenant(entry.tenant).getMessage(entry.conversationId, entry.seq);
        if (message === undefined || message.analysis !== undefined) {
          // Already analysed (its commit removes the entry: this is a leftover) or gone: drop the entry.
          await this.options.storage.analysisDue.remove(entry.tenant, entry.conversationId, entry.seq);
          continue;
        }
        started++;
        this.counters.redriven++;
        const from = message.sender.kind === 'customer' ? message.sender.address : '';
        const ref: MessageRef = {
          tenant: entry.tenant,
          conversationId: entry.conversationId,
          customerId: entry.customerId,
          seq: entry.seq,
        };
        batch.push(
          this.analyse(ref, { channel: message.channel, from }, messageText(message.content), message.receivedAt),
        );
      }
      await Promise.all(batch);
    } finally {
      this.sweeping = false;
    }
    // A deferred backlog drains as fast as inference answers: when this sweep filled the room itself, sweep again as
    // soon as its analyses are done (paced by them, never a busy loop while others hold the room).
    if (full && started > 0 && !this.stopped) setImmediate(() => void this.sweep());
    return started;
  }
}
