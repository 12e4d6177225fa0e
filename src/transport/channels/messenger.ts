// Inbound adapter for the Messenger Platform and Instagram Messaging webhooks, which share one format
// (`entry[].messaging[]` events): messages, postbacks and reactions become normalized drafts in payload order,
// delivery and read receipts become status updates, and echoes of our own sends are left out.
import { z } from 'zod';
import type { ChannelType, JsonObject, JsonValue, MessageContent } from '../../domain/index.js';
import { parseTimestamp } from '../message-request.js';
import {
  answerSubscriptionChallenge,
  assertMetaSecrets,
  checked,
  parseMetaJson,
  verifyMetaSignature,
  type MetaWebhookSecrets,
} from './meta-signature.js';
import type {
  DeliveryStatusUpdate,
  InboundEvent,
  PendingMedia,
  WebhookAdapter,
  WebhookOutcome,
} from './webhook-adapter.js';

export type MetaMessagingPlatform = 'messenger' | 'instagram';

interface PlatformSpec {
  channel: ChannelType;
  /** The `object` Meta puts on the envelope. */
  object: 'page' | 'instagram';
  path: string;
  /** Where `entry.id` goes in metadata: a Facebook Page id, or an Instagram professional account id. */
  accountKey: 'pageId' | 'igAccountId';
}

const PLATFORMS: Readonly<Record<MetaMessagingPlatform, PlatformSpec>> = {
  messenger: { channel: 'messenger', object: 'page', path: '/webhooks/messenger', accountKey: 'pageId' },
  instagram: { channel: 'instagram', object: 'instagram', path: '/webhooks/instagram', accountKey: 'igAccountId' },
};

export function createMessengerAdapter(secrets: MetaWebhookSecrets): WebhookAdapter {
  return createMetaMessagingAdapter('messenger', secrets);
}

export function createInstagramAdapter(secrets: MetaWebhookSecrets): WebhookAdapter {
  return createMetaMessagingAdapter('instagram', secrets);
}

export function createMetaMessagingAdapter(
  platform: MetaMessagingPlatform,
  secrets: MetaWebhookSecrets,
): WebhookAdapter {
  assertMetaSecrets(platform, secrets);
  const spec = PLATFORMS[platform];
  const envelopeSchema = z.looseObject({ object: z.literal(spec.object), entry: z.array(z.unknown()) });
  return {
    name: platform,
    path: spec.path,
    methods: ['GET', 'POST'],
    contentTypes: ['application/json'],
    handle(request): WebhookOutcome {
      if (request.method === 'GET') return answerSubscriptionChallenge(request.query, secrets.verifyToken);
      verifyMetaSignature(request, secrets.appSecret);
      const envelope = checked(envelopeSchema, parseMetaJson(request.rawBody), '');
      return normalizeEntries(spec, envelope.entry);
    },
  };
}

/** Meta's timestamps here are epoch ms numbers; a numeric string or epoch seconds is read the same way. */
const timestampSchema = z.union([z.number().nonnegative(), z.string().regex(/^\d+$/, 'expected a unix time')]);

/** `entry[]` items without `messaging` (feed `changes`, handover `standby` copies meant for another app) carry nothing for us. */
const entrySchema = z.looseObject({ id: z.string().min(1), messaging: z.array(z.unknown()).optional() });
const eventSchema = z.looseObject({
  recipient: z.looseObject({ id: z.string().optional() }).optional(),
  timestamp: timestampSchema.optional(),
});
/** What an event needs to become a message: who sent it (`user_ref` for guests of the chat plugin) and when. */
const senderSchema = z.looseObject({
  sender: z
    .looseObject({ id: z.string().min(1).optional(), user_ref: z.string().min(1).optional() })
    .refine((s) => s.id !== undefined || s.user_ref !== undefined, { message: 'Required', path: ['id'] }),
  timestamp: timestampSchema,
});
const messageSchema = z.looseObject({
  mid: z.string().min(1),
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  is_deleted: z.boolean().optional(),
  is_unsupported: z.boolean().optional(),
  attachments: z.array(z.unknown()).optional(),
  quick_reply: z.looseObject({ payload: z.string() }).optional(),
  reply_to: z.looseObject({ mid: z.string().optional() }).optional(),
});
const attachmentSchema = z.looseObject({
  type: z.string().min(1),
  title: z.string().optional(),
  payload: z
    .union([
      z.looseObject({
        url: z.string().optional(),
        sticker_id: z.union([z.number(), z.string()]).optional(),
        coordinates: z.looseObject({ lat: z.number(), long: z.number() }).optional(),
      }),
      z.null(),
    ])
    .optional(),
});
const postbackSchema = z.looseObject({
  mid: z.string().min(1).optional(),
  title: z.string().optional(),
  payload: z.string().optional(),
});
const reactionSchema = z.looseObject({
  mid: z.string().min(1),
  action: z.string().optional(),
  reaction: z.string().optional(),
  emoji: z.string().optional(),
});
const deliverySchema = z.looseObject({ mids: z.array(z.string().min(1)).optional(), watermark: z.number() });
/** Messenger reads carry a watermark, Instagram's `messaging_seen` the id of the message seen. */
const readSchema = z
  .looseObject({ watermark: z.number().optional(), mid: z.string().min(1).optional() })
  .refine((r) => r.watermark !== undefined || r.mid !== undefined, { message: 'Required', path: ['watermark'] });

