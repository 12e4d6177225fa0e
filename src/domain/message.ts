// The one message shape every channel is normalized into (Requirement 1.1). Nothing of the provider's payload is
// dropped: what has no field of its own goes into `metadata` / `raw` (Requirement 1.2).
import type { MessageAnalysis } from './analysis.js';
import type { ChannelType } from './channel.js';
import type { AgentId, ConversationId, CustomerId, MessageId } from './ids.js';
import type { JsonObject, JsonValue } from './json.js';
import type { TenantId } from './tenant.js';

export type MessageDirection = 'inbound' | 'outbound';

export type MessageSender =
  | { kind: 'customer'; customerId: CustomerId; address: string; name?: string }
  | { kind: 'agent'; agentId: AgentId; name?: string }
  | { kind: 'api'; name?: string }
  | { kind: 'bot' }
  | { kind: 'system' };

/** A stored media object: content-addressed, stored once, referenced from messages (Requirement 1.3). */
export interface MediaRef {
  sha256: string;
  mimeType: string;
  size: number;
  fileName?: string;
}

export type MessageContent =
  | { type: 'text'; text: string }
  | {
      type: 'media';
      mediaKind: 'image' | 'audio' | 'video' | 'document' | 'sticker';
      media?: MediaRef;
      caption?: string;
      providerMediaId?: string;
    }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'contacts'; contacts: JsonValue[] }
  | { type: 'interactive'; replyId: string; title: string; description?: string }
  | { type: 'reaction'; emoji: string; targetProviderMessageId: string }
  | { type: 'voice_transcript'; text: string; confidence: number }
  /** An approved WhatsApp template we sent (the only content allowed outside the 24-hour window). */
  | { type: 'template'; name: string; language: string; parameters: string[] }
  | { type: 'unsupported'; providerType: string; raw: JsonValue };

export interface UnifiedMessage {
  id: MessageId;
  tenantId: TenantId;
  conversationId: ConversationId;
  customerId: CustomerId;
  /** Per-conversation arrival counter, 1-based, gap-free, assigned by the conversation actor. */
  seq: number;
  channel: ChannelType;
  direction: MessageDirection;
  sender: MessageSender;
  content: MessageContent;
  providerMessageId?: string;
  /** When the customer sent it (provider's timestamp), epoch ms; the receipt time when the provider gives none. */
  timestamp: number;
  /** When this node received it, epoch ms; never decreases along a conversation's seq order. */
  receivedAt: number;
  metadata: JsonObject;
  /** Inbound messages: what the models said, once analysed (absent until then). */
  analysis?: MessageAnalysis;
}

/** Text used for analysis and display, whatever the content type. */
export function messageText(content: MessageContent): string {
  switch (content.type) {
    case 'text':
    case 'voice_transcript':
      return content.text;
    case 'media':
      return content.caption ?? '';
    case 'interactive':
      return content.title;
    case 'location':
      return content.name ?? content.address ?? '';
    case 'reaction':
      return content.emoji;
    case 'template':
      return content.parameters.join(' ');
    case 'contacts':
    case 'unsupported':
      return '';
  }
}

/**
 * Chronological order (Requirement 4.2) is the order in which this node durably received the messages: `seq`, with
 * `receivedAt` non-decreasing along it. Provider timestamps are kept as data but do not reorder the timeline: they
 * come at different resolutions (WhatsApp sends seconds, others milliseconds) and from clocks we do not control, so
 * sorting by them would shuffle messages that arrived in a clear order.
 */
export function compareChronologically(a: Pick<UnifiedMessage, 'seq'>, b: Pick<UnifiedMessage, 'seq'>): number {
  return a.seq - b.seq;
}
