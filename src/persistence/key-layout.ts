// The on-disk key layout. Every tenant-owned key starts with the tenant id, so a TenantStore (which fills that first
// element itself) can only ever address its own tenant's records. Keys are lmdb-js ordered-binary arrays, so ranges
// such as "all messages of a conversation in seq order" are prefix scans.
//
// | database        | key                                        | value                                   |
// |-----------------|--------------------------------------------|-----------------------------------------|
// | meta            | 'format'                                   | FormatMarker                            |
// | customers       | [tenant, customerId]                       | CustomerProfile                         |
// | identities      | [tenant, identityKey]                      | CustomerId                              |
// | conversations   | [tenant, conversationId]                   | Conversation (lastSeq, status, ...)     |
// | messages        | [tenant, conversationId, seq]              | UnifiedMessage                          |
// | provider-ids    | [tenant, channel, providerMessageId]       | ProviderMessageRef (dedup index)        |
// | archive-due     | [dueAt, tenant, conversationId]            | CustomerId (archival timer index)       |
// | archive         | [tenant, archivedAt, conversationId]       | CustomerId (archived conversations)     |
// | outbox          | [tenant, outboxId]                         | OutboxRecord                            |
// | outbox-due      | [nextAttemptAt, tenant, outboxId]          | null (delivery timer index)             |
// | deliveries      | [tenant, channel, providerMessageId]       | DeliveryRecord (provider status reports)|
// | media           | [sha256]                                   | MediaRecord (content-addressed files)   |
// | email-threads   | [tenant, Message-ID]                       | CustomerId (mail threading)             |
// | media-jobs      | [dueAt, tenant, conversationId, seq]       | MediaJob (provider media to download)   |
// | analysis-due    | [tenant, conversationId, seq]              | AnalysisDueValue (waiting for analysis) |
// | agents          | [tenant, agentId]                          | AgentProfile (registered agents)        |
// | routing-decisions | [tenant, conversationId, at, decisionId] | RoutingDecision (why, for whom, when)   |
// | dead-letters    | [tenant, deadLetterId]                     | DeadLetter (analysis failed repeatedly) |
//
// `archive-due` and `outbox-due` are node-wide timer wheels ordered by due time (not led by the tenant): it is a node-wide timer wheel ordered by due time, read by
// the shards' archival sweepers; each entry still names its tenant, and the actor it wakes is tenant-scoped.
import type { ChannelType, ConversationId, CustomerId, TenantId } from '../domain/index.js';

export const DATABASES = [
  'meta',
  'customers',
  'identities',
  'conversations',
  'messages',
  'provider-ids',
  'archive-due',
  'archive',
  'outbox',
  'outbox-due',
  'deliveries',
  'media',
  'email-threads',
  'media-jobs',
  'analysis-due',
  'agents',
  'routing-decisions',
  'dead-letters',
] as const;
export type DatabaseName = (typeof DATABASES)[number];

export const keys = {
  customer: (t: TenantId, id: CustomerId) => [t, id],
  identity: (t: TenantId, identityKey: string) => [t, identityKey],
  conversation: (t: TenantId, id: ConversationId) => [t, id],
  message: (t: TenantId, conversationId: ConversationId, seq: number) => [t, conversationId, seq],
  providerId: (t: TenantId, channel: ChannelType, providerMessageId: string) => [t, channel, providerMessageId],
  archiveDue: (dueAt: number, t: TenantId, conversationId: ConversationId) => [dueAt, t, conversationId],
  analysisDue: (t: TenantId, conversationId: ConversationId, seq: number) => [t, conversationId, seq],
  archived: (t: TenantId, archivedAt: number, conversationId: ConversationId) => [t, archivedAt, conversationId],
};
