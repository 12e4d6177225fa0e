// Admission control at the edge of the node: every inbound message (webhook, REST, SMTP, web chat) passes here before
// it is handed to the shards. Past capacity — too many commits in flight, or too many stored messages still waiting
// for their analysis — the message is refused at once with OVERLOADED (503 + Retry-After on HTTP, 451 on SMTP), which
// providers retry, instead of being queued without bound and slowing every conversation down. Nothing refused was
// acknowledged, so nothing is lost; when load drops the limits stop biting by themselves.
import { OmniError } from '../domain/index.js';

export interface AdmissionOptions {
  /** Inbound messages being committed at once. */
  maxInFlight: number;
  /** Stored messages still waiting for analysis, plus those being stored (read at each admission). */
  maxAnalysisBacklog: number;
  /** The analysis backlog now; 0 when analysis is off. */
  analysisBacklog: () => number;
}

export type RefusalReason = 'in_flight' | 'analysis_backlog';

export class AdmissionControl {
  private inFlightNow = 0;
  private readonly refused: Record<RefusalReason, number> = { in_flight: 0, analysis_backlog: 0 };
  private readonly refusalListeners: Array<(reason: RefusalReason) => void> = [];

  constructor(private readonly options: AdmissionOptions) {}

  /** Takes a slot for one inbound message, or throws OVERLOADED. Every successful enter() needs one leave(). */
  enter(): void {
    if (this.inFlightNow >= this.options.maxInFlight)
      this.refuse('in_flight', `${this.inFlightNow} messages in flight`);
    // Messages being committed now join the analysis backlog as soon as they are stored: count them too, or a burst
    // would all be admitted before the first of it shows up in the backlog.
    const backlog = this.options.analysisBacklog() + this.inFlightNow;
    if (backlog >= this.options.maxAnalysisBacklog)
      this.refuse('analysis_backlog', `${backlog} messages waiting for analysis`);
    this.inFlightNow++;
  }

  leave(): void {
    this.inFlightNow--;
  }

  /** Runs `work` inside a slot (refused at once when the node is past capacity). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  onRefused(listener: (reason: RefusalReason) => void): void {
    this.refusalListeners.push(listener);
  }

  get stats(): { inFlight: number; refused: Record<RefusalReason, number> } {
    return { inFlight: this.inFlightNow, refused: { ...this.refused } };
  }

  private refuse(reason: RefusalReason, detail: string): never {
    this.refused[reason]++;
    for (const listener of this.refusalListeners) listener(reason);
    throw new OmniError('OVERLOADED', `the node is past capacity (${detail}); retry later`, { reason });
  }
}
