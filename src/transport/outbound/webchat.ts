// Web chat delivery: the reply is pushed to the visitor's browser through an injected emitter (the socket gateway owns
// the sockets; this adapter only decides what is pushed and what a refusal means). No connected socket is a retryable
// VISITOR_OFFLINE: the visitor may come back, and the outbox will try again.
import type { JsonObject } from '../../domain/index.js';
import { requireText, unsupportedContent } from './content-errors.js';
import { DeliveryError, type OutboundAdapter, type OutboundMessage } from './outbound-adapter.js';
import { asRecord, asString, type Clock } from './provider-http.js';

/** What the browser receives. `at` is epoch ms; media replies carry their attachment. */
export interface WebchatPayload extends JsonObject {
  id: string;
  text: string;
  at: number;
}

/** Emits `event` with `payload` to the visitor's sockets; resolves true if a connected socket took it. */
export type WebchatEmitter = (visitorId: string, event: string, payload: WebchatPayload) => Promise<boolean>;

export interface WebchatConfig {
  /** Socket event name of an agent/bot reply. Defaults to 'message'. */
  event?: string;
}

export function webchatPayload(message: OutboundMessage, at: number): WebchatPayload {
  const content = message.content;
  switch (content.type) {
    case 'text':
      return { id: message.id, text: requireText('webchat', content.text), at };
    case 'media': {
      const media: JsonObject = { kind: content.mediaKind, url: content.url };
      if (content.fileName) media.fileName = content.fileName;
      return { id: message.id, text: content.caption ?? '', at, media };
    }
    case 'template':
      throw unsupportedContent('webchat', content);
  }
}

export function createWebchatAdapter(
  config: WebchatConfig,
  emit: WebchatEmitter,
  now: Clock = Date.now,
): OutboundAdapter {
  const event = config.event ?? 'message';
  return {
    channel: 'webchat',
    async send(message) {
      const payload = webchatPayload(message, now());
      let delivered: boolean;
      try {
        delivered = await emit(message.to, event, payload);
      } catch (error) {
        const reason = asString(asRecord(error)?.message) ?? String(error);
        throw new DeliveryError(`webchat: emit failed (${reason})`, true, 'EMIT_FAILED');
      }
      if (!delivered)
        throw new DeliveryError(`webchat: visitor ${message.to} has no connected socket`, true, 'VISITOR_OFFLINE');
      // The browser dedupes by id, so a retried push after a lost acknowledgement does not show twice.
      return { providerMessageIds: [message.id], details: { event } };
    },
  };
}