const MEDIA_ATTACHMENTS: Readonly<Record<string, 'image' | 'audio' | 'video' | 'document'>> = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  file: 'document',
};

/** The keys every messaging event has besides the one that says what happened. */
const ENVELOPE_KEYS = new Set(['sender', 'recipient', 'timestamp']);

interface EventContext {
  spec: PlatformSpec;
  path: string;
  /** The messaging event as Meta sent it: what `metadata.raw` keeps. */
  raw: JsonObject;
  /** provider, account id and recipient id: the metadata every draft from this event starts with. */
  base: JsonObject;
}

function normalizeEntries(spec: PlatformSpec, entries: unknown[]): WebhookOutcome {
  const events: InboundEvent[] = [];
  const statuses: DeliveryStatusUpdate[] = [];
  entries.forEach((rawEntry, e) => {
    const entry = checked(entrySchema, rawEntry, `entry.${e}`);
    entry.messaging?.forEach((rawEvent, m) => {
      const path = `entry.${e}.messaging.${m}`;
      const event = checked(eventSchema, rawEvent, path);
      // Validated as an object above, and it came out of JSON.parse: the provider's JSON, kept as is.
      const raw = rawEvent as JsonObject;
      const base: JsonObject = { provider: spec.channel, [spec.accountKey]: entry.id };
      if (event.recipient?.id !== undefined) base.recipientId = event.recipient.id;
      normalizeEvent({ spec, path, raw, base }, events, statuses);
    });
  });
  return { kind: 'events', events, statuses };
}

