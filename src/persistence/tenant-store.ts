// A tenant's view of the store. It fills the tenant part of every key itself, so code holding a TenantStore cannot
// read or write another tenant's records: isolation by construction, not by a filter someone could forget.
// Multi-record writes use `batch`, so they commit atomically. A write promise resolves once its transaction is
// committed (lmdb-js fsyncs afterwards, `overlappingSync`); what is acknowledged to the outside also waits for
// `Storage.flushed()` (ShardRuntime.durable).
import type {
  ChannelType,
  Conversation,
  ConversationId,
  CustomerId,
  CustomerProfile,
  MessageId,
  TenantId,
  UnifiedMessage,
} from '../domain/index.js';
import { keys } from './key-layout.js';
import type { AnalysisDueValue } from './analysis-due-index.js';
import type { OutboxRecord } from './outbox-store.js';
import type { Databases } from './storage.js';
import type { CommitFlushes } from './commit-flushes.js';

/** The dedup index entry: what a provider message id was stored as. */
export interface ProviderMessageRef {
  conversationId: ConversationId;
  customerId: CustomerId;
  messageId: MessageId;
  seq: number;
}

export class TenantStore {
  constructor(
    readonly tenant: TenantId,
    private readonly dbs: Databases,
    /** Inbound and outbound appends are tracked here, so acknowledging them waits for their own fsync only. */
    private readonly commits?: CommitFlushes,
  ) {}

  private owned<T extends { tenantId: TenantId }>(record: unknown): T | undefined {
    // Defence in depth: a record under this tenant's prefix must also say it belongs to this tenant.
    const r = record as T | undefined;
    return r !== undefined && r.tenantId === this.tenant ? r : undefined;
  }

  private get db(): Databases {
    return this.dbs;
  }

  // --- customers and identities ---

  getCustomer(id: CustomerId): CustomerProfile | undefined {
    return this.owned<CustomerProfile>(this.db.customers.get(keys.customer(this.tenant, id)));
  }

  putCustomer(profile: CustomerProfile): Promise<boolean> {
    return this.db.customers.put(keys.customer(this.tenant, profile.id), { ...profile, tenantId: this.tenant });
  }

  getIdentityOwner(identityKey: string): CustomerId | undefined {
    return this.db.identities.get(keys.identity(this.tenant, identityKey)) as CustomerId | undefined;
  }

  putIdentityOwner(identityKey: string, customerId: CustomerId): Promise<boolean> {
    return this.db.identities.put(keys.identity(this.tenant, identityKey), customerId);
  }

  // --- conversations and messages ---

  getConversation(id: ConversationId): Conversation | undefined {
    return this.owned<Conversation>(this.db.conversations.get(keys.conversation(this.tenant, id)));
  }

  /** Messages of a conversation in seq (arrival) order. */
  getMessages(conversationId: ConversationId, fromSeq = 1, limit?: number): UnifiedMessage[] {
    const out: UnifiedMessage[] = [];
    const range = this.db.messages.getRange({
      start: keys.message(this.tenant, conversationId, fromSeq),
      end: keys.message(this.tenant, conversationId, Number.MAX_SAFE_INTEGER),
      ...(limit === undefined ? {} : { limit }),
    });
    for (const { value } of range) {
      const message = this.owned<UnifiedMessage>(value);
      if (message !== undefined) out.push(message);
    }
    return out;
  }

  getMessage(conversationId: ConversationId, seq: number): UnifiedMessage | undefined {
    return this.owned<UnifiedMessage>(this.db.messages.get(keys.message(this.tenant, conversationId, seq)));
  }

  /** Rewrites one stored message (its owning conversation actor only: e.g. to attach downloaded media). */
  putMessage(message: UnifiedMessage): Promise<boolean> {
    return this.db.messages.put(keys.message(this.tenant, message.conversationId, message.seq), message);
  }

  getProviderRef(channel: ChannelType, providerMessageId: string): ProviderMessageRef | undefined {
    return this.db['provider-ids'].get(keys.providerId(this.tenant, channel, providerMessageId)) as
      ProviderMessageRef | undefined;
  }

  /**
   * The append path: the message, the conversation's new head (lastSeq, lastActivityAt) and the provider-id dedup
   * entry commit in one transaction. The promise resolves at commit (visible, safe from a process crash); the
   * fsync follows (`Storage.appendsFlushed`). `opensWithArchiveDueAt`: this message opens the conversation, so its
   * first archival timer entry joins the same transaction (one write of the new head, not one to open and one to
   * append).
   */
  appendMessage(
    conversation: Conversation,
    message: UnifiedMessage,
    awaitsAnalysis = false,
    opensWithArchiveDueAt?: number,
  ): Promise<boolean> {
    const t = this.tenant;
    const dbs = this.db;
    const write = dbs.messages.batch(() => {
      void dbs.messages.put(keys.message(t, message.conversationId, message.seq), message);
      if (opensWithArchiveDueAt !== undefined) {
        void dbs['archive-due'].put(
          keys.archiveDue(opensWithArchiveDueAt, t, conversation.id),
          conversation.customerId,
        );
      }
      if (awaitsAnalysis) {
        const due: AnalysisDueValue = { customerId: message.customerId, at: message.receivedAt, attempts: 0 };
        void dbs['analysis-due'].put(keys.analysisDue(t, message.conversationId, message.seq), due);
      }
      void dbs.conversations.put(keys.conversation(t, conversation.id), conversation);
      if (message.providerMessageId !== undefined) {
        const ref: ProviderMessageRef = {
          conversationId: message.conversationId,
          customerId: message.customerId,
          messageId: message.id,
          seq: message.seq,
        };
        void dbs['provider-ids'].put(keys.providerId(t, message.channel, message.providerMessageId), ref);
      }
    });
    return this.commits === undefined ? write : this.commits.track(write);
  }

