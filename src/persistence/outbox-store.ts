// The persistent outbox: every outbound delivery is recorded (durably) before it is attempted, with its attempts,
// errors and next due time, so deliveries resume after a restart and nothing is sent that was not recorded.
// Records are created atomically with the outbound message by the conversation's actor, then owned by the node's
// delivery engine, which is their only writer from then on.
import type { Database, Key } from 'lmdb';
import type { ChannelType, ConversationId, JsonObject, TenantId } from '../domain/index.js';

export type OutboxState = 'pending' | 'sent' | 'failed';

export interface OutboxAttemptError {
  at: number;
  attempt: number;
  reason: string;
  retryable: boolean;
  providerCode?: string;
}

export interface OutboxRecord {
  id: string;
  tenant: TenantId;
  conversationId: ConversationId;
  /** The outbound message's seq in its conversation. */
  seq: number;
  channel: ChannelType;
  to: string;
  /** The OutboundContent to send (kept as JSON). */
  content: JsonObject;
  context: JsonObject;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  updatedAt: number;
  errors: OutboxAttemptError[];
  providerMessageIds: string[];
  details?: JsonObject;
}

export class OutboxStore {
  constructor(
    private readonly records: Database<unknown, Key>,
    private readonly due: Database<unknown, Key>,
  ) {}

  get(tenant: TenantId, id: string): OutboxRecord | undefined {
    const record = this.records.get([tenant, id]) as OutboxRecord | undefined;
    return record?.tenant === tenant ? record : undefined;
  }

  /** Creates or updates a record and moves its due entry, atomically; resolves when durable. */
  save(record: OutboxRecord, previousDueAt?: number): Promise<boolean> {
    return this.records.batch(() => {
      void this.records.put([record.tenant, record.id], record);
      if (previousDueAt !== undefined) void this.due.remove([previousDueAt, record.tenant, record.id]);
      if (record.state === 'pending') void this.due.put([record.nextAttemptAt, record.tenant, record.id], null);
    });
  }

  /**
   * Pending records due at or before `now`, oldest first. `skip`: ids not to read (deliveries already in flight: the
   * engine rescans after every delivery, and decoding its own in-flight records each time would make a scan cost
   * O(concurrency)).
   */
  *dueRecords(now: number, limit: number, skip?: (id: string) => boolean): Generator<OutboxRecord> {
    for (const key of this.due.getKeys({ start: [0], end: [now + 1], limit })) {
      const [, tenant, id] = key as [number, TenantId, string];
      if (skip?.(id) === true) continue;
      const record = this.get(tenant, id);
      if (record !== undefined && record.state === 'pending') yield record;
    }
  }

  nextDueAt(): number | undefined {
    for (const key of this.due.getKeys({ start: [0], limit: 1 })) return (key as [number])[0];
    return undefined;
  }

  /** Pending records (the backlog), for metrics. */
  backlog(): number {
    return this.due.getKeysCount();
  }
}
