// Admission control at the edge of the node: every inbound message (webhook, REST, SMTP, web chat) passes here before
// it is handed to the shards. Past capacity — more commits in flight than the node can hold — the message is refused
// at once with OVERLOADED (503 + Retry-After on HTTP, 451 on SMTP), which providers retry, instead of being queued
// without bound and slowing every conversation down. Nothing refused was acknowledged, so nothing is lost; when load
// drops the limit stops biting by itself. (Saturated inference is not a reason to refuse: the issue asks for such
// messages to be stored and routed to a human marked "not analysed"; the pipeline bounds its own backlog.)
import { OmniError } from '../domain/index.js';

export interface AdmissionOptions {
  /** Inbound messages being committed at once. */
  maxInFlight: number;
}

export type RefusalReason = 'in_flight';

export class AdmissionControl {
  private inFlightNow = 0;
  private readonly refused: Record<RefusalReason, number> = { in_flight: 0 };
  private readonly refusalListeners: Array<(reason: RefusalReason) => void> = [];

  constructor(private readonly options: AdmissionOptions) {}

  /** Takes a slot for one inbound message, or throws OVERLOADED. Every successful enter() needs one leave(). */
  enter(): void {
    if (this.inFlightNow >= this.options.maxInFlight)
      this.refuse('in_flight', `${this.inFlightNow} messages in flight`);
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
