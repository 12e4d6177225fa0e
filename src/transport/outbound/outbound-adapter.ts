// The contract every outbound channel adapter implements: it turns one reply into the provider's wire format and sends
// it, with channel rules enforced (length limits and splitting, SMS segments, the WhatsApp 24-hour window, email
// threading). Sending goes through injected clients (an HTTP fetch, an SMTP transport, a socket emitter) so the
// delivery engine (outbox: retries, backoff, idempotency) and tests stay independent of the network.
import type { ChannelType, ConversationId, JsonObject, OutboundContent, TenantId } from '../../domain/index.js';

export type { OutboundContent };

export interface OutboundMessage {
  /** Outbox id; also the idempotency key sent to providers that support one. */
  id: string;
  tenant: TenantId;
  conversationId: ConversationId;
  channel: ChannelType;
  /** Recipient address on the channel: phone (E.164), email address, Telegram chat id, PSID/IGSID, visitor id. */
  to: string;
  content: OutboundContent;
  /** What the adapter needs to know about the conversation. */
  context: {
    /** When the customer last wrote on this channel (WhatsApp 24-hour window), epoch ms. */
    lastCustomerMessageAt?: number;
    /** Email threading: the customer's Message-ID we reply to, and the References chain. */
    email?: { subject?: string; inReplyTo?: string; references?: string[] };
    /** Provider message id being replied to (WhatsApp context, Telegram reply_to_message_id). */
    replyToProviderMessageId?: string;
    /** The reply comes from a human agent (Meta lets agents answer for 7 days with the HUMAN_AGENT tag). */
    humanAgent?: boolean;
  };
  /** Provider ids of the parts an earlier attempt already sent: the adapter resumes after them. */
  sentParts?: string[];
  metadata?: JsonObject;
}

export interface SendResult {
  /** Provider ids of what was sent (several when a long text was split). */
  providerMessageIds: string[];
  /** E.g. SMS segments and encoding, split count. */
  details?: JsonObject;
}

/** Why a send failed, and whether trying again can help. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly providerCode?: string,
    readonly retryAfterMs?: number,
    /** Provider ids of the parts of a split message that did go out before the failure (a retry resumes after them). */
    readonly sentProviderMessageIds?: string[],
  ) {
    super(message);
  }
}

export interface HttpClient {
  (
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string | Buffer },
  ): Promise<{
    status: number;
    headers: { get(name: string): string | null };
    text(): Promise<string>;
  }>;
}

export interface OutboundAdapter {
  readonly channel: ChannelType;
  /**
   * Sends one message. Throws DeliveryError: retryable for network errors, timeouts, 429 and 5xx; not retryable for
   * policy violations (e.g. outside the WhatsApp window without a template) and 4xx the provider will never accept.
   */
  send(message: OutboundMessage): Promise<SendResult>;
}