  /**
   * The outbound path: the reply message, the conversation head and the outbox record that will deliver it commit
   * together, so a reply is never stored without being queued for delivery, nor queued without being stored.
   */
  appendOutbound(conversation: Conversation, message: UnifiedMessage, outbox: OutboxRecord): Promise<boolean> {
    const t = this.tenant;
    const dbs = this.db;
    const write = dbs.messages.batch(() => {
      void dbs.messages.put(keys.message(t, message.conversationId, message.seq), message);
      void dbs.conversations.put(keys.conversation(t, conversation.id), conversation);
      void dbs.outbox.put([t, outbox.id], outbox);
      void dbs['outbox-due'].put([outbox.nextAttemptAt, t, outbox.id], null);
    });
    return this.commits === undefined ? write : this.commits.track(write);
  }

  /** A message's analysis, the conversation head (sentiment history) and the end of its analysis wait, atomically. */
  recordAnalysis(conversation: Conversation, message: UnifiedMessage): Promise<boolean> {
    const t = this.tenant;
    const dbs = this.db;
    return dbs.messages.batch(() => {
      void dbs.messages.put(keys.message(t, message.conversationId, message.seq), message);
      void dbs.conversations.put(keys.conversation(t, conversation.id), conversation);
      void dbs['analysis-due'].remove(keys.analysisDue(t, message.conversationId, message.seq));
    });
  }

  /** Rewrites a conversation's head (its owning actor only). */
  putConversationHead(conversation: Conversation): Promise<boolean> {
    return this.db.conversations.put(keys.conversation(this.tenant, conversation.id), conversation);
  }

  /** Opens a conversation: its record and its first archival timer entry, atomically. */
  openConversation(conversation: Conversation, archiveDueAt: number): Promise<boolean> {
    const t = this.tenant;
    const dbs = this.db;
    return dbs.conversations.batch(() => {
      void dbs.conversations.put(keys.conversation(t, conversation.id), conversation);
      void dbs['archive-due'].put(keys.archiveDue(archiveDueAt, t, conversation.id), conversation.customerId);
    });
  }

  /** Moves a conversation's archival timer entry to a later due time, with the record that names it, atomically. */
  rescheduleArchive(conversation: Conversation, fromDueAt: number, toDueAt: number): Promise<boolean> {
    const t = this.tenant;
    const dbs = this.db;
    return dbs.conversations.batch(() => {
      void dbs['archive-due'].remove(keys.archiveDue(fromDueAt, t, conversation.id));
      void dbs['archive-due'].put(keys.archiveDue(toDueAt, t, conversation.id), conversation.customerId);
      void dbs.conversations.put(keys.conversation(t, conversation.id), conversation);
    });
  }

  /** Removes a timer entry that no longer matches its conversation (left behind by a crash between writes). */
  removeStaleArchiveDue(dueAt: number, conversationId: ConversationId): Promise<boolean> {
    return this.db['archive-due'].remove(keys.archiveDue(dueAt, this.tenant, conversationId));
  }

  /** Archives: the record's new status, the archived index entry, and the timer entry removed, atomically. */
  archiveConversation(archived: Conversation, dueAt: number): Promise<boolean> {
    const t = this.tenant;
    const dbs = this.db;
    const archivedAt = archived.archivedAt ?? Date.now();
    return dbs.conversations.batch(() => {
      void dbs.conversations.put(keys.conversation(t, archived.id), archived);
      void dbs.archive.put(keys.archived(t, archivedAt, archived.id), archived.customerId);
      void dbs['archive-due'].remove(keys.archiveDue(dueAt, t, archived.id));
    });
  }

  /** Archived conversations of this tenant, oldest archival first. */
  listArchived(limit = 100): Array<{ conversationId: ConversationId; archivedAt: number }> {
    const out: Array<{ conversationId: ConversationId; archivedAt: number }> = [];
    for (const key of this.db.archive.getKeys({
      start: [this.tenant],
      end: [this.tenant, Number.MAX_SAFE_INTEGER],
      limit,
    })) {
      const [, archivedAt, conversationId] = key as [TenantId, number, ConversationId];
      out.push({ conversationId, archivedAt });
    }
    return out;
  }
}
