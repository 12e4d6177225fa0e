// The contract every inbound provider adapter implements. An adapter is pure: it gets the raw HTTP request (raw body,
// lower-cased headers, the URL as the provider called it), verifies it, and turns it into normalized drafts and
// delivery-status updates, or throws an OmniError with a stable code. It does no I/O: the gateway commits the drafts,
// answers the provider, and only then downloads media and analyses.
import type { ChannelType, JsonObject, JsonValue, MessageContent } from '../../domain/index.js';
import type { InboundDraft } from '../../actors/index.js';

export interface WebhookRequest {
  method: 'GET' | 'POST';
  /** The public URL the provider called (PUBLIC_URL + path + query): what Twilio signs. */
  publicUrl: string;
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string>>;
  /** The body exactly as received: signatures are computed over these bytes. */
  rawBody: Buffer;
}

/** Media the gateway fetches from the provider after the message is committed (Requirement 1.3). */
export interface PendingMedia {
  /** Provider's media handle: WhatsApp media id, Telegram file_id. */
  providerMediaId?: string;
  /** Direct URL: Twilio MediaUrlN, Messenger/Instagram attachment payload.url. */
  url?: string;
  mimeType?: string;
  /** Provider-declared hash, if any (WhatsApp sends sha256, base64). */
  sha256?: string;
  fileName?: string;
}

export interface InboundEvent {
  draft: InboundDraft;
  /** Media to fetch and attach to this message after commit (content.type === 'media'). */
  media?: PendingMedia;
}

export type DeliveryState = 'sent' | 'delivered' | 'read' | 'failed';

/** A provider's report about a message WE sent (WhatsApp statuses[], Twilio status callbacks, Messenger delivery/read). */
export interface DeliveryStatusUpdate {
  channel: ChannelType;
  /** The provider id of the outbound message the status is about. */
  providerMessageId: string;
  status: DeliveryState;
  timestamp: number;
  recipient?: string;
  error?: { code?: string; title?: string; detail?: string };
  raw: JsonValue;
}

export type WebhookOutcome =
  /** Answer the provider directly (subscription verification challenges). */
  | { kind: 'respond'; status: number; contentType: string; body: string }
  /**
   * Store these messages (all of them, durably) and apply these statuses, then answer 200 with `response` if given
   * (Twilio voice expects TwiML) or an empty 200.
   */
  | {
      kind: 'events';
      events: InboundEvent[];
      statuses: DeliveryStatusUpdate[];
      response?: { contentType: string; body: string };
    };

export interface WebhookAdapter {
  /** For logs and metrics: 'whatsapp', 'messenger', 'twilio-sms', … */
  readonly name: string;
  /** Route path, e.g. '/webhooks/whatsapp'. */
  readonly path: string;
  /** Methods the route accepts (GET only where the provider verifies subscriptions with GET). */
  readonly methods: ReadonlyArray<'GET' | 'POST'>;
  /** Media types accepted for POST bodies (compared without parameters, lower-case); others get 415. */
  readonly contentTypes: readonly string[];
  /**
   * Verifies and normalizes. Throws OmniError: INVALID_SIGNATURE (401) for a missing/bad signature or token,
   * INVALID_JSON / VALIDATION_FAILED (400) for malformed bodies or missing required fields.
   */
  handle(request: WebhookRequest): WebhookOutcome;
}

/** Helper for adapters: a text draft. */
export function textContent(text: string): MessageContent {
  return { type: 'text', text };
}

export type { InboundDraft, JsonObject };
