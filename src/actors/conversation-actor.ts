// ConversationActor: owns one conversation, its sequence numbers and its archival timer. Messages are appended one at
// a time in arrival order (seq 1, 2, 3 …); each append commits the message and the new head together and answers only
// once that commit is durable. Commits are pipelined: the mailbox keeps moving while earlier writes flush.
import {
  newMessageId,
  newOutboxId,
  addSentiment,
  OmniError,
  type ChannelType,
  type Conversation,
  type ConversationId,
  type CustomerId,
  type JsonObject,
  messageText,
  type UrgencyCustomerContext,
  type LastInbound,
  type MediaRef,
  type MessageContent,
  type MessageId,
  type OutboundContent,
  type SentimentTrend,
  type UnifiedMessage,
} from '../domain/index.js';
import type { OutboxRecord, TenantStore } from '../persistence/index.js';
import type { Actor } from './actor-host.js';
import { scoreUrgency } from '../inference/urgency/index.js';
import type { AnalysisRecord, InboundDraft, RecordAnalysisResult, ReplyRequest, ReplyResult } from './protocol.js';
import type { Reply } from './reply.js';
import type { PendingAnalyses } from './pending-analyses.js';

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
  | ({ type: 'reply'; reply: ReplyRequest } & Reply<ReplyResult>)
  | ({ type: 'attachMedia'; seq: number; media: MediaRef } & Reply<{ attached: boolean }>)
  | ({ type: 'recordSentiment'; seq: number; score: number } & Reply<SentimentTrend>)
  | ({
      type: 'recordAnalysis';
      seq: number;
      analysis: AnalysisRecord;
      customer: UrgencyCustomerContext;
    } & Reply<RecordAnalysisResult>)
  | ({ type: 'archive'; reason: 'inactive' | 'customer-merged' } & Reply<boolean>);

