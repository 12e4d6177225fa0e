// Property 1 over the real Messenger and Instagram adapters: arbitrary `entry[].messaging[]` deliveries in Meta's
// format (text, quick replies, inline replies, several attachments, stickers, locations, postbacks, reactions, with
// echoes and delivery/read receipts mixed in) must normalize to drafts that keep everything, in payload order.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { JsonObject, JsonValue, MessageContent } from '../../../src/domain/index.js';
import { createMetaMessagingAdapter, type MetaMessagingPlatform } from '../../../src/transport/channels/messenger.js';
import type { PendingMedia, WebhookRequest } from '../../../src/transport/channels/webhook-adapter.js';

const RUNS = { numRuns: 150 };
const APP_SECRET = 'property-app-secret';

function signedPost(body: string): WebhookRequest {
  const rawBody = Buffer.from(body, 'utf8');
  return {
    method: 'POST',
    publicUrl: 'https://cx.example.com/webhooks/meta',
    path: '/webhooks/meta',
    query: new URLSearchParams(),
    headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}` },
    rawBody,
  };
}

// ---- generators in Meta's format -------------------------------------------------------------------------------

const EMOJI = ['👍', '❤️', '😂', '🙏🏽', '👨‍👩‍👧‍👦', '🇧🇷', '🔥'];
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom(...EMOJI, ' ', 'مرحبا', 'こんにちは', '\n'), { maxLength: 12 }).map((p) => p.join('')),
);
const scopedId = fc.stringMatching(/^[1-9][0-9]{14,16}$/);
const mid = fc.stringMatching(/^(m_|mid\.\$)[A-Za-z0-9_-]{12,60}$/);
const epochMs = fc.integer({ min: 1_300_000_000_000, max: 2_100_000_000_000 });
const cdnUrl = fc.stringMatching(/^[a-z0-9]{4,16}$/).map((s) => `https://scontent.xx.fbcdn.net/v/t1.15752-9/${s}.bin`);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function defined(fields: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

const mediaAttachment = fc.record({
  type: fc.constantFrom('image', 'video', 'audio', 'file'),
  payload: fc.record({ url: cdnUrl }),
});
const stickerAttachment = fc
  .record({ type: fc.constantFrom('image', 'sticker'), url: cdnUrl, sticker_id: fc.integer({ min: 1, max: 2 ** 52 }) })
  .map(({ type, url, sticker_id }) => ({ type, payload: { url, sticker_id } }));
const locationAttachment = fc
  .record({
    title: optional(anyText),
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    long: fc.double({ min: -180, max: 180, noNaN: true }),
  })
  .map(({ title, lat, long }) => defined({ title, type: 'location', payload: { coordinates: { lat, long } } }));
const otherAttachment = fc
  .record({ type: fc.constantFrom('fallback', 'share', 'ig_reel', 'story_mention', 'template'), url: cdnUrl })
  .map(({ type, url }) => ({ type, payload: { url } }));

/** Sticker ids are unique within a message: a repeated one is the same sticker twice (see the transition test). */
const attachments = fc
  .array(fc.oneof(mediaAttachment, stickerAttachment, locationAttachment, otherAttachment), {
    minLength: 1,
    maxLength: 4,
  })
  .filter((list) => {
    const ids = list.flatMap((a: JsonObject) => {
      const payload = a.payload as JsonObject;
      return payload.sticker_id === undefined ? [] : [payload.sticker_id];
    });
    return new Set(ids).size === ids.length;
  });

const messageEvent = fc.oneof(
  fc
    .record({
      mid,
      text: anyText,
      quick_reply: optional(fc.record({ payload: anyText })),
      reply_to: optional(fc.record({ mid })),
    })
    .map((message) => ({ message: defined(message) })),
  fc
    .record({ mid, text: optional(anyText), attachments, reply_to: optional(fc.record({ mid })) })
    .map((message) => ({ message: defined(message) })),
  fc
    .record({ mid: optional(mid), title: anyText, payload: anyText })
    .map((postback) => ({ postback: defined(postback) })),
  fc
    .record({
      mid,
      react: fc.boolean(),
      emoji: fc.constantFrom(...EMOJI),
      reaction: fc.constantFrom('love', 'like', 'other'),
    })
    .map(({ mid, react, emoji, reaction }) => ({
      reaction: react ? { mid, action: 'react', reaction, emoji } : { mid, action: 'unreact' },
    })),
);

/** Events that must produce no message: echoes of our sends and receipts. */
const silentEvent = fc.oneof(
  fc.record({ mid, text: anyText }).map((m) => ({ message: { ...m, is_echo: true, app_id: 1517776481860111 } })),
  fc
    .record({ mids: fc.array(mid, { minLength: 1, maxLength: 3 }), watermark: epochMs })
    .map((delivery) => ({ delivery })),
  fc.oneof(fc.record({ watermark: epochMs }), fc.record({ mid })).map((read) => ({ read })),
);

const messagingEvent = fc
  .record({
    sender: scopedId,
    recipient: scopedId,
    timestamp: epochMs,
    body: fc.oneof({ weight: 4, arbitrary: messageEvent }, { weight: 1, arbitrary: silentEvent }),
  })
  .map(({ sender, recipient, timestamp, body }) => ({
    sender: { id: sender },
    recipient: { id: recipient },
    timestamp,
    ...body,
  }));

const delivery = (object: string) =>
  fc.record({
    object: fc.constant(object),
    entry: fc.array(
      fc.record({ id: scopedId, time: epochMs, messaging: fc.array(messagingEvent, { minLength: 1, maxLength: 5 }) }),
      { minLength: 1, maxLength: 3 },
    ),
  });

// ---- the oracle ----------------------------------------------------------------------------------------------------

interface Expected {
  raw: JsonObject;
  entryId: string;
  id: string;
  content: MessageContent;
  media?: PendingMedia;
  replyTo?: string;
}

const MEDIA: Record<string, 'image' | 'video' | 'audio' | 'document'> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  file: 'document',
};

