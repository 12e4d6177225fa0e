// A conversation: one customer's running context across all their channels (Requirement 4.1-4.5).
import type { ChannelType } from './channel.js';
import type { SentimentTrend } from './sentiment-trend.js';
import type { ConversationId, CustomerId } from './ids.js';
import type { UnifiedMessage } from './message.js';
import type { TenantId } from './tenant.js';

export type ConversationStatus = 'active' | 'archived';

export interface Conversation {
  id: ConversationId;
  tenantId: TenantId;
  customerId: CustomerId;
  status: ConversationStatus;
  /** Channels the customer has used in this conversation, in order of first use. */
  channels: ChannelType[];
  createdAt: number;
  lastActivityAt: number;
  /** Highest sequence number committed. */
  lastSeq: number;
  archivedAt?: number;
  /** Why it was archived: inactivity timer, or closed because its customer was merged into another. */
  archiveReason?: 'inactive' | 'customer-merged';
  /** Sentiment of the customer's messages: recent scores, trend, deterioration (Requirements 3.4-3.5). */
  sentiment?: SentimentTrend;
  /** The customer's latest message per channel: where and how a reply on that channel goes. */
  lastInbound?: Partial<Record<ChannelType, LastInbound>>;
}

export interface LastInbound {
  at: number;
  /** The customer's address on the channel (phone, email, PSID, visitor id, Telegram user id). */
  address: string;
  /** Where replies go when it is not the address: a Telegram chat id, a Twilio CallSid for a live call. */
  replyTo?: string;
  providerMessageId?: string;
  /** Email threading of the customer's latest mail. */
  email?: { messageId?: string; references?: string[]; subject?: string };
}

export interface ConversationWithMessages extends Conversation {
  archived: boolean;
  messages: UnifiedMessage[];
}