export interface ConversationActorDeps {
  store: TenantStore;
  archiveAfterMs: number;
  /** Inbound messages with text are marked as waiting for analysis when they are stored. */
  analysisEnabled: boolean;
  /** Tells the owning customer actor that this conversation has been idle for the archival period. */
  notifyIdle: (customerId: CustomerId, conversationId: ConversationId) => void;
  /** Sends a message to this same actor through its mailbox (timers must not bypass the mailbox). */
  self: (msg: ConversationMsg) => void;
  /** Analyses answered before their commit (write-behind), which reads overlay on LMDB; absent: answer at commit. */
  pending?: PendingAnalyses;
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
      case 'reply':
        return this.reply(msg);
      case 'attachMedia':
        return this.attachMedia(msg);
      case 'recordSentiment':
        return this.recordSentiment(msg);
      case 'recordAnalysis':
        return this.recordAnalysis(msg);
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
      // The customer's own send time: the WhatsApp 24-hour window runs from it.
      lastInbound: { ...conversation.lastInbound, [draft.channel]: lastInboundOf(draft, draft.timestamp ?? now) },
    };
    this.conversation = next;
    this.inflight++;
    const store = this.deps.store;
    const awaitsAnalysis = this.deps.analysisEnabled && messageText(message.content).trim() !== '';
    const write = store.appendMessage(next, message, awaitsAnalysis, opening ? (next.archiveDueAt ?? now) : undefined);
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

  /** Stores a reply as the next message and queues its delivery in the outbox, in one commit. */
  private reply(msg: Extract<ConversationMsg, { type: 'reply' }>): void {
    const conversation = this.conversation;
    if (conversation === undefined) {
      msg.reject(new OmniError('CONVERSATION_NOT_FOUND', `conversation ${this.id} not found`));
      return;
    }
    if (conversation.status !== 'active') {
      msg.reject(
        new OmniError(
          'CONVERSATION_ARCHIVED',
          `conversation ${this.id} is archived; the customer's next message opens a new one`,
        ),
      );
      return;
    }
    const { reply } = msg;
    const channel = reply.channel ?? latestChannel(conversation);
    const last = channel === undefined ? undefined : conversation.lastInbound?.[channel];
    if (channel === undefined || last === undefined) {
      msg.reject(
        new OmniError(
          'VALIDATION_FAILED',
          `the customer has not written on ${reply.channel ?? 'any channel'} in this conversation`,
        ),
      );
      return;
    }
    const now = Math.max(Date.now(), conversation.lastActivityAt);
    const seq = conversation.lastSeq + 1;
    const outboxId = newOutboxId();
    const message: UnifiedMessage = {
      id: newMessageId(),
      tenantId: this.deps.store.tenant,
      conversationId: this.id,
      customerId: conversation.customerId,
      seq,
      channel,
      direction: 'outbound',
      sender: reply.sender,
      content: storedContent(reply.content),
      timestamp: now,
      receivedAt: now,
      metadata: { ...(reply.metadata ?? {}), outboxId },
    };
    const to = last.replyTo ?? last.address;
    const context: JsonObject = { lastCustomerMessageAt: last.at, humanAgent: reply.sender.kind === 'agent' };
    if (last.email !== undefined) {
      context.email = {
        ...(last.email.subject === undefined ? {} : { subject: last.email.subject }),
        ...(last.email.messageId === undefined ? {} : { inReplyTo: last.email.messageId }),
        references: [
          ...(last.email.references ?? []),
          ...(last.email.messageId === undefined ? [] : [last.email.messageId]),
        ],
      };
    }
    const outbox: OutboxRecord = {
      id: outboxId,
      tenant: this.deps.store.tenant,
      conversationId: this.id,
      seq,
      channel,
      to,
      content: reply.content as unknown as JsonObject,
      context,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
      errors: [],
      providerMessageIds: [],
    };
    const next: StoredConversation = { ...conversation, lastSeq: seq, lastActivityAt: now };
    this.conversation = next;
    this.inflight++;
    this.deps.store.appendOutbound(next, message, outbox).then(
      () => {
        this.inflight--;
        msg.resolve({ conversationId: this.id, messageId: message.id, seq, outboxId, channel, to });
      },
      (error: unknown) => {
        this.inflight--;
        this.broken = true;
        msg.reject(new OmniError('STORAGE_FAILURE', `reply not committed: ${String(error)}`));
      },
    );
  }

  /** Adds a message's sentiment to the conversation's history and persists the new head. */
  private recordSentiment(msg: Extract<ConversationMsg, { type: 'recordSentiment' }>): void {
    const conversation = this.conversation;
    if (conversation === undefined) {
      msg.reject(new OmniError('CONVERSATION_NOT_FOUND', `conversation ${this.id} not found`));
      return;
    }
    const message = this.deps.store.getMessage(this.id, msg.seq);
    const sentiment = addSentiment(conversation.sentiment, {
      seq: msg.seq,
      score: msg.score,
      at: message?.receivedAt ?? Date.now(),
    });
    const next: StoredConversation = { ...conversation, sentiment };
    this.conversation = next;
    this.inflight++;
    this.deps.store
      .putConversationHead(next)
      .finally(() => this.inflight--)
      .then(
        () => msg.resolve(sentiment),
        (error: unknown) => {
          this.broken = true;
          msg.reject(error);
        },
      );
  }

  /**
   * Stores a message's analysis with its urgency (which needs the conversation's sentiment trend, kept here) and
   * the new trend, in one commit that also ends the message's analysis wait. Idempotent: a message analysed twice
   * (a re-drive after a crash) keeps its first analysis.
   */
  private recordAnalysis(msg: Extract<ConversationMsg, { type: 'recordAnalysis' }>): void {
    const conversation = this.conversation;
    const message = this.deps.store.getMessage(this.id, msg.seq);
    if (conversation === undefined || message === undefined) {
      msg.reject(new OmniError('CONVERSATION_NOT_FOUND', `message ${msg.seq} of conversation ${this.id} not found`));
      return;
    }
    const { pending, store } = this.deps;
    const known = message.analysis ?? pending?.get(store.tenant, this.id, msg.seq);
    if (known !== undefined) {
      msg.resolve({ analysis: known, sentiment: conversation.sentiment ?? emptyTrend(), already: true });
      return;
    }
    const { analysis } = msg;
    const sentiment = addSentiment(conversation.sentiment, {
      seq: msg.seq,
      score: analysis.sentiment.score,
      at: message.receivedAt,
    });
    const urgency = scoreUrgency({
      intent: analysis.intent,
      outOfScope: analysis.outOfScope,
      sentiment: analysis.sentiment,
      deteriorating: sentiment.deteriorating,
      entities: analysis.entities,
      text: messageText(message.content),
      customer: msg.customer,
      now: message.receivedAt,
    });
    const full = { ...analysis, status: 'analysed' as const, urgency, analysedAt: Date.now() };
    // The sentiment history is only ever advanced here; an archived conversation still gets its messages analysed.
    const next: StoredConversation = { ...conversation, sentiment };
    this.conversation = next;
    this.inflight++;
    const written = store.recordAnalysis(next, { ...message, analysis: full }).finally(() => this.inflight--);
    if (pending === undefined) {
      written.then(
        () => msg.resolve({ analysis: full, sentiment, already: false }),
        (error: unknown) => {
          this.broken = true;
          msg.reject(new OmniError('STORAGE_FAILURE', `analysis not committed: ${String(error)}`));
        },
      );
      return;
    }
    // Write-behind (inline shards): the answer goes out now and routing proceeds while the commit is under way.
    // Every commit waits for the previous one's fsync, so waiting here would put a whole disk sync on the path to
    // the agent's offer; reads meanwhile see the analysis through `pending`. Nothing is lost if the commit fails: the
    // message stays in the analysis-due index (removed in this same batch), the actor reloads from LMDB (broken), and
    // the sweeper analyses the message again.
    pending.add(store.tenant, this.id, msg.seq, full, sentiment);
    written.catch(() => (this.broken = true)).finally(() => pending.settle(store.tenant, this.id, msg.seq));
    msg.resolve({ analysis: full, sentiment, already: false });
  }

  /** Puts a downloaded file's reference on the media message it belongs to. */
  private attachMedia(msg: Extract<ConversationMsg, { type: 'attachMedia' }>): void {
    const message = this.deps.store.getMessage(this.id, msg.seq);
    if (message === undefined || message.content.type !== 'media') {
      msg.resolve({ attached: false });
      return;
    }
    const updated: UnifiedMessage = { ...message, content: { ...message.content, media: msg.media } };
    this.inflight++;
    this.deps.store
      .putMessage(updated)
      .finally(() => this.inflight--)
      .then(() => msg.resolve({ attached: true }), msg.reject);
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

/** Where and how to answer the customer on the channel of this draft. */
function lastInboundOf(draft: InboundDraft, at: number): LastInbound {
  const meta = draft.metadata ?? {};
  // Telegram answers go to the chat, a live voice call is answered through its CallSid.
  const replyTo =
    typeof meta.chatId === 'string' || typeof meta.chatId === 'number'
      ? String(meta.chatId)
      : typeof meta.callSid === 'string'
        ? meta.callSid
        : undefined;
  const email = meta.email as LastInbound['email'] | undefined;
  return {
    at,
    address: draft.from,
    ...(replyTo === undefined ? {} : { replyTo }),
    ...(draft.providerMessageId === undefined ? {} : { providerMessageId: draft.providerMessageId }),
    ...(email === undefined || typeof email !== 'object' ? {} : { email }),
  };
}

/** The channel the customer wrote on most recently. */
function latestChannel(conversation: Conversation): ChannelType | undefined {
  let best: [ChannelType, number] | undefined;
  for (const [channel, last] of Object.entries(conversation.lastInbound ?? {})) {
    if (last !== undefined && (best === undefined || last.at > best[1])) best = [channel as ChannelType, last.at];
  }
  return best?.[0];
}

/** How a reply is kept in the timeline. */
function storedContent(content: OutboundContent): MessageContent {
  switch (content.type) {
    case 'text':
      return { type: 'text', text: content.text };
    case 'template':
      return { type: 'template', name: content.name, language: content.language, parameters: content.parameters };
    case 'media':
      return {
        type: 'media',
        mediaKind: content.mediaKind,
        ...(content.caption === undefined ? {} : { caption: content.caption }),
      };
  }
}

function addChannel(channels: ChannelType[], channel: ChannelType): ChannelType[] {
  return channels.includes(channel) ? channels : [...channels, channel];
}

function emptyTrend(): SentimentTrend {
  return { history: [], trend: 0, deteriorating: false };
}
