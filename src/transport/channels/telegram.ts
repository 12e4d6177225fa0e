// Inbound adapter for the Telegram Bot API webhook: checks the secret token set with setWebhook and turns an Update
// (new, edited and channel messages, inline-button presses) into normalized drafts. Update kinds that carry no
// customer message (inline queries, polls, membership changes, …) are acknowledged and produce nothing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { OmniError, type JsonObject, type JsonValue, type MessageContent } from '../../domain/index.js';
import type { InboundEvent, PendingMedia, WebhookAdapter, WebhookOutcome, WebhookRequest } from './webhook-adapter.js';

export interface TelegramAdapterOptions {
  /** The `secret_token` given to setWebhook; Telegram echoes it in a header on every update. */
  secretToken: string;
}

export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

const userSchema = z.looseObject({
  id: z.number().int(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const chatSchema = z.looseObject({
  id: z.number().int(),
  // Always sent by Telegram, though some of its own documented sample updates leave it out.
  type: z.string().optional(),
  title: z.string().optional(),
  username: z.string().optional(),
});

const fileSchema = z.looseObject({
  file_id: z.string().min(1),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
});

const photoSizeSchema = z.looseObject({
  file_id: z.string().min(1),
  width: z.number(),
  height: z.number(),
  file_size: z.number().optional(),
});

const locationSchema = z.looseObject({ latitude: z.number(), longitude: z.number() });

const messageSchema = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int().nonnegative(),
  chat: chatSchema,
  from: userSchema.optional(),
  sender_chat: chatSchema.optional(),
  edit_date: z.number().int().nonnegative().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(photoSizeSchema).min(1).optional(),
  animation: fileSchema.optional(),
  document: fileSchema.optional(),
  audio: fileSchema.optional(),
  voice: fileSchema.optional(),
  video: fileSchema.optional(),
  video_note: fileSchema.optional(),
  sticker: fileSchema.extend({ is_animated: z.boolean().optional(), is_video: z.boolean().optional() }).optional(),
  venue: z.looseObject({ location: locationSchema, title: z.string(), address: z.string() }).optional(),
  location: locationSchema.optional(),
  contact: z.looseObject({ phone_number: z.string() }).optional(),
  reply_to_message: z.looseObject({ message_id: z.number().int() }).optional(),
});
type TelegramMessage = z.infer<typeof messageSchema>;

const callbackQuerySchema = z.looseObject({
  id: z.string().min(1),
  from: userSchema,
  data: z.string().optional(),
  game_short_name: z.string().optional(),
  chat_instance: z.string().optional(),
  inline_message_id: z.string().optional(),
  message: z.looseObject({ message_id: z.number().int(), chat: chatSchema }).optional(),
});

const updateSchema = z.looseObject({ update_id: z.number().int() });

/** Message fields that describe the envelope, not the content: the first other field names an unsupported kind. */
const ENVELOPE_FIELDS = new Set([
  'message_id',
  'message_thread_id',
  'from',
  'sender_chat',
  'sender_boost_count',
  'sender_business_bot',
  'date',
  'business_connection_id',
  'chat',
  'forward_origin',
  'forward_from',
  'forward_from_chat',
  'forward_from_message_id',
  'forward_signature',
  'forward_sender_name',
  'forward_date',
  'is_topic_message',
  'is_automatic_forward',
  'reply_to_message',
  'external_reply',
  'quote',
  'reply_to_story',
  'via_bot',
  'edit_date',
  'has_protected_content',
  'is_from_offline',
  'media_group_id',
  'author_signature',
  'entities',
  'caption_entities',
  'link_preview_options',
  'effect_id',
  'show_caption_above_media',
  'has_media_spoiler',
  'reply_markup',
]);

function parseAs<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${[path, ...i.path.map(String)].filter(Boolean).join('.') || 'body'}: ${i.message}`,
    );
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  return parsed.data;
}

/** Compares without leaking, through timing, how much of the secret a guess got right (or its length). */
function constantTimeEquals(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function displayName(user: { first_name?: string; last_name?: string; username?: string }): string | undefined {
  const full = `${user.first_name ?? ''} ${user.last_name ?? ''}`.trim();
  if (full !== '') return full;
  return user.username || undefined;
}

/** The largest rendition Telegram offers (it lists them smallest first, but we do not rely on the order). */
function largestPhoto(sizes: NonNullable<TelegramMessage['photo']>): NonNullable<TelegramMessage['photo']>[number] {
  return sizes.reduce((best, size) => {
    const area = size.width * size.height;
    const bestArea = best.width * best.height;
    return area > bestArea || (area === bestArea && (size.file_size ?? 0) > (best.file_size ?? 0)) ? size : best;
  });
}

type MediaKind = Extract<MessageContent, { type: 'media' }>['mediaKind'];

function mediaFrom(
  message: TelegramMessage,
): { kind: MediaKind; file: { file_id: string; file_name?: string; mime_type?: string } } | undefined {
  if (message.photo) return { kind: 'image', file: largestPhoto(message.photo) };
  // An animation (GIF/MP4) also arrives as `document` for old clients: it is a video, so it is looked at first.
  if (message.animation) return { kind: 'video', file: message.animation };
  if (message.video) return { kind: 'video', file: message.video };
  if (message.video_note) return { kind: 'video', file: message.video_note };
  if (message.voice) return { kind: 'audio', file: message.voice };
  if (message.audio) return { kind: 'audio', file: message.audio };
  if (message.document) return { kind: 'document', file: message.document };
  if (message.sticker) {
    const { is_video: isVideo, is_animated: isAnimated } = message.sticker;
    // Telegram declares no MIME type for stickers, but its three sticker formats each have exactly one.
    const mime = isVideo ? 'video/webm' : isAnimated ? 'application/x-tgsticker' : 'image/webp';
    return { kind: 'sticker', file: { ...message.sticker, mime_type: message.sticker.mime_type ?? mime } };
  }
  return undefined;
}

function contentOf(message: TelegramMessage, raw: JsonObject): { content: MessageContent; media?: PendingMedia } {
  const media = mediaFrom(message);
  if (media) {
    const { file_id: fileId, file_name: fileName, mime_type: mimeType } = media.file;
    return {
      content: {
        type: 'media',
        mediaKind: media.kind,
        providerMediaId: fileId,
        ...(message.caption === undefined ? {} : { caption: message.caption }),
      },
      media: {
        providerMediaId: fileId,
        ...(fileName === undefined || media.kind === 'image' ? {} : { fileName }),
        ...(mimeType === undefined ? {} : { mimeType }),
      },
    };
  }
  if (message.text !== undefined) return { content: { type: 'text', text: message.text } };
  if (message.venue) {
    const { location, title, address } = message.venue;
    return {
      content: { type: 'location', latitude: location.latitude, longitude: location.longitude, name: title, address },
    };
  }
  if (message.location) {
    return {
      content: { type: 'location', latitude: message.location.latitude, longitude: message.location.longitude },
    };
  }
  if (message.contact) return { content: { type: 'contacts', contacts: [raw['contact'] as JsonValue] } };
  const providerType = Object.keys(raw).find((key) => !ENVELOPE_FIELDS.has(key)) ?? 'unknown';
  return { content: { type: 'unsupported', providerType, raw } };
}

interface Sender {
  from: string;
  name?: string;
  username?: string;
  languageCode?: string;
}

/**
 * Who sent a message. A message sent on behalf of a chat (a channel post, an anonymous group admin, a linked
 * channel's post in its discussion group) names that chat in `sender_chat` and, outside channels, carries a
 * placeholder `from` that everyone posting that way shares: the chat is the sender. A channel post may have
 * neither, and then the channel is the chat itself.
 */
function senderOf(message: TelegramMessage): Sender {
  const person = message.sender_chat === undefined ? message.from : undefined;
  if (person === undefined) {
    const { id, title, username } = message.sender_chat ?? message.chat;
    const name = title || username || undefined;
    return { from: String(id), ...(name ? { name } : {}), ...(username === undefined ? {} : { username }) };
  }
  const { id, username, language_code: languageCode } = person;
  const name = displayName(person);
  return {
    from: String(id),
    ...(name === undefined ? {} : { name }),
    ...(username === undefined ? {} : { username }),
    ...(languageCode === undefined ? {} : { languageCode }),
  };
}

function messageEvent(updateId: number, kind: string, rawMessage: unknown): InboundEvent {
  const message = parseAs(messageSchema, rawMessage, kind);
  // Validated as an object above, and JSON.parse yields nothing but JSON values.
  const raw = rawMessage as JsonObject;
  const chatId = message.chat.id;
  const edited = kind === 'edited_message' || kind === 'edited_channel_post';
  if (edited && message.edit_date === undefined) {
    throw new OmniError('VALIDATION_FAILED', `${kind}.edit_date: required for an edited message`);
  }
  const sender = senderOf(message);
  const original = `${chatId}:${message.message_id}`;
  const reply = message.reply_to_message?.message_id;
  const entities = raw['entities'];
  const captionEntities = raw['caption_entities'];
  const metadata: JsonObject = {
    provider: 'telegram',
    updateId,
    updateType: kind,
    chatId,
    ...(message.chat.type === undefined ? {} : { chatType: message.chat.type }),
    ...(sender.username === undefined ? {} : { username: sender.username }),
    ...(sender.languageCode === undefined ? {} : { languageCode: sender.languageCode }),
    ...(reply === undefined ? {} : { replyToMessageId: reply, replyToProviderMessageId: `${chatId}:${reply}` }),
    ...(entities === undefined ? {} : { entities }),
    ...(captionEntities === undefined ? {} : { captionEntities }),
    ...(edited ? { editedProviderMessageId: original } : {}),
    raw,
  };
  const { content, media } = contentOf(message, raw);
  return {
    draft: {
      channel: 'telegram',
      from: sender.from,
      content,
      // An edit is a new version of a message, stored next to the original rather than over it; edit_date tells
      // versions apart, so each edit is stored once however often Telegram redelivers it.
      providerMessageId: edited ? `${original}:edited:${message.edit_date as number}` : original,
      // Telegram sends seconds. An edit's time is when it was made; the original's `date` stays in raw.
      timestamp: (edited ? (message.edit_date as number) : message.date) * 1000,
      ...(sender.name === undefined ? {} : { name: sender.name }),
      metadata,
    },
    ...(media === undefined ? {} : { media }),
  };
}

function callbackEvent(updateId: number, rawQuery: unknown): InboundEvent {
  const query = parseAs(callbackQuerySchema, rawQuery, 'callback_query');
  const raw = rawQuery as JsonObject;
  const name = displayName(query.from);
  // A button press carries its callback data; a game button carries the game's short name instead.
  const reply = query.data ?? query.game_short_name;
  // The message the button was on, when the bot sent it to a chat (not for buttons on inline-mode messages).
  const onMessage = query.message;
  const metadata: JsonObject = {
    provider: 'telegram',
    updateId,
    updateType: 'callback_query',
    callbackQueryId: query.id,
    ...(onMessage === undefined
      ? {}
      : {
          chatId: onMessage.chat.id,
          ...(onMessage.chat.type === undefined ? {} : { chatType: onMessage.chat.type }),
          messageProviderMessageId: `${onMessage.chat.id}:${onMessage.message_id}`,
        }),
    ...(query.inline_message_id === undefined ? {} : { inlineMessageId: query.inline_message_id }),
    ...(query.chat_instance === undefined ? {} : { chatInstance: query.chat_instance }),
    ...(query.from.username === undefined ? {} : { username: query.from.username }),
    ...(query.from.language_code === undefined ? {} : { languageCode: query.from.language_code }),
    raw,
  };
  return {
    draft: {
      channel: 'telegram',
      from: String(query.from.id),
      content:
        reply === undefined
          ? { type: 'unsupported', providerType: 'callback_query', raw }
          : { type: 'interactive', replyId: reply, title: reply },
      providerMessageId: `callback:${query.id}`,
      // A callback query carries no time of its own: the gateway stamps the receipt time.
      ...(name === undefined ? {} : { name }),
      metadata,
    },
  };
}

const MESSAGE_KINDS = ['message', 'edited_message', 'channel_post', 'edited_channel_post'] as const;

export function createTelegramAdapter(options: TelegramAdapterOptions): WebhookAdapter {
  const { secretToken } = options;
  if (secretToken === '') throw new Error('createTelegramAdapter: secretToken must not be empty');
  return {
    name: 'telegram',
    path: '/webhooks/telegram',
    methods: ['POST'],
    contentTypes: ['application/json'],
    handle(request: WebhookRequest): WebhookOutcome {
      const header = request.headers[TELEGRAM_SECRET_HEADER];
      if (header === undefined || !constantTimeEquals(header, secretToken)) {
        throw new OmniError('INVALID_SIGNATURE', `missing or wrong ${TELEGRAM_SECRET_HEADER} header`);
      }
      let json: unknown;
      try {
        json = JSON.parse(request.rawBody.toString('utf8'));
      } catch (error) {
        throw new OmniError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
      }
      const update = parseAs(updateSchema, json, '');
      const events: InboundEvent[] = [];
      for (const kind of MESSAGE_KINDS) {
        if (update[kind] !== undefined) events.push(messageEvent(update.update_id, kind, update[kind]));
      }
      if (update['callback_query'] !== undefined) {
        events.push(callbackEvent(update.update_id, update['callback_query']));
      }
      // Any other update kind (inline_query, poll, my_chat_member, message_reaction, …) is not a customer message.
      return { kind: 'events', events, statuses: [] };
    },
  };
}
