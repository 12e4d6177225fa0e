// The delivery engine: works the persistent outbox. It picks due records, sends each through its channel's adapter,
// and records the outcome durably: sent (with provider ids), retry later (exponential backoff with jitter, every
// failure logged with its reason), or failed for good (non-retryable, or out of attempts). Because a record is
// durable before the first attempt and marked sent only after the provider accepted it, delivery is at-least-once
// across crashes; the outbox id travels as the idempotency key so a provider (or the customer) can drop repeats.
import type { Logger } from 'pino';
import type { ChannelType, JsonObject } from '../../domain/index.js';
import type { OutboxRecord, OutboxStore } from '../../persistence/index.js';
import { retryDelay, type BackoffPolicy } from './delivery-backoff.js';
import {
  DeliveryError,
  type OutboundAdapter,
  type OutboundContent,
  type OutboundMessage,
  type SendResult,
} from './outbound-adapter.js';

export interface DeliveryEngineOptions {
  store: OutboxStore;
  adapters: Partial<Record<ChannelType, OutboundAdapter>>;
  policy: BackoffPolicy;
  /** Sends in flight at once. */
  concurrency: number;
  logger: Logger;
  /** Called after each outcome is durable (metrics, delivery links, tests). */
  onOutcome?: (record: OutboxRecord) => void;
  now?: () => number;
  random?: () => number;
  /** Longest sleep between scans, so a clock jump or a missed wake-up is caught. @default 1000 */
  maxIdleMs?: number;
}

export class DeliveryEngine {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly inFlight = new Set<string>();
  private stopped = false;
  private scanQueued = false;
  private started = false;

  constructor(private readonly options: DeliveryEngineOptions) {}

  get activeDeliveries(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.stopped = false;
    this.started = true;
    this.kick();
  }

  /** Looks for due work now (called after new records are enqueued). */
  kick(): void {
    if (this.stopped || !this.started || this.scanQueued) return;
    this.scanQueued = true;
    setImmediate(() => {
      this.scanQueued = false;
      void this.scan();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async scan(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      this.launchDue();
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** Starts an attempt for every due record (up to the concurrency limit); returns the attempts started. */
  private launchDue(): Array<Promise<void>> {
    const started: Array<Promise<void>> = [];
    if (this.inFlight.size >= this.options.concurrency) return started;
    const limit = this.options.concurrency + this.inFlight.size;
    for (const record of this.options.store.dueRecords(this.now(), limit, (id) => this.inFlight.has(id))) {
      if (this.inFlight.size >= this.options.concurrency) break;
      this.inFlight.add(record.id);
      started.push(
        this.attempt(record).finally(() => {
          this.inFlight.delete(record.id);
          this.kick();
        }),
      );
    }
    return started;
  }

  /**
   * One pass without timers: attempts everything due now and waits for the outcomes to be durable. The engine's own
   * loop does the same on its schedule; tests drive it with a virtual clock through this.
   */
  async runOnce(): Promise<number> {
    const started = this.launchDue();
    await Promise.all(started);
    return started.length;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const next = this.options.store.nextDueAt();
    const maxIdle = this.options.maxIdleMs ?? 1000;
    const wait = next === undefined ? maxIdle : Math.min(maxIdle, Math.max(5, next - this.now()));
    this.timer = setTimeout(() => void this.scan(), wait);
    this.timer.unref();
  }

  /** One delivery attempt and its durable outcome. */
  private async attempt(record: OutboxRecord): Promise<void> {
    const { logger, store, policy } = this.options;
    const adapter = this.options.adapters[record.channel];
    const attempt = record.attempts + 1;
    let outcome: OutboxRecord;
    try {
      if (adapter === undefined)
        throw new DeliveryError(`no outbound adapter configured for ${record.channel}`, false, 'NOT_CONFIGURED');
      const result: SendResult = await adapter.send(toMessage(record));
      outcome = {
        ...record,
        state: 'sent',
        attempts: attempt,
        updatedAt: this.now(),
        providerMessageIds: result.providerMessageIds,
        ...(result.details === undefined ? {} : { details: result.details }),
      };
      logger.info(
        { outboxId: record.id, channel: record.channel, attempt, providerMessageIds: result.providerMessageIds },
        'delivered',
      );
    } catch (error) {
      const failure =
        error instanceof DeliveryError ? error : new DeliveryError(String((error as Error)?.message ?? error), true);
      const now = this.now();
      const exhausted = attempt >= policy.maxAttempts;
      const giveUp = !failure.retryable || exhausted;
      const errors = [
        ...record.errors,
        {
          at: now,
          attempt,
          reason: failure.message,
          retryable: failure.retryable,
          ...(failure.providerCode === undefined ? {} : { providerCode: failure.providerCode }),
        },
      ].slice(-20);
      outcome = {
        ...record,
        attempts: attempt,
        updatedAt: now,
        errors,
        state: giveUp ? 'failed' : 'pending',
        nextAttemptAt: giveUp
          ? record.nextAttemptAt
          : now + retryDelay(policy, attempt, this.options.random, failure.retryAfterMs),
        // Parts of a split message that did go out: the next attempt resumes after them.
        ...(failure.sentProviderMessageIds === undefined ? {} : { providerMessageIds: failure.sentProviderMessageIds }),
      };
      const log = {
        outboxId: record.id,
        channel: record.channel,
        attempt,
        reason: failure.message,
        providerCode: failure.providerCode,
      };
      if (giveUp) logger.error({ ...log, exhausted }, 'delivery failed for good');
      else logger.warn({ ...log, retryInMs: outcome.nextAttemptAt - now }, 'delivery failed; will retry');
    }
    try {
      await store.save(outcome, record.nextAttemptAt);
      this.options.onOutcome?.(outcome);
    } catch (error) {
      // The outcome is not durable: the record stays due and will be attempted again (at-least-once).
      logger.error({ err: error, outboxId: record.id }, 'could not record delivery outcome');
    }
  }
}

function toMessage(record: OutboxRecord): OutboundMessage {
  return {
    id: record.id,
    tenant: record.tenant,
    conversationId: record.conversationId,
    channel: record.channel,
    to: record.to,
    content: record.content as unknown as OutboundContent,
    context: record.context as OutboundMessage['context'],
    ...(record.providerMessageIds.length > 0 ? { sentParts: record.providerMessageIds } : {}),
  };
}

export type { JsonObject };
