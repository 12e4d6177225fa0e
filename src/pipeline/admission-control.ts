// Admission control at the edge of the node: every inbound message (webhook, REST, SMTP, web chat) passes here before
// it is handed to the shards. Past capacity the message is refused at once with OVERLOADED (503 + Retry-After on
// HTTP, 451 on SMTP), which providers retry, instead of being queued and slowing every conversation down. Nothing
// refused was acknowledged, so nothing is lost; when load drops the limit stops biting by itself. (Saturated inference
// is not a reason to refuse: the issue asks for such messages to be stored and routed to a human marked "not
// analysed"; the pipeline bounds its own backlog.)
//
// Two limits, the lower one applies:
// - `maxInFlight`, a fixed cap on messages being committed at once (memory safety);
// - a latency-bounded limit (when `targetLatencyMs` > 0), after CoDel (Nichols & Jacobson, "Controlling Queue
//   Delay", 2012): the time from a message's admission to its durable commit is its sojourn. While some message of
//   each 100-ms window still commits within the target, any queue is a passing burst and nothing changes. Once no
//   message has committed within the target for a whole interval (500 ms, longer than this node's GC pauses and
//   commit stalls), the queue is standing: the node is past capacity. The limit is then cut to what the node commits
//   in the target time (Little's law: commits per ms × target), and by a tenth again each window the queue stands,
//   so the messages it does take are committed within about the target while the excess is refused cheaply. It
//   grows back by a tenth per window once the queue is gone (doubling when it is not even reached), so the node
//   returns to the fixed cap on its own when load drops. A fixed cap alone would let 4,096 messages queue, seconds
//   of delay for every sender at once.
import { OmniError } from '../domain/index.js';

export interface AdmissionOptions {
  /** Inbound messages being committed at once (the fixed cap). */
  maxInFlight: number;
  /** Bound on the standing queue's delay, admission to commit, in ms; 0 turns the latency limit off. @default 0 */
  targetLatencyMs?: number;
  /** Monotonic milliseconds (tests drive their own clock). */
  now?: () => number;
}

export type RefusalReason = 'in_flight' | 'latency';

/** Sojourn statistics are gathered over windows of this length. */
export const ADMISSION_WINDOW_MS = 100;
/** The queue counts as standing once no commit met the target for this long. */
export const ADMISSION_INTERVAL_MS = 500;
/** The latency limit never goes below this many messages in flight (a node always takes some work). */
export const ADMISSION_MIN_LIMIT = 8;

export class AdmissionControl {
  private inFlightNow = 0;
  private readonly refused: Record<RefusalReason, number> = { in_flight: 0, latency: 0 };
  private readonly refusalListeners: Array<(reason: RefusalReason) => void> = [];
  private readonly target: number;
  private readonly now: () => number;
  /** The latency-bounded limit (equal to maxInFlight while the queue is not standing). */
  private limit: number;
  private windowStart: number;
  private windowMin = Number.POSITIVE_INFINITY;
  private windowCommits = 0;
  private windowPeak = 0;
  /** Since when no commit has met the target (undefined: one did in the last window). */
  private aboveSince: number | undefined;

  constructor(private readonly options: AdmissionOptions) {
    this.target = options.targetLatencyMs ?? 0;
    this.now = options.now ?? (() => performance.now());
    this.limit = options.maxInFlight;
    this.windowStart = this.now();
  }

  /** Refuses with OVERLOADED if a message arriving now would be refused; takes no slot (a cheap early check). */
  check(): void {
    if (this.target > 0) this.advance(this.now());
    if (this.inFlightNow >= this.options.maxInFlight)
      this.refuse('in_flight', `${this.inFlightNow} messages in flight`);
    if (this.inFlightNow >= this.limit)
      this.refuse(
        'latency',
        `commits are queueing past ${this.target} ms; ${this.inFlightNow} in flight, limit ${this.limit}`,
      );
  }

  /**
   * Takes a slot for one inbound message, or throws OVERLOADED. Returns the admission time, to be given back to
   * leave() when the message is committed (or failed).
   */
  enter(): number {
    this.check();
    this.inFlightNow++;
    if (this.inFlightNow > this.windowPeak) this.windowPeak = this.inFlightNow;
    return this.target > 0 ? this.now() : 0;
  }

  leave(admittedAt: number): void {
    this.inFlightNow--;
    if (this.target <= 0) return;
    const now = this.now();
    this.advance(now);
    const sojourn = now - admittedAt;
    if (sojourn < this.windowMin) this.windowMin = sojourn;
    this.windowCommits++;
  }

  /** Runs `work` inside a slot (refused at once when the node is past capacity). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const admittedAt = this.enter();
    try {
      return await work();
    } finally {
      this.leave(admittedAt);
    }
  }

  onRefused(listener: (reason: RefusalReason) => void): void {
    this.refusalListeners.push(listener);
  }

  get stats(): { inFlight: number; limit: number; refused: Record<RefusalReason, number> } {
    return {
      inFlight: this.inFlightNow,
      limit: Math.min(this.limit, this.options.maxInFlight),
      refused: { ...this.refused },
    };
  }

  /** Closes every window that has ended by `now` and adjusts the limit from it. */
  private advance(now: number): void {
    while (now - this.windowStart >= ADMISSION_WINDOW_MS) {
      const end = this.windowStart + ADMISSION_WINDOW_MS;
      // A window in which nothing committed while messages were waiting is as bad as one where all were slow.
      const above = this.windowCommits > 0 ? this.windowMin > this.target : this.inFlightNow > 0;
      if (!above) {
        this.aboveSince = undefined;
        if (this.limit < this.options.maxInFlight) {
          const grown = this.windowPeak >= this.limit ? Math.ceil(this.limit * 1.1) + 1 : this.limit * 2;
          this.limit = Math.min(this.options.maxInFlight, grown);
        }
      } else {
        this.aboveSince ??= this.windowStart;
        if (end - this.aboveSince >= ADMISSION_INTERVAL_MS) {
          const fits = Math.ceil((this.windowCommits / ADMISSION_WINDOW_MS) * this.target);
          this.limit = Math.max(ADMISSION_MIN_LIMIT, Math.min(fits, Math.floor(this.limit * 0.9)));
        }
      }
      this.windowStart = end;
      this.windowMin = Number.POSITIVE_INFINITY;
      this.windowCommits = 0;
      this.windowPeak = this.inFlightNow;
      // After a long idle gap, skip the empty windows at once (none of them can change anything but the growth).
      if (now - this.windowStart >= ADMISSION_INTERVAL_MS && this.inFlightNow === 0) {
        this.windowStart = now - ((now - this.windowStart) % ADMISSION_WINDOW_MS);
        this.aboveSince = undefined;
        this.limit = this.options.maxInFlight;
      }
    }
  }

  private refuse(reason: RefusalReason, detail: string): never {
    this.refused[reason]++;
    for (const listener of this.refusalListeners) listener(reason);
    throw new OmniError('OVERLOADED', `the node is past capacity (${detail}); retry later`, { reason });
  }
}
