// Inbound messages waiting for analysis: [tenant, conversationId, seq] → {customerId, at}. The entry is written in the
// same commit as the message and removed in the same commit as its analysis, so a message acknowledged before a
// crash (or stored while inference was down) is found again and analysed: "analysed exactly once, eventually".
// Writes go through the owning conversation's TenantStore; this class reads (the main thread's pipeline re-drives).
import type { Database, Key } from 'lmdb';
import type { ConversationId, CustomerId, TenantId } from '../domain/index.js';

export interface AnalysisDueEntry {
  tenant: TenantId;
  conversationId: ConversationId;
  seq: number;
  customerId: CustomerId;
  /** When the message was stored. */
  at: number;
  /** Failed analysis attempts so far (the pipeline dead-letters after too many). */
  attempts: number;
}

export interface AnalysisDueValue {
  customerId: CustomerId;
  at: number;
  attempts: number;
}

export class AnalysisDueIndex {
  constructor(private readonly db: Database<unknown, Key>) {}

  /** Up to `limit` waiting messages, in key order (by tenant, conversation, seq). */
  *pending(limit: number): Generator<AnalysisDueEntry> {
    for (const { key, value } of this.db.getRange({ limit })) {
      const [tenant, conversationId, seq] = key as [TenantId, ConversationId, number];
      const v = value as AnalysisDueValue;
      yield { tenant, conversationId, seq, customerId: v.customerId, at: v.at, attempts: v.attempts ?? 0 };
    }
  }

  get size(): number {
    return this.db.getCount();
  }

  get(tenant: TenantId, conversationId: ConversationId, seq: number): AnalysisDueValue | undefined {
    return this.db.get([tenant, conversationId, seq]) as AnalysisDueValue | undefined;
  }

  /** Counts a failed attempt, in one write transaction so a concurrent success (which removes it) is not undone. */
  recordFailure(entry: AnalysisDueEntry): Promise<number> {
    const key = [entry.tenant, entry.conversationId, entry.seq];
    return this.db.transaction(() => {
      const current = this.db.get(key) as AnalysisDueValue | undefined;
      if (current === undefined) return 0;
      const attempts = (current.attempts ?? 0) + 1;
      void this.db.put(key, { ...current, attempts });
      return attempts;
    });
  }

  /** Removes an entry (dead-lettered messages leave the index). */
  remove(tenant: TenantId, conversationId: ConversationId, seq: number): Promise<boolean> {
    return this.db.remove([tenant, conversationId, seq]);
  }
}
