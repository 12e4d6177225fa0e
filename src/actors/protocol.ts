// The main-thread ⇄ shard-worker protocol: versioned, discriminated unions, encoded with msgpackr. Every request has
// an id; the reply carries the same id and either a typed body or a WireError, so errors survive the thread hop.
import type {
  ChannelType,
  Conversation,
  ConversationId,
  ConversationWithMessages,
  CustomerId,
  CustomerProfile,
  Identity,
  JsonObject,
  MediaRef,
  MessageContent,
  MessageSender,
  OutboundContent,
  SentimentTrend,
  MessageAnalysis,
  MessageId,
  TenantId,
  WireError,
} from '../domain/index.js';

export const PROTOCOL_VERSION = 1;

/** A request that carries nothing but its type. */
export type NoFields = { readonly _?: never };

/** An inbound customer message after validation, before it has ids or a sequence number. */
export interface InboundDraft {
  channel: ChannelType;
  /** The sender address as the channel gave it. */
  from: string;
  content: MessageContent;
  providerMessageId?: string;
  /** Customer's send time, epoch ms; defaults to receipt time. */
  timestamp?: number;
  name?: string;
  email?: string;
  phone?: string;
  metadata?: JsonObject;
}

export interface IngestResult {
  conversationId: ConversationId;
  customerId: CustomerId;
  messageId: MessageId;
  seq: number;
  /** True when the provider message id was already stored: the original ids are returned, nothing new stored. */
  duplicate: boolean;
}

/** Profile fields an integrator may set (PATCH /v1/customers/:id). */
export interface CustomerUpdate {
  name?: string;
  valueTier?: CustomerProfile['valueTier'];
  vip?: boolean;
  /** Appended to the purchase history. */
  purchases?: CustomerProfile['purchaseHistory'];
}

/** A reply to send into a conversation (agent desk, bot, integrator). */
export interface ReplyRequest {
  content: OutboundContent;
  /** Channel to answer on; default: the channel of the customer's latest message. */
  channel?: ChannelType;
  sender: MessageSender;
  metadata?: JsonObject;
}

export interface ReplyResult {
  conversationId: ConversationId;
  messageId: MessageId;
  seq: number;
  outboxId: string;
  channel: ChannelType;
  to: string;
}

/** What a merged customer hands to the customer it was merged into. */
export interface MergeHandOver {
  kind: 'merged';
  from: CustomerId;
  identities: Identity[];
  contacts: CustomerProfile['contacts'];
  conversationIds: ConversationId[];
  name?: string;
  purchaseHistory: CustomerProfile['purchaseHistory'];
  previousIssues: CustomerProfile['previousIssues'];
  vip: boolean;
  createdAt: number;
}

export interface ShardStats {
  shard: number;
  actors: { conversations: number; customers: number; identities: number };
  passivated: number;
  /** Of those, passivated early because the shard was over its live-actor cap. */
  evicted: number;
  heapUsed: number;
  rss: number;
  /** p99 event-loop delay since the previous stats request, ms. */
  eventLoopLagP99Ms: number;
}

