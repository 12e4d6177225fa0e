// Messenger and Instagram sender through Meta's Send API: POST {base}/{version}/me/messages with the page access token
// as the access_token query parameter (the form the Send API reference documents). Texts are split at the channel's
// limit (Messenger 2000 characters, Instagram 1000 UTF-8 bytes); attachments go by URL and have no caption, so a
// caption follows as text.
import type { JsonObject } from '../../domain/index.js';
import { requireText, unsupportedContent } from './content-errors.js';
import { GRAPH_BASE_URL, graphError } from './graph-api.js';
import { DeliveryError, type HttpClient, type OutboundAdapter, type OutboundMessage } from './outbound-adapter.js';
import { asRecord, asString, callProvider, joinUrl, type Clock } from './provider-http.js';
import { sendParts } from './send-parts.js';
import { isServiceWindowOpen } from './service-window.js';
import { splitText, type LengthUnit } from './text-split.js';

export const META_TEXT_LIMITS: Readonly<Record<MetaChannel, { limit: number; unit: LengthUnit }>> = {
  messenger: { limit: 2000, unit: 'utf16' },
  instagram: { limit: 1000, unit: 'utf8' },
};

export type MetaChannel = 'messenger' | 'instagram';

export interface MetaSendConfig {
  channel: MetaChannel;
  /** Graph API origin; tests point it at a local server. Defaults to https://graph.facebook.com. */
  baseUrl?: string;
  /** Graph API version, e.g. 'v21.0'. */
  apiVersion: string;
  /** Page access token (for Instagram: of the Page linked to the Instagram professional account). */
  pageAccessToken: string;
}

const ATTACHMENT_TYPE = { image: 'image', audio: 'audio', video: 'video', document: 'file' } as const;

const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Meta's messaging window: a standard reply within 24 hours of the customer's last message; after that, up to 7 days,
 * only a human agent may answer (tag HUMAN_AGENT); later, nothing. Unknown last-message time: sent as a reply and
 * left to Meta to judge.
 */
export function metaMessagingType(message: OutboundMessage, now: number): JsonObject {
  const last = message.context.lastCustomerMessageAt;
  if (last === undefined || isServiceWindowOpen(last, now)) return { messaging_type: 'RESPONSE' };
  if (message.context.humanAgent === true && now - last < HUMAN_AGENT_WINDOW_MS) {
    return { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
  }
  throw new DeliveryError(
    `outside Meta's messaging window (last customer message at ${new Date(last).toISOString()}${message.context.humanAgent === true ? '' : '; only a human agent may answer after 24 hours'})`,
    false,
    'WINDOW_CLOSED',
  );
}

/** Builds the request bodies for one outbound message, in sending order. */
export function metaSendPayloads(
  channel: MetaChannel,
  message: OutboundMessage,
  now: number = Date.now(),
): JsonObject[] {
  const { limit, unit } = META_TEXT_LIMITS[channel];
  const messagingType = metaMessagingType(message, now);
  const envelope = (body: JsonObject): JsonObject => ({
    recipient: { id: message.to },
    ...messagingType,
    message: body,
  });
  const texts = (text: string): JsonObject[] => splitText(text, limit, unit).map((chunk) => envelope({ text: chunk }));

  const content = message.content;
  switch (content.type) {
    case 'text':
      return texts(requireText(channel, content.text));
    case 'media': {
      const attachment = envelope({
        attachment: { type: ATTACHMENT_TYPE[content.mediaKind], payload: { url: content.url } },
      });
      return content.caption?.trim() ? [attachment, ...texts(content.caption)] : [attachment];
    }
    case 'template':
      throw unsupportedContent(channel, content);
  }
}

export function createMetaSendAdapter(
  config: MetaSendConfig,
  http: HttpClient,
  now: Clock = Date.now,
): OutboundAdapter {
  const url = joinUrl(
    config.baseUrl ?? GRAPH_BASE_URL,
    `/${encodeURIComponent(config.apiVersion)}/me/messages?access_token=${encodeURIComponent(config.pageAccessToken)}`,
  );
  const provider = config.channel;

  async function post(payload: JsonObject): Promise<string> {
    const response = await callProvider(http, provider, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (response.status < 200 || response.status > 299) throw graphError(provider, response, now);
    const id = asString(asRecord(response.json)?.message_id);
    // Sent but unreadable: retrying would send it twice, so this is reported as permanent.
    if (id === undefined)
      throw new DeliveryError(`${provider}: success response without message_id`, false, 'BAD_RESPONSE');
    return id;
  }

  return {
    channel: config.channel,
    async send(message) {
      const providerMessageIds = await sendParts(
        metaSendPayloads(config.channel, message, now()),
        post,
        message.sentParts,
      );
      return { providerMessageIds, details: { parts: providerMessageIds.length } };
    },
  };
}
