// ConversationActor: owns one conversation, its sequence numbers and its archival timer. Messages are appended one at
// a time in arrival order (seq 1, 2, 3 …); each append commits the message and the new head together and answers only
// once that commit is durable. Commits are pipelined: the mailbox keeps moving while earlier writes flush.
import {
  newMessageId,
  OmniError,
  type ChannelType,
  type Conversation,
  type ConversationId,
  type CustomerId,
  type MessageId,
  type UnifiedMessage,
} from '../domain/index.js';
import type { TenantStore } from '../persistence/index.js';
import type { Actor } from './actor-host.js';
import type { InboundDraft } from './protocol.js';
import type { Reply } from './reply.js';

export type ConversationMsg =
  | ({
      type: 'append';
      draft: InboundDraft;
      customerId: CustomerId;
      /** Present when the customer actor has just opened this conversation. */
      open?: Conversation;
    } & Reply<{ messageId: MessageId; seq: number }>)
  /** From the actor's own timer, or from the shard's sweeper with the due entry that woke it. */
  | { type: 'archiveCheck'; dueAt?: number }
  | ({ type: 'archive'; reason: 'inactive' | 'customer-merged' } & Reply<boolean>);

export interface ConversationActorDeps {
  store: TenantStore;
  archiveAfterMs: number;
  /** Tells the owning customer actor that this conversation has been idle for the archival period. */
  notifyIdle: (customerId: CustomerId, conversationId: ConversationId) => void;
  /** Sends a message to this same actor through its mailbox (timers must not bypass the mailbox). */
  self: (msg: ConversationMsg) => void;
}

/** Internal field: the due time of this conversation's entry in the archive-due index. */
type StoredConversation = Conversation & { archiveDueAt?: number };

export class ConversationActor implements Actor<ConversationMsg> {
  private conversation: StoredConversation | undefined;
  private inflight = 0;
  private broken = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly id: ConversationId,
    private readonly deps: ConversationActorDeps,
  ) {
    this.conversation = deps.store.getConversation(id);
    if (this.conversation?.status === 'active') this.armTimer();
  }

  isBusy(): boolean {
    return this.inflight > 0;
  }

  passivate(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  receive(msg: ConversationMsg): void {
    if (this.broken) throw new OmniError('STORAGE_FAILURE', 'conversation actor lost a write; reloading');
    switch (msg.type) {
      case 'append':
        return this.append(msg);
      case 'archiveCheck':
        return this.archiveCheck(msg.dueAt);
      case 'archive':
        return this.archive(msg);
    }
  }

  private append(msg: Extract<ConversationMsg, { type: 'append' }>): void {
    let conversation = this.conversation;
    // The receipt clock never runs backwards within a conversation, even if the wall clock does.
    const now = Math.max(Date.now(), conversation?.lastActivityAt ?? 0);
    let opening = false;
    if (conversation === undefined) {
      if (msg.open === undefined) {
        msg.reject(new OmniError('CONVERSATION_NOT_FOUND', `conversation ${this.id} does not exist`));
        return;
      }
      conversation = { ...msg.open, archiveDueAt: msg.open.createdAt + this.deps.archiveAfterMs };
      opening = true;
    }
    if (conversation.status !== 'active') {
      msg.reject(new OmniError('CONVERSATION_NOT_FOUND', `conversation ${this.id} is archived`, { archived: true }));
      return;
    }
    const { draft } = msg;
    const seq = conversation.lastSeq + 1;
    const message: UnifiedMessage = {
      id: newMessageId(),
      tenantId: this.deps.store.tenant,
      conversationId: this.id,
      customerId: msg.customerId,
      seq,
      channel: draft.channel,
      direction: 'inbound',
      sender: {
        kind: 'customer',
        customerId: msg.customerId,
        address: draft.from,
        ...(draft.name === undefined ? {} : { name: draft.name }),
      },
      content: draft.content,
      ...(draft.providerMessageId === undefined ? {} : { providerMessageId: draft.providerMessageId }),
      timestamp: draft.timestamp ?? now,
      receivedAt: now,
      metadata: draft.metadata ?? {},
    };
    const next: StoredConversation = {
      ...conversation,
      lastSeq: seq,
      lastActivityAt: now,
      channels: addChannel(conversation.channels, draft.channel),
    };
    this.conversation = next;
    this.inflight++;
    const store = this.deps.store;
    const write = opening
      ? Promise.all([store.openConversation(next, next.archiveDueAt ?? now), store.appendMessage(next, message)])
      : store.appendMessage(next, message);
    if (opening) this.armTimer();
    write.then(
      () => {
        this.inflight--;
        msg.resolve({ messageId: message.id, seq });
      },
      (error: unknown) => {
        this.inflight--;
        this.broken = true;
        msg.reject(new OmniError('STORAGE_FAILURE', `message not committed: ${String(error)}`));
      },
    );
  }

  private dueAt(conversation: Conversation): number {
    return conversation.lastActivityAt + this.deps.archiveAfterMs;
  }

  private armTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const conversation = this.conversation;
    if (conversation === undefined || conversation.status !== 'active') return;
    const delay = Math.min(Math.max(0, this.dueAt(conversation) - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deps.self({ type: 'archiveCheck' });
    }, delay);
    this.timer.unref();
  }

  private archiveCheck(wokenByDueAt: number | undefined): void {
    const conversation = this.conversation;
    if (
      wokenByDueAt !== undefined &&
      (conversation?.status !== 'active' || conversation.archiveDueAt !== wokenByDueAt)
    ) {
      // A timer entry this conversation no longer owns (a crash between writes): drop it so it stops waking us.
      this.inflight++;
      void this.deps.store
        .removeStaleArchiveDue(wokenByDueAt, this.id)
        .finally(() => this.inflight--)
        .catch(() => undefined);
      if (conversation?.status !== 'active') return;
    }
    if (conversation === undefined || conversation.status !== 'active') return;
    const due = this.dueAt(conversation);
    if (Date.now() >= due && this.inflight === 0) {
      // The customer actor decides: it is the one that routes new messages into this conversation.
      this.deps.notifyIdle(conversation.customerId, conversation.id);
      return;
    }
    const recordedDue = conversation.archiveDueAt;
    if (recordedDue !== undefined && recordedDue < due) {
      // Move the durable timer entry forward so a passivated actor is woken at the right time.
      const moved: StoredConversation = { ...conversation, archiveDueAt: due };
      this.conversation = moved;
      this.inflight++;
      this.deps.store
        .rescheduleArchive(moved, recordedDue, due)
        .finally(() => this.inflight--)
        .catch(() => (this.broken = true));
    }
    this.armTimer();
  }

  private archive(msg: Extract<ConversationMsg, { type: 'archive' }>): void {
    const conversation = this.conversation;
    if (conversation === undefined || conversation.status !== 'active') {
      msg.resolve(false);
      return;
    }
    const archivedAt = Date.now();
    const archived: StoredConversation = { ...conversation, status: 'archived', archivedAt, archiveReason: msg.reason };
    this.conversation = archived;
    this.passivate();
    this.inflight++;
    this.deps.store
      .archiveConversation(archived, conversation.archiveDueAt ?? 0)
      .finally(() => this.inflight--)
      .then(
        () => msg.resolve(true),
        (error: unknown) => {
          this.broken = true;
          msg.reject(error);
        },
      );
  }
}

function addChannel(channels: ChannelType[], channel: ChannelType): ChannelType[] {
  return channels.includes(channel) ? channels : [...channels, channel];
}
