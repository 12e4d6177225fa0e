// Property 1 over the real WhatsApp adapter: arbitrary deliveries in Meta's format (several entries, changes and
// messages of every type, unicode text, statuses mixed in) are signed, handled, and every normalized draft must keep
// everything the provider sent, one event per message, in payload order.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { JsonObject, JsonValue, MessageContent } from '../../../src/domain/index.js';
import type { PendingMedia, WebhookRequest } from '../../../src/transport/channels/webhook-adapter.js';
import { createWhatsAppAdapter } from '../../../src/transport/channels/whatsapp.js';

const RUNS = { numRuns: 150 };
const APP_SECRET = 'property-app-secret';
const adapter = createWhatsAppAdapter({ appSecret: APP_SECRET, verifyToken: 'property-verify-token' });

function signedPost(body: string): WebhookRequest {
  const rawBody = Buffer.from(body, 'utf8');
  return {
    method: 'POST',
    publicUrl: 'https://cx.example.com/webhooks/whatsapp',
    path: '/webhooks/whatsapp',
    query: new URLSearchParams(),
    headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}` },
    rawBody,
  };
}

// ---- generators in Meta's format -------------------------------------------------------------------------------

const EMOJI = ['👍', '❤️', '😂', '🙏🏽', '👨‍👩‍👧‍👦', '🇧🇷', '🧀', '✅'];
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(fc.constantFrom(...EMOJI, ' ', 'مرحبا', 'こんにちは', 'Ωμέγα', '\n'), { maxLength: 12 })
    .map((p) => p.join('')),
);
const someText = anyText.filter((t) => t.length > 0);
const wamid = fc.stringMatching(/^wamid\.[A-Za-z0-9+/]{10,48}={0,2}$/);
const waId = fc.stringMatching(/^[1-9][0-9]{7,14}$/);
const mediaId = fc.stringMatching(/^[1-9][0-9]{12,16}$/);
const unixSeconds = fc.integer({ min: 1_000_000_000, max: 2_100_000_000 });
const sha256 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops undefined fields, as JSON would. */
function defined(fields: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

const mediaBody = (kind: string): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      id: mediaId,
      mime_type: fc.constantFrom('image/jpeg', 'audio/ogg; codecs=opus', 'video/mp4', 'application/pdf', 'image/webp'),
      sha256,
      caption: kind === 'audio' || kind === 'sticker' ? fc.constant(undefined) : optional(anyText),
      filename: kind === 'document' ? optional(someText) : fc.constant(undefined),
      voice: kind === 'audio' ? optional(fc.boolean()) : fc.constant(undefined),
      animated: kind === 'sticker' ? optional(fc.boolean()) : fc.constant(undefined),
      url: fc.constant('https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1'),
    })
    .map(defined);

/** The type-specific part of a message: `type` plus the field of the same name. */
const messageBody: fc.Arbitrary<JsonObject> = fc.oneof(
  anyText.map((body) => ({ type: 'text', text: { body } })),
  fc
    .constantFrom('image', 'audio', 'video', 'document', 'sticker')
    .chain((kind) => mediaBody(kind).map((body) => ({ type: kind, [kind]: body }))),
  fc
    .record({
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
      name: optional(anyText),
      address: optional(anyText),
    })
    .map((location) => ({ type: 'location', location: defined(location) })),
  fc
    .record({ message_id: wamid, emoji: fc.option(fc.constantFrom(...EMOJI, ''), { nil: undefined }) })
    .map((reaction) => ({ type: 'reaction', reaction: defined(reaction) })),
  fc
    .record({ id: someText, title: anyText })
    .map((button_reply) => ({ type: 'interactive', interactive: { type: 'button_reply', button_reply } })),
  fc
    .record({ id: someText, title: anyText, description: optional(anyText) })
    .map((list) => ({ type: 'interactive', interactive: { type: 'list_reply', list_reply: defined(list) } })),
  fc.record({ payload: anyText, text: anyText }).map((button) => ({ type: 'button', button })),
  fc
    .array(fc.record({ name: fc.record({ formatted_name: anyText }), phones: fc.array(fc.record({ phone: waId })) }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((contacts) => ({ type: 'contacts', contacts })),
  fc
    .record({ type: fc.constantFrom('order', 'system', 'unsupported', 'unknown', 'poll'), note: anyText })
    .map(({ type, note }) => ({ type, [type]: { note } })),
);

const context = fc.oneof(
  fc.record({ from: waId, id: wamid }),
  fc.record({ forwarded: fc.constant(true), frequently_forwarded: fc.boolean() }),
);

interface Sender {
  wa_id: string;
  name: string;
}

const messageFrom = (senders: Sender[]): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      sender: fc.constantFrom(...senders),
      id: wamid,
      timestamp: unixSeconds,
      context: optional(context),
      body: messageBody,
    })
    .map(({ sender, id, timestamp, context, body }) =>
      defined({ from: sender.wa_id, id, timestamp: String(timestamp), ...(context ? { context } : {}), ...body }),
    );

const status = fc
  .record({ id: wamid, status: fc.constantFrom('sent', 'delivered', 'read', 'failed'), timestamp: unixSeconds })
  .map((s) => ({ ...s, timestamp: String(s.timestamp), recipient_id: '15550001111' }));

const messagesChange = fc
  .uniqueArray(fc.record({ wa_id: waId, name: someText }), { minLength: 1, maxLength: 3, selector: (s) => s.wa_id })
  .chain((senders) =>
    fc.record({
      field: fc.constant('messages'),
      value: fc
        .record({
          phoneNumberId: mediaId,
          display: waId,
          messages: fc.array(messageFrom(senders), { maxLength: 4 }),
          statuses: fc.array(status, { maxLength: 3 }),
        })
        .map(({ phoneNumberId, display, messages, statuses }) =>
          defined({
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: display, phone_number_id: phoneNumberId },
            contacts: senders.map((s) => ({ profile: { name: s.name }, wa_id: s.wa_id })),
            ...(messages.length > 0 ? { messages } : {}),
            ...(statuses.length > 0 ? { statuses } : {}),
          }),
        ),
    }),
  );

const otherChange = fc.record({
  field: fc.constantFrom('account_update', 'message_template_status_update', 'phone_number_quality_update'),
  value: fc.record({ event: anyText }),
});

const delivery = fc.record({
  object: fc.constant('whatsapp_business_account'),
  entry: fc.array(
    fc.record({
      id: mediaId,
      changes: fc.array(fc.oneof({ weight: 4, arbitrary: messagesChange }, { weight: 1, arbitrary: otherChange }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

// ---- the oracle: what the spec says each message must become ---------------------------------------------------

type Wire = {
  entry: { id: string; changes: { field: string; value: JsonObject }[] }[];
};

function expectedContent(m: JsonObject): { content: MessageContent; media?: PendingMedia } {
  const type = m.type as string;
  const body = m[type] as JsonObject;
  switch (type) {
    case 'text':
      return { content: { type: 'text', text: body.body as string } };
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker':
      return {
        content: defined({
          type: 'media',
          mediaKind: type,
          caption: body.caption,
          providerMediaId: body.id,
        }) as MessageContent,
        media: defined({
          providerMediaId: body.id,
          mimeType: body.mime_type,
          sha256: body.sha256,
          fileName: body.filename,
        }) as PendingMedia,
      };
    case 'location':
      return {
        content: defined({
          type: 'location',
          latitude: body.latitude,
          longitude: body.longitude,
          name: body.name,
          address: body.address,
        }) as MessageContent,
      };
    case 'reaction':
      return {
        content: {
          type: 'reaction',
          emoji: (body.emoji as string | undefined) ?? '',
          targetProviderMessageId: body.message_id as string,
        },
      };
    case 'interactive': {
      const reply = body[body.type as string] as JsonObject;
      return {
        content: defined({
          type: 'interactive',
          replyId: reply.id,
          title: reply.title,
          description: reply.description,
        }) as MessageContent,
      };
    }
    case 'button':
      return { content: { type: 'interactive', replyId: body.payload as string, title: body.text as string } };
    case 'contacts':
      return { content: { type: 'contacts', contacts: m.contacts as JsonValue[] } };
    default:
      return { content: { type: 'unsupported', providerType: type, raw: m } };
  }
}

describe('WhatsApp adapter properties', () => {
  test('Feature: omnichannel-cx-platform, Property 1: Message Normalization Completeness (whatsapp)', () => {
    fc.assert(
      fc.property(delivery, (payload) => {
        const body = JSON.stringify(payload);
        // The oracle reads what went over the wire (JSON turns -0 into 0, drops nothing else).
        const wire = JSON.parse(body) as Wire;
        const outcome = adapter.handle(signedPost(body));
        expect(outcome.kind).toBe('events');
        if (outcome.kind !== 'events') return;

        const expected: { message: JsonObject; entryId: string; value: JsonObject }[] = [];
        let knownStatuses = 0;
        for (const entry of wire.entry) {
          for (const change of entry.changes) {
            if (change.field !== 'messages') continue;
            for (const message of (change.value.messages as JsonObject[] | undefined) ?? []) {
              expected.push({ message, entryId: entry.id, value: change.value });
            }
            knownStatuses += ((change.value.statuses as JsonObject[] | undefined) ?? []).length;
          }
        }

        // One event per provider message, same order; statuses produce none.
        expect(outcome.events).toHaveLength(expected.length);
        expect(outcome.statuses).toHaveLength(knownStatuses);
        outcome.events.forEach((event, i) => {
          const { message, entryId, value } = expected[i] as (typeof expected)[number];
          const metadata = value.metadata as JsonObject;
          const contact = (value.contacts as { wa_id: string; profile: { name: string } }[]).find(
            (c) => c.wa_id === message.from,
          );
          const { content, media } = expectedContent(message);
          const { draft } = event;
          expect(draft.channel).toBe('whatsapp');
          expect(draft.from).toBe(message.from);
          expect(draft.providerMessageId).toBe(message.id);
          expect(draft.timestamp).toBe(Number(message.timestamp) * 1000);
          expect(draft.name).toBe(contact?.profile.name);
          expect(draft.content).toEqual(content);
          expect(event.media).toEqual(media);
          expect(draft.metadata?.raw).toEqual(message);
          expect(draft.metadata).toMatchObject({
            provider: 'whatsapp-cloud',
            phoneNumberId: metadata.phone_number_id,
            displayPhoneNumber: metadata.display_phone_number,
            businessAccountId: entryId,
          });
          expect(draft.metadata?.context).toEqual(message.context);
        });
      }),
      RUNS,
    );
  });
});
