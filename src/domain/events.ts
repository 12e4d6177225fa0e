// Domain events: what happened, as a discriminated union. Later issues publish them (analytics, webhooks, NATS).
import type { ChannelType } from './channel.js';
import type { ConversationId, CustomerId, MessageId } from './ids.js';
import type { Identity } from './identity.js';
import type { TenantId } from './tenant.js';

interface EventBase {
  tenantId: TenantId;
  at: number;
}

export type DomainEvent =
  | (EventBase & {
      type: 'message.received';
      conversationId: ConversationId;
      customerId: CustomerId;
      messageId: MessageId;
      seq: number;
      channel: ChannelType;
    })
  | (EventBase & {
      type: 'conversation.opened';
      conversationId: ConversationId;
      customerId: CustomerId;
      channel: ChannelType;
    })
  | (EventBase & {
      type: 'conversation.archived';
      conversationId: ConversationId;
      customerId: CustomerId;
      reason: 'inactive' | 'customer-merged';
    })
  | (EventBase & { type: 'customer.created'; customerId: CustomerId })
  | (EventBase & { type: 'customer.identity-linked'; customerId: CustomerId; identity: Identity })
  | (EventBase & { type: 'customer.merged'; from: CustomerId; into: CustomerId });

export type DomainEventType = DomainEvent['type'];
