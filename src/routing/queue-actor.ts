// QueueActor: the conversations waiting for one skill × language, and the queue's live statistics.
//
// Ordering. Effective priority = priority + waitedMs / agingMs, where priority is the urgency (1-10, plus an
// escalation boost). Multiplying by agingMs and cancelling `now` shows the order never changes with time:
//   a before b  ⇔  a.priority·agingMs − a.enqueuedAt  >  b.priority·agingMs − b.enqueuedAt
// (ties: the earlier enqueuedAt, then arrival order). So aging needs no re-sorting: the queue keeps one bucket per
// priority, each sorted by (enqueuedAt, seq) — FIFO within an urgency — and the best item is the best of at most ten
// bucket heads under that key. A low-urgency item overtakes a high-urgency one that arrived
// (Δpriority·agingMs) later or more. Position (1 = next) is a binary search per bucket.
//
// Statistics for the wait-time model (see wait-estimate.ts): EWMA of inter-arrival times and of handle times.
import type { RoutedConversation } from './routed-conversation.js';

export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 10;

/** (enqueuedAt, seq) order: true if a comes strictly before b in a bucket. */
function earlier(a: RoutedConversation, b: RoutedConversation): boolean {
  return a.enqueuedAt < b.enqueuedAt || (a.enqueuedAt === b.enqueuedAt && a.seq < b.seq);
}

/** True if a should be served before b (higher effective priority at any time). */
export function servedBefore(a: RoutedConversation, b: RoutedConversation, agingMs: number): boolean {
  const ka = a.priority * agingMs - a.enqueuedAt;
  const kb = b.priority * agingMs - b.enqueuedAt;
  return ka > kb || (ka === kb && earlier(a, b));
}

export class QueueActor {
  readonly id: string;
  /** buckets[p] for p in 1..10, each sorted by (enqueuedAt, seq). */
  readonly buckets: RoutedConversation[][] = [];
  depth = 0;
  meanHandleMs: number;
  meanInterArrivalMs: number | undefined;
  private lastArrivalAt: number | undefined;

  constructor(
    readonly skill: string,
    readonly language: string,
    private readonly agingMs: number,
    defaultHandleMs: number,
    private readonly alpha: number,
  ) {
    this.id = `${skill}:${language}`;
    this.meanHandleMs = defaultHandleMs;
    for (let p = 0; p <= MAX_PRIORITY; p++) this.buckets.push([]);
  }

  insert(c: RoutedConversation): void {
    const bucket = this.buckets[c.priority] as RoutedConversation[];
    const last = bucket[bucket.length - 1];
    if (last === undefined || earlier(last, c)) bucket.push(c);
    else bucket.splice(this.lowerBound(bucket, c), 0, c);
    this.depth++;
  }

  remove(c: RoutedConversation): boolean {
    const bucket = this.buckets[c.priority] as RoutedConversation[];
    if (bucket[0] === c) {
      bucket.shift();
    } else {
      const i = this.lowerBound(bucket, c);
      if (bucket[i] !== c) return false;
      bucket.splice(i, 1);
    }
    this.depth--;
    return true;
  }

  /** The waiting conversation to serve next (ignoring who can serve it). */
  head(): RoutedConversation | undefined {
    let best: RoutedConversation | undefined;
    for (let p = MAX_PRIORITY; p >= MIN_PRIORITY; p--) {
      const h = (this.buckets[p] as RoutedConversation[])[0];
      if (h !== undefined && (best === undefined || servedBefore(h, best, this.agingMs))) best = h;
    }
    return best;
  }

  /** 1-based position of a waiting conversation: how many are served before it, plus one. */
  position(c: RoutedConversation): number {
    const a = this.agingMs;
    const key = c.priority * a - c.enqueuedAt;
    let ahead = 0;
    for (let p = MIN_PRIORITY; p <= MAX_PRIORITY; p++) {
      const bucket = this.buckets[p] as RoutedConversation[];
      if (bucket.length === 0) continue;
      if (p === c.priority) {
        ahead += this.lowerBound(bucket, c);
      } else {
        // x before c ⇔ p·a − x.enqueuedAt > key (ties go to the earlier enqueuedAt, i.e. the lower priority bucket).
        const threshold = p * a - key;
        ahead += p < c.priority ? countAtMost(bucket, threshold) : countBelow(bucket, threshold);
      }
    }
    return ahead + 1;
  }

  /** The longest wait in the queue. */
  oldestEnqueuedAt(): number | undefined {
    let oldest: number | undefined;
    for (let p = MIN_PRIORITY; p <= MAX_PRIORITY; p++) {
      const h = (this.buckets[p] as RoutedConversation[])[0];
      if (h !== undefined && (oldest === undefined || h.enqueuedAt < oldest)) oldest = h.enqueuedAt;
    }
    return oldest;
  }

  recordArrival(now: number): void {
    if (this.lastArrivalAt !== undefined && now >= this.lastArrivalAt) {
      const gap = now - this.lastArrivalAt;
      this.meanInterArrivalMs =
        this.meanInterArrivalMs === undefined ? gap : (1 - this.alpha) * this.meanInterArrivalMs + this.alpha * gap;
    }
    this.lastArrivalAt = now;
  }

  recordHandleTime(ms: number): void {
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    this.meanHandleMs = (1 - this.alpha) * this.meanHandleMs + this.alpha * ms;
  }

  /** Arrivals per millisecond (undefined until two arrivals were seen). */
  arrivalRatePerMs(): number | undefined {
    return this.meanInterArrivalMs === undefined ? undefined : 1 / Math.max(1, this.meanInterArrivalMs);
  }

  /** Index of the first element not before c in (enqueuedAt, seq) order. */
  private lowerBound(bucket: RoutedConversation[], c: RoutedConversation): number {
    let lo = 0;
    let hi = bucket.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (earlier(bucket[mid] as RoutedConversation, c)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Number of items with enqueuedAt < t. */
function countBelow(bucket: RoutedConversation[], t: number): number {
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((bucket[mid] as RoutedConversation).enqueuedAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of items with enqueuedAt ≤ t. */
function countAtMost(bucket: RoutedConversation[], t: number): number {
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((bucket[mid] as RoutedConversation).enqueuedAt <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