function normalizeEvent(ctx: EventContext, events: InboundEvent[], statuses: DeliveryStatusUpdate[]): void {
  const { raw, path } = ctx;
  if (raw.message !== undefined) {
    const message = checked(messageSchema, raw.message, `${path}.message`);
    // Echoes are the messages our own page/account sent: they are already in the conversation as outbound.
    if (message.is_echo === true) return;
    events.push(...messageEvents(ctx, message));
    return;
  }
  if (raw.postback !== undefined) {
    const postback = checked(postbackSchema, raw.postback, `${path}.postback`);
    const { from, timestamp } = sender(ctx);
    const metadata: JsonObject = { ...ctx.base };
    const postbackObject = raw.postback as JsonObject;
    if (postbackObject.referral !== undefined) metadata.referral = postbackObject.referral;
    // Get Started and persistent-menu taps have no message id: sender + time identify the tap, also on redelivery.
    const id = postback.mid ?? `postback:${from}:${timestamp}`;
    const content: MessageContent = {
      type: 'interactive',
      replyId: postback.payload ?? '',
      title: postback.title ?? '',
    };
    events.push(draftEvent(ctx, { from, timestamp, id, content, metadata }));
    return;
  }
  if (raw.reaction !== undefined) {
    const reaction = checked(reactionSchema, raw.reaction, `${path}.reaction`);
    const { from, timestamp } = sender(ctx);
    const metadata: JsonObject = { ...ctx.base };
    if (reaction.action !== undefined) metadata.reactionAction = reaction.action;
    if (reaction.reaction !== undefined) metadata.reactionName = reaction.reaction;
    // `unreact` comes without an emoji: the empty emoji is the removal. A reaction has no id of its own: the
    // reacted-to mid and the time identify it, also when Meta redelivers it.
    const emoji = reaction.action === 'unreact' ? '' : (reaction.emoji ?? '');
    events.push(
      draftEvent(ctx, {
        from,
        timestamp,
        id: `reaction:${reaction.mid}:${timestamp}`,
        content: { type: 'reaction', emoji, targetProviderMessageId: reaction.mid },
        metadata,
      }),
    );
    return;
  }
  if (raw.delivery !== undefined) {
    const delivery = checked(deliverySchema, raw.delivery, `${path}.delivery`);
    const timestamp = eventTime(ctx) ?? delivery.watermark;
    // Older clients send only the watermark ("everything sent before this time was delivered"), see read below.
    const ids = delivery.mids ?? [`watermark:${delivery.watermark}`];
    for (const id of ids) statuses.push(statusUpdate(ctx, id, 'delivered', timestamp));
    return;
  }
  if (raw.read !== undefined) {
    const read = checked(readSchema, raw.read, `${path}.read`);
    // A Messenger read receipt names no message: it says every message we sent up to `watermark` (epoch ms) was read.
    // It is reported under the pseudo id `watermark:<ms>`, for the status consumer to apply to all our messages in
    // that conversation sent at or before that time. Instagram's messaging_seen names the message (`read.mid`).
    const id = read.mid ?? `watermark:${read.watermark}`;
    statuses.push(statusUpdate(ctx, id, 'read', eventTime(ctx) ?? read.watermark ?? requiredTime(ctx)));
    return;
  }
  // message_edit(s) and events Meta adds later: kept as unsupported when they concern a message, else not ours.
  for (const [kind, value] of Object.entries(raw)) {
    if (ENVELOPE_KEYS.has(kind) || !isObject(value)) continue;
    const mid = value.mid;
    if (typeof mid !== 'string' || mid.length === 0) continue;
    const { from, timestamp } = sender(ctx);
    // The mid is the edited message's own id: the event gets an id of its own so it is not taken for a duplicate.
    const id = `${kind}:${mid}:${timestamp}`;
    const content: MessageContent = { type: 'unsupported', providerType: kind, raw: ctx.raw };
    events.push(draftEvent(ctx, { from, timestamp, id, content, metadata: { ...ctx.base } }));
    return;
  }
}

/**
 * One message event. A message with several attachments becomes one event per attachment, so each media item is
 * stored and fetched on its own: the first keeps the message's `mid`, attachment i > 0 gets `${mid}:${i}` (stable
 * across redeliveries, so duplicates are still recognised). The text of such a message is the first one's caption.
 */
function messageEvents(ctx: EventContext, message: z.output<typeof messageSchema>): InboundEvent[] {
  const { from, timestamp } = sender(ctx);
  const metadata: JsonObject = { ...ctx.base };
  const messageObject = ctx.raw.message as JsonObject;
  if (message.reply_to?.mid !== undefined) metadata.replyTo = message.reply_to.mid;
  const replyTo = messageObject.reply_to;
  // Instagram story replies point at the story ({url, id}) instead of a message.
  if (isObject(replyTo) && replyTo.story !== undefined) metadata.replyToStory = replyTo.story;
  if (messageObject.referral !== undefined) metadata.referral = messageObject.referral;

  if (message.is_deleted === true) {
    // The customer unsent a message: its own mid would look like a redelivery of the original, hence the prefix.
    const content: MessageContent = { type: 'unsupported', providerType: 'message_deleted', raw: ctx.raw };
    return [draftEvent(ctx, { from, timestamp, id: `message_deleted:${message.mid}:${timestamp}`, content, metadata })];
  }
  if (message.attachments !== undefined && message.attachments.length > 0) {
    return attachmentEvents(ctx, message, { from, timestamp, metadata });
  }
  if (message.text !== undefined) {
    const content: MessageContent =
      message.quick_reply === undefined
        ? { type: 'text', text: message.text }
        : { type: 'interactive', replyId: message.quick_reply.payload, title: message.text };
    return [draftEvent(ctx, { from, timestamp, id: message.mid, content, metadata })];
  }
  const providerType = message.is_unsupported === true ? 'unsupported' : 'message';
  const content: MessageContent = { type: 'unsupported', providerType, raw: ctx.raw };
  return [draftEvent(ctx, { from, timestamp, id: message.mid, content, metadata })];
}

