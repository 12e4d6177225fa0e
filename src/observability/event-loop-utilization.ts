// How busy this thread's event loop has been lately (0 idle … 1 never idle), over the last completed window: the
// signal for trading a little latency for less CPU only when CPU is what is short (the inference pool's batching
// wait), and a gauge for operators (`omnicx_event_loop_utilization`).
import { performance, type EventLoopUtilization as Elu } from 'node:perf_hooks';

export class EventLoopUtilization {
  private last: Elu = performance.eventLoopUtilization();
  private value = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(windowMs = 500) {
    this.timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.value = performance.eventLoopUtilization(now, this.last).utilization;
      this.last = now;
    }, windowMs);
    this.timer.unref();
  }

  /** Utilization over the last completed window. */
  get current(): number {
    return this.value;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
