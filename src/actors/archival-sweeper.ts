// The shard's archival sweeper: conversation actors keep their own timers while in memory, but a passivated
// conversation has no timer. The durable archive-due index remembers it; this sweeper reads the entries that have
// fallen due and wakes the owning conversation actors on this shard, which then decide (and archive) themselves.
import type { ArchiveDueIndex, DueEntry } from '../persistence/index.js';

export interface ArchivalSweeperOptions {
  index: ArchiveDueIndex;
  /** Whether this shard owns the entry's conversation. */
  owns: (entry: DueEntry) => boolean;
  /** Wakes the conversation actor (through its mailbox). */
  wake: (entry: DueEntry) => void;
  /** Longest pause between scans. */
  maxIntervalMs: number;
  /** Entries read per scan, so a backlog after downtime is worked off in slices. */
  batch?: number;
}

export class ArchivalSweeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Entries woken recently, so a slow actor is not woken again on every scan. */
  private readonly recentlyWoken = new Map<string, number>();

  constructor(private readonly options: ArchivalSweeperOptions) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** One scan; returns how many actors were woken. */
  scan(now = Date.now()): number {
    const batch = this.options.batch ?? 1000;
    let woken = 0;
    let seen = 0;
    for (const entry of this.options.index.due(now, batch)) {
      seen++;
      if (!this.options.owns(entry)) continue;
      const key = `${entry.tenant}\u0000${entry.conversationId}\u0000${entry.dueAt}`;
      const last = this.recentlyWoken.get(key);
      if (last !== undefined && now - last < this.options.maxIntervalMs) continue;
      this.recentlyWoken.set(key, now);
      this.options.wake(entry);
      woken++;
    }
    for (const [key, at] of this.recentlyWoken)
      if (now - at >= this.options.maxIntervalMs) this.recentlyWoken.delete(key);
    // A full batch means a backlog: come back soon rather than after the usual pause.
    if (seen === batch) this.schedule(10);
    return woken;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scan();
      const next = this.options.index.nextDueAt();
      const now = Date.now();
      // An overdue head entry is being handled (or belongs to another shard): re-check at a relaxed pace.
      const wait =
        next === undefined ? this.options.maxIntervalMs : next > now ? next - now : this.options.maxIntervalMs / 4;
      if (this.timer === undefined) this.schedule(Math.min(this.options.maxIntervalMs, Math.max(wait, 20)));
    }, delay);
    this.timer.unref();
  }
}
