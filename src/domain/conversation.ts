// A conversation: one customer's running context across all their channels (Requirement 4.1-4.5).
import type { ChannelType } from './channel.js';
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
}

export interface ConversationWithMessages extends Conversation {
  archived: boolean;
  messages: UnifiedMessage[];
}
