// Customers and their profiles (Requirement 4.4): contacts per channel, value tier, VIP, purchases, past issues.
import type { RecentIntent } from './analysis.js';
import type { ChannelType } from './channel.js';
import type { ConversationId, CustomerId } from './ids.js';
import type { Identity } from './identity.js';
import type { TenantId } from './tenant.js';

export type ValueTier = 'standard' | 'silver' | 'gold' | 'platinum';

export interface ChannelContact {
  channel: ChannelType;
  address: string;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface Purchase {
  orderId: string;
  amount: number;
  currency: string;
  at: number;
  items?: string[];
}

export interface PreviousIssue {
  conversationId: ConversationId;
  intent?: string;
  resolved: boolean;
  at: number;
}

export interface CustomerProfile {
  id: CustomerId;
  tenantId: TenantId;
  name?: string;
  email?: string;
  phone?: string;
  identities: Identity[];
  contacts: ChannelContact[];
  valueTier: ValueTier;
  vip: boolean;
  purchaseHistory: Purchase[];
  previousIssues: PreviousIssue[];
  /** The customer's recent intents (bounded), for repeat-contact urgency (Requirement 5.4). */
  recentIntents?: RecentIntent[];
  activeConversationId?: ConversationId;
  conversationIds: ConversationId[];
  createdAt: number;
  updatedAt: number;
  /** Set when this record was merged into another customer; reads follow it. */
  mergedInto?: CustomerId;
  mergedFrom?: CustomerId[];
}

/** Alias kept for readability where "the customer" rather than "their profile" is meant. */
export type Customer = CustomerProfile;
