// The archival timer index: [dueAt, tenant, conversationId] → customerId. Entries are lower bounds: when one falls due
// the conversation's actor checks its real last activity and either archives or schedules a later entry. That keeps
// the index at one write per conversation per inactivity period instead of one per message. Writes go through the
// owning conversation's TenantStore (atomically with the conversation record); this class only reads.
import type { Database, Key } from 'lmdb';
import type { ConversationId, CustomerId, TenantId } from '../domain/index.js';

export interface DueEntry {
  dueAt: number;
  tenant: TenantId;
  conversationId: ConversationId;
  customerId: CustomerId;
}

export class ArchiveDueIndex {
  constructor(private readonly db: Database<unknown, Key>) {}

  /** Entries due at or before `now`, oldest first. */
  *due(now: number, limit: number): Generator<DueEntry> {
    for (const { key, value } of this.db.getRange({ start: [0], end: [now + 1], limit })) {
      const [dueAt, tenant, conversationId] = key as [number, TenantId, ConversationId];
      yield { dueAt, tenant, conversationId, customerId: value as CustomerId };
    }
  }

  /** The earliest due time in the index, if any. */
  nextDueAt(): number | undefined {
    for (const key of this.db.getKeys({ start: [0], limit: 1 })) return (key as [number])[0];
    return undefined;
  }
}