function attachmentEvents(
  ctx: EventContext,
  message: z.output<typeof messageSchema>,
  common: { from: string; timestamp: number; metadata: JsonObject },
): InboundEvent[] {
  const events: InboundEvent[] = [];
  // While Meta moves stickers to their own attachment type, one sticker arrives twice (as `image` and as `sticker`,
  // both with its sticker_id): it is one message, stored once.
  const stickers = new Set<string>();
  (message.attachments ?? []).forEach((rawAttachment, index) => {
    const at = `${ctx.path}.message.attachments.${index}`;
    const attachment = checked(attachmentSchema, rawAttachment, at);
    const payload = attachment.payload ?? undefined;
    const id = index === 0 ? message.mid : `${message.mid}:${index}`;
    const metadata: JsonObject = { ...common.metadata, attachmentIndex: index };
    const caption = events.length === 0 && message.text !== undefined ? { caption: message.text } : {};
    const stickerId = payload?.sticker_id === undefined ? undefined : String(payload.sticker_id);
    const mediaKind =
      attachment.type === 'sticker' || stickerId !== undefined ? 'sticker' : MEDIA_ATTACHMENTS[attachment.type];

    if (mediaKind !== undefined) {
      if (stickerId !== undefined) {
        if (stickers.has(stickerId)) return;
        stickers.add(stickerId);
      }
      const url = checked(z.string().min(1), payload?.url, `${at}.payload.url`);
      const media: PendingMedia = { url, ...(stickerId === undefined ? {} : { providerMediaId: stickerId }) };
      const content: MessageContent = {
        type: 'media',
        mediaKind,
        ...caption,
        ...(stickerId === undefined ? {} : { providerMediaId: stickerId }),
      };
      events.push({ ...draftEvent(ctx, { ...common, id, content, metadata }), media });
      return;
    }
    if (attachment.type === 'location' && payload?.coordinates !== undefined) {
      const content: MessageContent = {
        type: 'location',
        latitude: payload.coordinates.lat,
        longitude: payload.coordinates.long,
        ...(attachment.title === undefined ? {} : { name: attachment.title }),
      };
      events.push(draftEvent(ctx, { ...common, id, content, metadata }));
      return;
    }
    // fallback (shared links), share / ig_post / reel / story_mention, templates, …: kept whole.
    const content: MessageContent = {
      type: 'unsupported',
      providerType: attachment.type,
      raw: rawAttachment as JsonValue,
    };
    events.push(draftEvent(ctx, { ...common, id, content, metadata }));
  });
  return events;
}

function sender(ctx: EventContext): { from: string; timestamp: number } {
  const event = checked(senderSchema, ctx.raw, ctx.path);
  // The schema guarantees one of the two, and a timestamp parseTimestamp can read (digits or a number).
  const from = event.sender.id ?? (event.sender.user_ref as string);
  return { from, timestamp: parseTimestamp(event.timestamp) as number };
}

/** The event's time when nothing else dates it: a receipt without timestamp or watermark is malformed. */
function requiredTime(ctx: EventContext): number {
  return parseTimestamp(checked(timestampSchema, ctx.raw.timestamp, `${ctx.path}.timestamp`)) as number;
}

function eventTime(ctx: EventContext): number | undefined {
  const value = ctx.raw.timestamp;
  return typeof value === 'number' || typeof value === 'string' ? parseTimestamp(value) : undefined;
}

function draftEvent(
  ctx: EventContext,
  d: { from: string; timestamp: number; id: string; content: MessageContent; metadata: JsonObject },
): InboundEvent {
  return {
    draft: {
      channel: ctx.spec.channel,
      from: d.from,
      content: d.content,
      providerMessageId: d.id,
      timestamp: d.timestamp,
      metadata: { ...d.metadata, raw: ctx.raw },
    },
  };
}

function statusUpdate(
  ctx: EventContext,
  providerMessageId: string,
  status: 'delivered' | 'read',
  timestamp: number,
): DeliveryStatusUpdate {
  // Receipts come from the customer: the sender of the receipt is the recipient of our message.
  const sent = ctx.raw.sender;
  const recipient = isObject(sent) ? sent.id : undefined;
  return {
    channel: ctx.spec.channel,
    providerMessageId,
    status,
    timestamp,
    ...(typeof recipient === 'string' ? { recipient } : {}),
    raw: ctx.raw,
  };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
