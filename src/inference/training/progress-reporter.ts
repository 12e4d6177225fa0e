// Progress display of a training run on a stream (stderr): on a TTY one line rewritten in place, otherwise a plain
// line every `intervalMs` (and at each epoch end), so CI logs stay readable. Shows epoch, step/steps, loss, elapsed
// time and the ETA extrapolated from the steps done so far.
import type { TrainProgress } from './trainer.js';

export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class ProgressReporter {
  private lastLineAt = 0;
  private lastEpoch = 0;
  private pending = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label = 'training',
    private readonly intervalMs = 10_000,
  ) {}

  update(p: TrainProgress): void {
    const now = Date.now();
    const eta = p.step > 0 ? (p.elapsedMs * (p.steps - p.step)) / p.step : NaN;
    const pct = ((100 * p.step) / Math.max(1, p.steps)).toFixed(1);
    const line =
      `${this.label}: epoch ${p.epoch}/${p.epochs}  step ${p.step}/${p.steps} (${pct}%)  loss ${p.loss.toFixed(4)}  ` +
      `elapsed ${formatDuration(p.elapsedMs)}  ETA ${formatDuration(eta)}`;
    if (this.stream.isTTY === true) {
      this.stream.write(`\r\x1b[2K${line}`);
      this.pending = true;
      return;
    }
    const epochEnded = p.epoch !== this.lastEpoch && this.lastEpoch !== 0;
    if (now - this.lastLineAt >= this.intervalMs || epochEnded || p.step === p.steps) {
      this.stream.write(`${line}\n`);
      this.lastLineAt = now;
    }
    this.lastEpoch = p.epoch;
  }

  /** Ends the in-place line (TTY) so that the next output starts on a new line. */
  done(): void {
    if (this.pending) this.stream.write('\n');
    this.pending = false;
  }
}
