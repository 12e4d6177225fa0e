// Provider delivery reports (sent / delivered / read / failed) for the messages we sent, keyed by the provider's
// message id and linked to the outbox record that produced it. Reports arrive out of order and in duplicate, so the
// record keeps the whole history and a `status` that only moves forward (sent < delivered < read; failed is kept
// unless the message was already read). Its single writer is the main thread, which serializes updates per key.
import type { Database, Key } from 'lmdb';
import type { ChannelType, ConversationId, JsonValue, TenantId } from '../domain/index.js';

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface DeliveryRecord {
  tenant: TenantId;
  channel: ChannelType;
  providerMessageId: string;
  outboxId?: string;
  conversationId?: ConversationId;
  seq?: number;
  status?: DeliveryStatus;
  history: Array<{ status: DeliveryStatus; at: number; error?: JsonValue }>;
  updatedAt: number;
}

const RANK: Record<DeliveryStatus, number> = { sent: 1, delivered: 2, failed: 2.5, read: 3 };

export class DeliveryLedger {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly db: Database<unknown, Key>) {}

  get(tenant: TenantId, channel: ChannelType, providerMessageId: string): DeliveryRecord | undefined {
    return this.db.get([tenant, channel, providerMessageId]) as DeliveryRecord | undefined;
  }

  /** Records a provider's status report; resolves when durable. */
  report(
    tenant: TenantId,
    channel: ChannelType,
    providerMessageId: string,
    status: DeliveryStatus,
    at: number,
    error?: JsonValue,
  ): Promise<DeliveryRecord> {
    return this.update(tenant, channel, providerMessageId, (record) => {
      const history = [...record.history, { status, at, ...(error === undefined ? {} : { error }) }].slice(-50);
      const moves = record.status === undefined || RANK[status] > RANK[record.status];
      return { ...record, history, ...(moves ? { status } : {}) };
    });
  }

  /** Links a provider message id to the outbox record (and conversation message) that sent it. */
  link(
    tenant: TenantId,
    channel: ChannelType,
    providerMessageId: string,
    outboxId: string,
    conversationId: ConversationId,
    seq: number,
  ): Promise<DeliveryRecord> {
    return this.update(tenant, channel, providerMessageId, (record) => ({ ...record, outboxId, conversationId, seq }));
  }

  private update(
    tenant: TenantId,
    channel: ChannelType,
    providerMessageId: string,
    change: (r: DeliveryRecord) => DeliveryRecord,
  ): Promise<DeliveryRecord> {
    const key: Key = [tenant, channel, providerMessageId];
    const chainKey = `${tenant}\u0000${channel}\u0000${providerMessageId}`;
    const previous = this.chains.get(chainKey) ?? Promise.resolve();
    // Read-modify-write per key, one after another: a later report must see the earlier one's result.
    const next = previous.then(async () => {
      const current = (this.db.get(key) as DeliveryRecord | undefined) ?? {
        tenant,
        channel,
        providerMessageId,
        history: [],
        updatedAt: 0,
      };
      const updated = { ...change(current), updatedAt: Date.now() };
      await this.db.put(key, updated);
      return updated;
    });
    const settled = next.catch(() => undefined);
    this.chains.set(chainKey, settled);
    void settled.then(() => {
      if (this.chains.get(chainKey) === settled) this.chains.delete(chainKey);
    });
    return next;
  }
}