function expectedFor(raw: JsonObject, entryId: string): Expected[] {
  const sender = (raw.sender as JsonObject).id as string;
  const timestamp = raw.timestamp as number;
  if (raw.message !== undefined) {
    const message = raw.message as JsonObject;
    if (message.is_echo === true) return [];
    const m = message.mid as string;
    const replyTo = (message.reply_to as JsonObject | undefined)?.mid as string | undefined;
    const list = message.attachments as JsonObject[] | undefined;
    if (list === undefined) {
      const quick = message.quick_reply as JsonObject | undefined;
      const text = message.text as string;
      const content: MessageContent =
        quick === undefined
          ? { type: 'text', text }
          : { type: 'interactive', replyId: quick.payload as string, title: text };
      return [{ raw, entryId, id: m, content, replyTo }];
    }
    return list.map((attachment, i) => {
      const payload = attachment.payload as JsonObject;
      const id = i === 0 ? m : `${m}:${i}`;
      const caption = i === 0 && message.text !== undefined ? { caption: message.text as string } : {};
      if (payload.sticker_id !== undefined) {
        const stickerId = String(payload.sticker_id);
        return {
          raw,
          entryId,
          id,
          replyTo,
          content: { type: 'media', mediaKind: 'sticker', ...caption, providerMediaId: stickerId },
          media: { url: payload.url as string, providerMediaId: stickerId },
        };
      }
      const kind = MEDIA[attachment.type as string];
      if (kind !== undefined) {
        return {
          raw,
          entryId,
          id,
          replyTo,
          content: { type: 'media', mediaKind: kind, ...caption },
          media: { url: payload.url as string },
        };
      }
      if (attachment.type === 'location') {
        const coordinates = payload.coordinates as { lat: number; long: number };
        const content = defined({
          type: 'location',
          latitude: coordinates.lat,
          longitude: coordinates.long,
          name: attachment.title,
        }) as MessageContent;
        return { raw, entryId, id, replyTo, content };
      }
      return {
        raw,
        entryId,
        id,
        replyTo,
        content: { type: 'unsupported', providerType: attachment.type as string, raw: attachment },
      };
    });
  }
  if (raw.postback !== undefined) {
    const postback = raw.postback as JsonObject;
    const id = (postback.mid as string | undefined) ?? `postback:${sender}:${timestamp}`;
    return [
      {
        raw,
        entryId,
        id,
        content: { type: 'interactive', replyId: postback.payload as string, title: postback.title as string },
      },
    ];
  }
  if (raw.reaction !== undefined) {
    const reaction = raw.reaction as JsonObject;
    const emoji = reaction.action === 'unreact' ? '' : (reaction.emoji as string);
    return [
      {
        raw,
        entryId,
        id: `reaction:${reaction.mid as string}:${timestamp}`,
        content: { type: 'reaction', emoji, targetProviderMessageId: reaction.mid as string },
      },
    ];
  }
  return [];
}

function statusCount(raw: JsonObject): number {
  if (raw.delivery !== undefined) return ((raw.delivery as JsonObject).mids as string[]).length;
  return raw.read !== undefined ? 1 : 0;
}

function checkPlatform(platform: MetaMessagingPlatform, object: string, accountKey: string): void {
  const adapter = createMetaMessagingAdapter(platform, { appSecret: APP_SECRET, verifyToken: 'v' });
  fc.assert(
    fc.property(delivery(object), (payload) => {
      const body = JSON.stringify(payload);
      const wire = JSON.parse(body) as { entry: { id: string; messaging: JsonObject[] }[] };
      const outcome = adapter.handle(signedPost(body));
      expect(outcome.kind).toBe('events');
      if (outcome.kind !== 'events') return;

      const expected = wire.entry.flatMap((entry) => entry.messaging.flatMap((raw) => expectedFor(raw, entry.id)));
      const statuses = wire.entry.reduce(
        (n, entry) => n + entry.messaging.reduce((k, raw) => k + statusCount(raw), 0),
        0,
      );
      expect(outcome.events).toHaveLength(expected.length);
      expect(outcome.statuses).toHaveLength(statuses);
      outcome.events.forEach((event, i) => {
        const want = expected[i] as Expected;
        const { draft } = event;
        expect(draft.channel).toBe(platform);
        expect(draft.from).toBe((want.raw.sender as JsonObject).id);
        expect(draft.providerMessageId).toBe(want.id);
        expect(draft.timestamp).toBe(want.raw.timestamp);
        expect(draft.content).toEqual(want.content);
        expect(event.media).toEqual(want.media);
        expect(draft.metadata?.raw).toEqual(want.raw);
        expect(draft.metadata?.provider).toBe(platform);
        expect(draft.metadata?.[accountKey]).toBe(want.entryId);
        expect(draft.metadata?.recipientId).toBe((want.raw.recipient as JsonObject).id);
        expect(draft.metadata?.replyTo).toBe(want.replyTo);
      });
    }),
    RUNS,
  );
}

describe('Messenger and Instagram adapter properties', () => {
  test('Feature: omnichannel-cx-platform, Property 1: Message Normalization Completeness (messenger)', () => {
    checkPlatform('messenger', 'page', 'pageId');
  });

  test('Feature: omnichannel-cx-platform, Property 1: Message Normalization Completeness (instagram)', () => {
    checkPlatform('instagram', 'instagram', 'igAccountId');
  });
});
