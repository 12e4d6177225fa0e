// Telegram Bot API sender: POST {base}/bot{token}/sendMessage (or sendPhoto, sendDocument, sendVideo, sendAudio with a
// URL) as JSON. Texts over 4096 characters are split; a caption over 1024 follows its media as text. A reply quotes
// the customer's message through reply_parameters, the current form of the older reply_to_message_id.
import type { JsonObject } from '../../domain/index.js';
import { requireText, unsupportedContent } from './content-errors.js';
import { DeliveryError, type HttpClient, type OutboundAdapter, type OutboundMessage } from './outbound-adapter.js';
import {
  asRecord,
  asString,
  callProvider,
  isRetryableStatus,
  joinUrl,
  retryAfterMs,
  type Clock,
  type ProviderResponse,
} from './provider-http.js';
import { sendParts } from './send-parts.js';
import { splitText } from './text-split.js';

export const TELEGRAM_BASE_URL = 'https://api.telegram.org';
export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CAPTION_LIMIT = 1024;

export interface TelegramConfig {
  /** Bot API origin; tests point it at a local server. Defaults to https://api.telegram.org. */
  baseUrl?: string;
  /** The bot token from @BotFather ("123456:ABC-DEF…"). */
  botToken: string;
}

/** One Bot API call: method name and JSON parameters. */
export interface TelegramCall {
  method: string;
  params: JsonObject;
}

const MEDIA_METHOD = {
  image: { method: 'sendPhoto', field: 'photo' },
  document: { method: 'sendDocument', field: 'document' },
  video: { method: 'sendVideo', field: 'video' },
  audio: { method: 'sendAudio', field: 'audio' },
} as const;

/**
 * The Telegram message id to reply to. Accepts our own provider id form `${chat_id}:${message_id}` as well as a bare
 * message id; anything else is not a Telegram message id and is ignored rather than failing the send.
 */
export function telegramReplyTarget(providerMessageId: string | undefined): number | undefined {
  const match = providerMessageId === undefined ? null : /^(?:.*:)?(\d+)$/.exec(providerMessageId);
  return match?.[1] !== undefined ? Number(match[1]) : undefined;
}

/** Builds the Bot API calls for one outbound message, in sending order. */
export function telegramCalls(message: OutboundMessage): TelegramCall[] {
  const chatId = message.to;
  const replyTo = telegramReplyTarget(message.context.replyToProviderMessageId);
  const withReply = (call: TelegramCall, index: number): TelegramCall =>
    replyTo !== undefined && index === 0
      ? {
          ...call,
          // Still send if the customer deleted the message we quote: the answer matters more than the quote.
          params: { ...call.params, reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } },
        }
      : call;
  const texts = (text: string): TelegramCall[] =>
    splitText(text, TELEGRAM_TEXT_LIMIT).map((chunk) => ({
      method: 'sendMessage',
      params: { chat_id: chatId, text: chunk },
    }));

  const content = message.content;
  switch (content.type) {
    case 'text':
      return texts(requireText('telegram', content.text)).map(withReply);
    case 'media': {
      const { method, field } = MEDIA_METHOD[content.mediaKind];
      const caption = content.caption?.trim() ? content.caption : undefined;
      const captionInline = caption !== undefined && caption.length <= TELEGRAM_CAPTION_LIMIT;
      const params: JsonObject = { chat_id: chatId, [field]: content.url };
      if (captionInline) params.caption = caption;
      const calls: TelegramCall[] = [{ method, params }];
      if (caption !== undefined && !captionInline) calls.push(...texts(caption));
      return calls.map(withReply);
    }
    case 'template':
      throw unsupportedContent('telegram', content);
  }
}

/** Bot API failures are {ok:false, error_code, description, parameters:{retry_after, migrate_to_chat_id}}. */
function telegramError(response: ProviderResponse, now: Clock): DeliveryError {
  const body = asRecord(response.json);
  const errorCode = typeof body?.error_code === 'number' ? body.error_code : response.status;
  const description = asString(body?.description) ?? `HTTP ${response.status}`;
  const parameters = asRecord(body?.parameters);
  const retryAfter = typeof parameters?.retry_after === 'number' ? parameters.retry_after * 1000 : undefined;
  const migratedTo = asString(parameters?.migrate_to_chat_id);
  const retryable = isRetryableStatus(errorCode) || isRetryableStatus(response.status);
  return new DeliveryError(
    `telegram: ${description}${migratedTo ? ` (the group is now chat ${migratedTo})` : ''}`,
    retryable,
    String(errorCode),
    retryable ? (retryAfter ?? retryAfterMs(response.headers, now)) : undefined,
  );
}

export function createTelegramAdapter(
  config: TelegramConfig,
  http: HttpClient,
  now: Clock = Date.now,
): OutboundAdapter {
  // The token is part of the path by design of the Bot API; it is never echoed into error messages.
  const baseUrl = joinUrl(config.baseUrl ?? TELEGRAM_BASE_URL, `/bot${config.botToken}`);

  async function call({ method, params }: TelegramCall): Promise<string> {
    const response = await callProvider(http, 'telegram', `${baseUrl}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const body = asRecord(response.json);
    if (response.status < 200 || response.status > 299 || body?.ok !== true) throw telegramError(response, now);
    const messageId = asString(asRecord(body.result)?.message_id);
    // Sent but unreadable: retrying would send it twice, so this is reported as permanent.
    if (messageId === undefined)
      throw new DeliveryError('telegram: success response without result.message_id', false, 'BAD_RESPONSE');
    return `${asString(params.chat_id) ?? ''}:${messageId}`;
  }

  return {
    channel: 'telegram',
    async send(message) {
      const providerMessageIds = await sendParts(telegramCalls(message), call, message.sentParts);
      return { providerMessageIds, details: { parts: providerMessageIds.length } };
    },
  };
}
