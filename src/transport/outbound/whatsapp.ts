// WhatsApp Cloud API sender: POST {base}/{version}/{phone-number-id}/messages with a Bearer token. It enforces the
// 24-hour customer-service window before sending, splits texts over 4096 characters into several messages, and sends
// a caption the media type cannot carry (audio, or longer than 1024 characters) as text right after the media.
import type { JsonObject } from '../../domain/index.js';
import { requireText } from './content-errors.js';
import { GRAPH_BASE_URL, graphError } from './graph-api.js';
import { DeliveryError, type HttpClient, type OutboundAdapter, type OutboundMessage } from './outbound-adapter.js';
import { asRecord, asString, callProvider, joinUrl, type Clock } from './provider-http.js';
import { sendParts } from './send-parts.js';
import { assertServiceWindow } from './service-window.js';
import { splitText } from './text-split.js';

export const WHATSAPP_TEXT_LIMIT = 4096;
export const WHATSAPP_CAPTION_LIMIT = 1024;

export interface WhatsAppConfig {
  /** Graph API origin; tests point it at a local server. Defaults to https://graph.facebook.com. */
  baseUrl?: string;
  /** Graph API version, e.g. 'v21.0'. */
  apiVersion: string;
  /** The business phone number's id (not the phone number). */
  phoneNumberId: string;
  /** System-user or business access token. */
  accessToken: string;
}

/** Builds the request bodies for one outbound message, in sending order. */
export function whatsAppPayloads(message: OutboundMessage): JsonObject[] {
  const base: JsonObject = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to };
  const replyTo = message.context.replyToProviderMessageId;
  const withContext = (payload: JsonObject, index: number): JsonObject =>
    replyTo !== undefined && index === 0 ? { ...payload, context: { message_id: replyTo } } : payload;
  const texts = (text: string): JsonObject[] =>
    splitText(text, WHATSAPP_TEXT_LIMIT).map((body) => ({ ...base, type: 'text', text: { body, preview_url: false } }));

  const content = message.content;
  switch (content.type) {
    case 'text':
      return texts(requireText('whatsapp', content.text)).map(withContext);
    case 'template': {
      const template: JsonObject = { name: content.name, language: { code: content.language } };
      if (content.parameters.length > 0) {
        template.components = [
          { type: 'body', parameters: content.parameters.map((text) => ({ type: 'text', text })) },
        ];
      }
      return [withContext({ ...base, type: 'template', template }, 0)];
    }
    case 'media': {
      const kind = content.mediaKind;
      const caption = content.caption?.trim() ? content.caption : undefined;
      // Audio has no caption field; other captions are capped at 1024 characters.
      const captionInline = caption !== undefined && kind !== 'audio' && caption.length <= WHATSAPP_CAPTION_LIMIT;
      const media: JsonObject = { link: content.url };
      if (captionInline) media.caption = caption;
      if (kind === 'document' && content.fileName) media.filename = content.fileName;
      const parts: JsonObject[] = [{ ...base, type: kind, [kind]: media }];
      if (caption !== undefined && !captionInline) parts.push(...texts(caption));
      return parts.map(withContext);
    }
  }
}

export function createWhatsAppAdapter(
  config: WhatsAppConfig,
  http: HttpClient,
  now: Clock = Date.now,
): OutboundAdapter {
  const url = joinUrl(
    config.baseUrl ?? GRAPH_BASE_URL,
    `/${encodeURIComponent(config.apiVersion)}/${encodeURIComponent(config.phoneNumberId)}/messages`,
  );
  const headers = { authorization: `Bearer ${config.accessToken}`, 'content-type': 'application/json' };

  async function post(payload: JsonObject): Promise<string> {
    const response = await callProvider(http, 'whatsapp', url, {
      method: 'POST',
      headers,
      body: JSON.stringify(payload),
    });
    if (response.status < 200 || response.status > 299) throw graphError('whatsapp', response, now);
    const messages = asRecord(response.json)?.messages;
    const id = Array.isArray(messages) ? asString(asRecord(messages[0])?.id) : undefined;
    // Sent but unreadable: retrying would send it twice, so this is reported as permanent.
    if (id === undefined)
      throw new DeliveryError('whatsapp: success response without messages[0].id', false, 'BAD_RESPONSE');
    return id;
  }

  return {
    channel: 'whatsapp',
    async send(message) {
      assertServiceWindow(message, now);
      const payloads = whatsAppPayloads(message);
      const providerMessageIds = await sendParts(payloads, post, message.sentParts);
      return { providerMessageIds, details: { parts: providerMessageIds.length } };
    },
  };
}
