// The event-loop delay of the current thread, read as a p99 since the previous read: each shard runtime and each
// inference worker keeps one and reports it for `/metrics` (a thread held by long work shows here before it shows
// as latency).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export class EventLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  /** p99 delay in ms since the previous call (0 when nothing was sampled), then starts over. */
  takeP99Ms(): number {
    const ms = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.histogram.reset();
    return ms;
  }

  stop(): void {
    this.histogram.disable();
  }
}