/** Requests and their reply bodies, keyed by type: the compiler checks both ends. */
export interface ShardRequestMap {
  'identity.claim': {
    req: { tenant: TenantId; identity: Identity; candidate?: CustomerId };
    res: { customerId: CustomerId; created: boolean };
  };
  'identity.lookup': {
    req: { tenant: TenantId; identity: Identity };
    res: { customerId: CustomerId | null };
  };
  'customer.inbound': {
    req: { tenant: TenantId; customerId: CustomerId; draft: InboundDraft; identities: Identity[] };
    res: { kind: 'stored'; result: IngestResult } | { kind: 'redirect'; customerId: CustomerId };
  };
  /** Moves an identity from one customer to another (after a merge); refused if it has another owner. */
  'identity.reassign': {
    req: { tenant: TenantId; identity: Identity; from: CustomerId; to: CustomerId };
    res: { customerId: CustomerId };
  };
  /** Marks a customer as merged into another; answers with what the survivor must absorb. */
  'customer.mergeInto': {
    req: { tenant: TenantId; customerId: CustomerId; into: CustomerId };
    res: MergeHandOver | { kind: 'redirect'; customerId: CustomerId };
  };
  /** Adds identities (and, after a merge, the merged customer's data) to a customer's profile. */
  'customer.absorb': {
    req: { tenant: TenantId; customerId: CustomerId; identities: Identity[]; merged?: MergeHandOver };
    res: { kind: 'ok'; profile: CustomerProfile } | { kind: 'redirect'; customerId: CustomerId };
  };
  /** Stores a reply in the conversation and queues it for delivery, atomically. */
  'conversation.reply': {
    req: { tenant: TenantId; conversationId: ConversationId; customerId: CustomerId; reply: ReplyRequest };
    res: ReplyResult;
  };
  /** Attaches downloaded media to a stored message (through the conversation's actor, its only writer). */
  'conversation.attachMedia': {
    req: { tenant: TenantId; conversationId: ConversationId; customerId: CustomerId; seq: number; media: MediaRef };
    res: { attached: boolean };
  };
  /** The conversation record alone (no messages): cheap routing lookups. */
  'read.conversationHead': {
    req: { tenant: TenantId; conversationId: ConversationId };
    res: Conversation;
  };
  /** Records a message's sentiment score in its conversation (history, trend, deterioration). */
  'conversation.recordSentiment': {
    req: { tenant: TenantId; conversationId: ConversationId; customerId: CustomerId; seq: number; score: number };
    res: SentimentTrend;
  };
  /** Stores a message's analysis: urgency from the customer's profile and history, sentiment trend, the message. */
  'customer.recordAnalysis': {
    req: {
      tenant: TenantId;
      customerId: CustomerId;
      conversationId: ConversationId;
      seq: number;
      analysis: AnalysisRecord;
    };
    res: { kind: 'ok'; result: RecordAnalysisResult };
  };
  /** Updates profile fields an integrator owns (value tier, VIP, name, purchases). */
  'customer.update': {
    req: { tenant: TenantId; customerId: CustomerId; update: CustomerUpdate };
    res: { kind: 'ok'; profile: CustomerProfile } | { kind: 'redirect'; customerId: CustomerId };
  };
  'read.conversation': {
    /** `fromSeq`/`limit` page through long timelines (default: all messages). */
    req: { tenant: TenantId; conversationId: ConversationId; fromSeq?: number; limit?: number };
    res: ConversationWithMessages;
  };
  'read.customer': {
    req: { tenant: TenantId; customerId: CustomerId };
    res: CustomerProfile;
  };
  'read.providerMessage': {
    req: { tenant: TenantId; channel: ChannelType; providerMessageId: string };
    res: IngestResult | null;
  };
  'shard.stats': { req: NoFields; res: ShardStats };
  /** Resolves once everything the shard has committed so far is on disk (fsync'd). */
  'shard.flushed': { req: NoFields; res: true };
  /** Fault injection for crash tests; refused unless the node was started with fault injection enabled. */
  'shard.crash': { req: NoFields; res: never };
}

export type ShardRequestType = keyof ShardRequestMap;
export type ShardRequest = { [K in ShardRequestType]: { type: K } & ShardRequestMap[K]['req'] }[ShardRequestType];
export type ShardResponse<K extends ShardRequestType> = ShardRequestMap[K]['res'];

/** Frames on the wire between the main thread and a shard; each postMessage carries an array of them. */
export type MainToShardFrame = { t: 'req'; id: number; body: ShardRequest } | { t: 'shutdown' };

export type ShardToMainFrame =
  | { t: 'ready'; shard: number; protocol: number; /** the worker thread's kernel id (Linux) */ tid?: number }
  | { t: 'res'; id: number; ok: true; body: unknown }
  | { t: 'res'; id: number; ok: false; error: WireError }
  | { t: 'closed' };

/** What the shards need to know about message analysis. */
export interface ShardAnalysisOptions {
  /** Inbound messages with text wait in the analysis-due index until analysed. */
  enabled: boolean;
  /** Same customer, same intent within this window is a repeat contact. */
  repeatWindowMs: number;
}

export const ANALYSIS_DISABLED: ShardAnalysisOptions = { enabled: false, repeatWindowMs: 7 * 86_400_000 };

/** A message's analysis as the inference pool returns it, before urgency (which needs the customer) is added. */
export type AnalysisRecord = Omit<MessageAnalysis, 'urgency' | 'status' | 'analysedAt'>;

export interface RecordAnalysisResult {
  analysis: MessageAnalysis;
  sentiment: SentimentTrend;
  /** True when the message had already been analysed: nothing changed. */
  already: boolean;
}

/** Data each worker receives at start. */
export interface ShardWorkerData {
  shard: number;
  shards: number;
  dataDir: string;
  passivateAfterMs: number;
  /** This shard's cap on actors in memory; undefined: none. */
  maxLiveActors?: number;
  archiveAfterMs: number;
  faultInjection: boolean;
  logLevel: string;
  analysis: ShardAnalysisOptions;
}
