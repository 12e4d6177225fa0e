// Inbound adapter for the WhatsApp Cloud API `messages` webhook: one delivery (entries × changes × messages) becomes
// one normalized draft per customer message, in payload order, plus delivery-status updates for `statuses[]`. Types
// with no field of their own (order, system, unsupported, future ones) are kept as `unsupported` with the raw message.
import { z } from 'zod';
import type { JsonObject, JsonValue, MessageContent } from '../../domain/index.js';
import {
  answerSubscriptionChallenge,
  assertMetaSecrets,
  checked,
  parseMetaJson,
  verifyMetaSignature,
  type MetaWebhookSecrets,
} from './meta-signature.js';
import type {
  DeliveryState,
  DeliveryStatusUpdate,
  InboundEvent,
  PendingMedia,
  WebhookAdapter,
  WebhookOutcome,
} from './webhook-adapter.js';

const PROVIDER = 'whatsapp-cloud';

/** Meta sends epoch seconds as a decimal string ("1749416383"); a number is accepted too. */
const unixSeconds = z.union([z.string().regex(/^\d+$/, 'expected unix seconds'), z.number().int().nonnegative()]);

const envelopeSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.unknown()),
});
const entrySchema = z.looseObject({ id: z.string().min(1), changes: z.array(z.unknown()) });
const changeSchema = z.looseObject({ field: z.string(), value: z.unknown() });
const contactSchema = z.looseObject({
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});
const messagesValueSchema = z.looseObject({
  metadata: z.looseObject({ display_phone_number: z.string(), phone_number_id: z.string().min(1) }),
  contacts: z.array(contactSchema).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

/**
 * `from` is the sender's WhatsApp number (digits, as given). Users who hide their number behind a username arrive with
 * only the business-scoped `from_user_id`, which then stands in as the address.
 */
const messageSchema = z
  .looseObject({
    id: z.string().min(1),
    from: z.string().min(1).optional(),
    from_user_id: z.string().min(1).optional(),
    type: z.string().min(1),
    timestamp: unixSeconds.optional(),
  })
  .refine((m) => m.from !== undefined || m.from_user_id !== undefined, { message: 'Required', path: ['from'] });

const textSchema = z.looseObject({ body: z.string() });
const mediaSchema = z.looseObject({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});
const locationSchema = z.looseObject({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().optional(),
  address: z.string().optional(),
});
const reactionSchema = z.looseObject({ message_id: z.string().min(1), emoji: z.string().optional() });
const interactiveSchema = z.looseObject({ type: z.string().min(1) });
const replySchema = z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() });
const buttonSchema = z.looseObject({ payload: z.string().optional(), text: z.string() });

const statusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.union([z.number(), z.string()]).optional(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.looseObject({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

const MEDIA_KINDS = ['image', 'audio', 'video', 'document', 'sticker'] as const;
type MediaKind = (typeof MEDIA_KINDS)[number];
const isMediaKind = (type: string): type is MediaKind => (MEDIA_KINDS as readonly string[]).includes(type);

/**
 * Meta's status values mapped onto ours. `played` (a voice message was listened to) implies it was seen, so it is
 * reported as `read`; values we do not know are skipped: a status is a report about our own message, never content.
 */
const STATUS_MAP: Readonly<Record<string, DeliveryState>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
};

export function createWhatsAppAdapter(secrets: MetaWebhookSecrets): WebhookAdapter {
  assertMetaSecrets('whatsapp', secrets);
  return {
    name: 'whatsapp',
    path: '/webhooks/whatsapp',
    methods: ['GET', 'POST'],
    contentTypes: ['application/json'],
    handle(request): WebhookOutcome {
      if (request.method === 'GET') return answerSubscriptionChallenge(request.query, secrets.verifyToken);
      verifyMetaSignature(request, secrets.appSecret);
      return normalizeDelivery(parseMetaJson(request.rawBody));
    },
  };
}

function normalizeDelivery(body: JsonValue): WebhookOutcome {
  const events: InboundEvent[] = [];
  const statuses: DeliveryStatusUpdate[] = [];
  const envelope = checked(envelopeSchema, body, '');
  envelope.entry.forEach((rawEntry, e) => {
    const entry = checked(entrySchema, rawEntry, `entry.${e}`);
    entry.changes.forEach((rawChange, c) => {
      const path = `entry.${e}.changes.${c}`;
      const change = checked(changeSchema, rawChange, path);
      // Other subscribed fields (account_update, message_template_status_update, …) carry no customer messages.
      if (change.field !== 'messages') return;
      const value = checked(messagesValueSchema, change.value, `${path}.value`);
      const account = {
        provider: PROVIDER,
        phoneNumberId: value.metadata.phone_number_id,
        displayPhoneNumber: value.metadata.display_phone_number,
        businessAccountId: entry.id,
      };
      value.messages?.forEach((rawMessage, m) => {
        events.push(normalizeMessage(rawMessage, `${path}.value.messages.${m}`, account, value.contacts ?? []));
      });
      value.statuses?.forEach((rawStatus, s) => {
        const update = normalizeStatus(rawStatus, `${path}.value.statuses.${s}`);
        if (update !== undefined) statuses.push(update);
      });
    });
  });
  return { kind: 'events', events, statuses };
}

function normalizeMessage(
  rawMessage: unknown,
  path: string,
  account: JsonObject,
  contacts: ReadonlyArray<z.output<typeof contactSchema>>,
): InboundEvent {
  const message = checked(messageSchema, rawMessage, path);
  // Validated as an object above, and it came out of JSON.parse: it is the provider's JSON, kept as is.
  const raw = rawMessage as JsonObject;
  const from = message.from ?? (message.from_user_id as string);
  const name = contacts.find(
    (contact) =>
      (message.from !== undefined && contact.wa_id === message.from) ||
      (message.from_user_id !== undefined && contact.user_id === message.from_user_id),
  )?.profile?.name;

  const metadata: JsonObject = { ...account };
  if (raw.context !== undefined) metadata.context = raw.context;
  if (raw.referral !== undefined) metadata.referral = raw.referral;
  if (message.from_user_id !== undefined) metadata.userId = message.from_user_id;
  const { content, media } = contentOf(message.type, raw, path, metadata);
  metadata.raw = raw;

  return {
    draft: {
      channel: 'whatsapp',
      from,
      content,
      providerMessageId: message.id,
      ...(message.timestamp === undefined ? {} : { timestamp: Number(message.timestamp) * 1000 }),
      ...(name === undefined ? {} : { name }),
      metadata,
    },
    ...(media === undefined ? {} : { media }),
  };
}

/** The content of one message by its `type`; `metadata` receives flags that have no content field (voice, animated). */
function contentOf(
  type: string,
  raw: JsonObject,
  path: string,
  metadata: JsonObject,
): { content: MessageContent; media?: PendingMedia } {
  if (type === 'text') {
    return { content: { type: 'text', text: checked(textSchema, raw.text, `${path}.text`).body } };
  }
  if (isMediaKind(type)) {
    const body = checked(mediaSchema, raw[type], `${path}.${type}`);
    if (type === 'audio' && body.voice !== undefined) metadata.voice = body.voice;
    if (type === 'sticker' && body.animated !== undefined) metadata.animated = body.animated;
    return {
      content: {
        type: 'media',
        mediaKind: type,
        providerMediaId: body.id,
        ...(body.caption === undefined ? {} : { caption: body.caption }),
      },
      media: {
        providerMediaId: body.id,
        ...(body.mime_type === undefined ? {} : { mimeType: body.mime_type }),
        ...(body.sha256 === undefined ? {} : { sha256: body.sha256 }),
        ...(body.filename === undefined ? {} : { fileName: body.filename }),
      },
    };
  }
  if (type === 'location') {
    const location = checked(locationSchema, raw.location, `${path}.location`);
    return {
      content: {
        type: 'location',
        latitude: location.latitude,
        longitude: location.longitude,
        ...(location.name === undefined ? {} : { name: location.name }),
        ...(location.address === undefined ? {} : { address: location.address }),
      },
    };
  }
  if (type === 'contacts') {
    checked(z.array(z.unknown()), raw.contacts, `${path}.contacts`);
    return { content: { type: 'contacts', contacts: raw.contacts as JsonValue[] } };
  }
  if (type === 'reaction') {
    const reaction = checked(reactionSchema, raw.reaction, `${path}.reaction`);
    // Meta omits `emoji` when the user takes a reaction back; the empty emoji carries that removal on.
    return { content: { type: 'reaction', emoji: reaction.emoji ?? '', targetProviderMessageId: reaction.message_id } };
  }
  if (type === 'button') {
    // A template quick-reply button: the payload is what the business defined, the text what the user saw.
    const button = checked(buttonSchema, raw.button, `${path}.button`);
    return { content: { type: 'interactive', replyId: button.payload ?? button.text, title: button.text } };
  }
  if (type === 'interactive') {
    const interactive = checked(interactiveSchema, raw.interactive, `${path}.interactive`);
    if (interactive.type === 'button_reply' || interactive.type === 'list_reply') {
      const reply = checked(replySchema, interactive[interactive.type], `${path}.interactive.${interactive.type}`);
      return {
        content: {
          type: 'interactive',
          replyId: reply.id,
          title: reply.title,
          ...(reply.description === undefined ? {} : { description: reply.description }),
        },
      };
    }
    // Flow replies (nfm_reply), product enquiries, …: kept whole rather than half-understood.
    return { content: { type: 'unsupported', providerType: `interactive.${interactive.type}`, raw } };
  }
  // order, system, unsupported, unknown and types Meta adds later: never dropped, kept with the full message.
  return { content: { type: 'unsupported', providerType: type, raw } };
}

function normalizeStatus(rawStatus: unknown, path: string): DeliveryStatusUpdate | undefined {
  const status = checked(statusSchema, rawStatus, path);
  const state = STATUS_MAP[status.status];
  if (state === undefined) return undefined;
  const first = status.errors?.[0];
  const error =
    first === undefined
      ? undefined
      : {
          ...(first.code === undefined ? {} : { code: String(first.code) }),
          ...((first.title ?? first.message) === undefined ? {} : { title: first.title ?? first.message }),
          ...(first.error_data?.details === undefined ? {} : { detail: first.error_data.details }),
        };
  return {
    channel: 'whatsapp',
    providerMessageId: status.id,
    status: state,
    timestamp: Number(status.timestamp) * 1000,
    ...(status.recipient_id === undefined ? {} : { recipient: status.recipient_id }),
    ...(error === undefined ? {} : { error }),
    raw: rawStatus as JsonValue,
  };
}
