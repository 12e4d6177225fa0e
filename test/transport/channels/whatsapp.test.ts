// The WhatsApp Cloud API adapter against Meta's documented webhook payloads (test/fixtures/meta/wa-*.json, taken from
// the examples of developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/*),
// signed with a test app secret exactly as Meta signs them, plus every way a request can be refused.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OmniError, type ErrorCode, type JsonObject } from '../../../src/domain/index.js';
import type { InboundEvent, WebhookOutcome, WebhookRequest } from '../../../src/transport/channels/webhook-adapter.js';
import { createWhatsAppAdapter } from '../../../src/transport/channels/whatsapp.js';

const APP_SECRET = 'whatsapp-app-secret-for-tests';
const VERIFY_TOKEN = 'verify-token-for-tests';
const adapter = createWhatsAppAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });

const ACCOUNT = {
  provider: 'whatsapp-cloud',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '15550783881',
  businessAccountId: '102290129340398',
};

function fixture(name: string): Buffer {
  return readFileSync(path.join(__dirname, '../../fixtures/meta', name));
}

function sign(body: Buffer, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function post(body: Buffer | string, headers?: Record<string, string>): WebhookRequest {
  const rawBody = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    method: 'POST',
    publicUrl: 'https://cx.example.com/webhooks/whatsapp',
    path: '/webhooks/whatsapp',
    query: new URLSearchParams(),
    headers: headers ?? { 'content-type': 'application/json', 'x-hub-signature-256': sign(rawBody) },
    rawBody,
  };
}

function outcomeOf(body: Buffer | string | object): Extract<WebhookOutcome, { kind: 'events' }> {
  const raw = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
  const outcome = adapter.handle(post(raw));
  if (outcome.kind !== 'events') throw new Error(`expected events, got ${outcome.kind}`);
  return outcome;
}

function eventsOf(name: string): InboundEvent[] {
  return outcomeOf(fixture(name)).events;
}

function onlyEvent(name: string): InboundEvent {
  const events = eventsOf(name);
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
}

/** The message object of a fixture, as Meta sent it: what metadata.raw must equal. */
function messageOf(name: string, index = 0): JsonObject {
  const body = JSON.parse(fixture(name).toString('utf8'));
  return body.entry[0].changes[0].value.messages[index];
}

function errorOf(run: () => unknown): OmniError {
  try {
    run();
  } catch (error) {
    if (error instanceof OmniError) return error;
    throw error;
  }
  throw new Error('expected an OmniError, nothing was thrown');
}

function expectRefused(run: () => unknown, code: ErrorCode, mentioning?: string): void {
  const error = errorOf(run);
  expect(error.code).toBe(code);
  if (mentioning !== undefined) expect(error.message).toContain(mentioning);
}

describe('WhatsApp adapter: route', () => {
  test('declares its route, methods and media type', () => {
    expect(adapter.name).toBe('whatsapp');
    expect(adapter.path).toBe('/webhooks/whatsapp');
    expect([...adapter.methods].sort()).toEqual(['GET', 'POST']);
    expect(adapter.contentTypes).toEqual(['application/json']);
  });

  test('refuses to be built without secrets', () => {
    expectRefused(() => createWhatsAppAdapter({ appSecret: '', verifyToken: 'x' }), 'INTERNAL');
    expectRefused(() => createWhatsAppAdapter({ appSecret: 'x', verifyToken: '' }), 'INTERNAL');
  });
});

describe('WhatsApp adapter: documented message types', () => {
  test('text (webhooks overview example)', () => {
    const event = onlyEvent('wa-text.json');
    expect(event).toEqual({
      draft: {
        channel: 'whatsapp',
        from: '16505551234',
        content: { type: 'text', text: 'Does it come in another color?' },
        providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        timestamp: 1749416383000,
        name: 'Sheena Nelson',
        metadata: { ...ACCOUNT, raw: messageOf('wa-text.json') },
      },
    });
  });

  test('text from a Click to WhatsApp ad keeps the referral', () => {
    const event = onlyEvent('wa-text-referral.json');
    expect(event.draft.content).toEqual({ type: 'text', text: 'Can I get more info about this?' });
    expect(event.draft.metadata?.referral).toEqual(messageOf('wa-text-referral.json').referral);
    expect(event.draft.metadata?.referral).toMatchObject({ source_id: '120226305854810726', source_type: 'ad' });
  });

  test('audio voice note: media to fetch by id, voice flag kept', () => {
    const event = onlyEvent('wa-audio-voice.json');
    expect(event.draft.content).toEqual({ type: 'media', mediaKind: 'audio', providerMediaId: '1908647269898587' });
    expect(event.media).toEqual({
      providerMediaId: '1908647269898587',
      mimeType: 'audio/ogg; codecs=opus',
      sha256: 'wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=',
    });
    expect(event.draft.metadata).toMatchObject({ voice: true, raw: messageOf('wa-audio-voice.json') });
    expect(event.draft.timestamp).toBe(1744344496000);
  });

  test('image with caption', () => {
    const event = onlyEvent('wa-image.json');
    expect(event.draft.content).toEqual({
      type: 'media',
      mediaKind: 'image',
      caption: 'Taj Mahal',
      providerMediaId: '1003383421387256',
    });
    expect(event.media).toEqual({
      providerMediaId: '1003383421387256',
      mimeType: 'image/jpeg',
      sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=',
    });
  });

  test('document keeps its file name', () => {
    const event = onlyEvent('wa-document.json');
    expect(event.draft.content).toEqual({
      type: 'media',
      mediaKind: 'document',
      caption: 'my receipt',
      providerMediaId: '622684793477189',
    });
    expect(event.media).toEqual({
      providerMediaId: '622684793477189',
      mimeType: 'application/pdf',
      sha256: 'V5OPpLD/gEG6Xjg0MbmQDLFgcKsL+j5LfY4ny/pZ4MY=',
      fileName: 'receipt.pdf',
    });
  });

  test('video', () => {
    const event = onlyEvent('wa-video.json');
    expect(event.draft.content).toEqual({
      type: 'media',
      mediaKind: 'video',
      caption: 'Lucky Shrub unboxing',
      providerMediaId: '1166846181421424',
    });
    expect(event.media).toMatchObject({ providerMediaId: '1166846181421424', mimeType: 'video/mp4' });
  });

  test('animated sticker', () => {
    const event = onlyEvent('wa-sticker.json');
    expect(event.draft.content).toEqual({ type: 'media', mediaKind: 'sticker', providerMediaId: '1224966415629183' });
    expect(event.media).toMatchObject({ providerMediaId: '1224966415629183', mimeType: 'image/webp' });
    expect(event.draft.metadata?.animated).toBe(true);
  });

  test('location with name and address', () => {
    expect(onlyEvent('wa-location.json').draft.content).toEqual({
      type: 'location',
      latitude: 37.44221496582,
      longitude: -122.16165924072,
      name: 'Philz Coffee',
      address: '101 Forest Ave, Palo Alto, CA 94301',
    });
  });

  test('contacts are kept whole', () => {
    const event = onlyEvent('wa-contacts.json');
    expect(event.draft.content).toEqual({ type: 'contacts', contacts: messageOf('wa-contacts.json').contacts });
    expect(JSON.stringify(event.draft.content)).toContain('Barbara J. Johnson');
  });

  test('reaction', () => {
    const event = onlyEvent('wa-reaction.json');
    expect(event.draft.content).toEqual({
      type: 'reaction',
      emoji: '👍',
      targetProviderMessageId: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
    });
    expect(event.draft.providerMessageId).toBe('wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=');
  });

  test('a removed reaction (no emoji field) is a reaction with the empty emoji', () => {
    expect(onlyEvent('wa-reaction-removed.json').draft.content).toEqual({
      type: 'reaction',
      emoji: '',
      targetProviderMessageId: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
    });
  });

  test('a removed reaction sent as an empty emoji stays empty', () => {
    const body = JSON.parse(fixture('wa-reaction.json').toString('utf8'));
    body.entry[0].changes[0].value.messages[0].reaction.emoji = '';
    expect(outcomeOf(body).events[0]?.draft.content).toMatchObject({ type: 'reaction', emoji: '' });
  });

  test('template quick-reply button: payload and text, reply context kept', () => {
    const event = onlyEvent('wa-button.json');
    expect(event.draft.content).toEqual({ type: 'interactive', replyId: 'Unsubscribe', title: 'Unsubscribe' });
    expect(event.draft.metadata?.context).toEqual({
      from: '15550783881',
      id: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
    });
  });

  test('interactive list reply with description', () => {
    expect(onlyEvent('wa-interactive-list-reply.json').draft.content).toEqual({
      type: 'interactive',
      replyId: 'priority_express',
      title: 'Priority Mail Express',
      description: 'Next Day to 2 Days',
    });
  });

  test('interactive button reply', () => {
    const event = onlyEvent('wa-interactive-button-reply.json');
    expect(event.draft.content).toEqual({ type: 'interactive', replyId: 'cancel-button', title: 'Cancel' });
    expect(event.draft.metadata?.context).toMatchObject({
      id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
    });
  });

  test.each([
    ['wa-order.json', 'order'],
    ['wa-system.json', 'system'],
    ['wa-unsupported.json', 'unsupported'],
  ])('%s is kept as unsupported (%s) with the whole message', (name, providerType) => {
    const event = onlyEvent(name);
    expect(event.draft.content).toEqual({ type: 'unsupported', providerType, raw: messageOf(name) });
    expect(event.draft.metadata?.raw).toEqual(messageOf(name));
    expect(event.media).toBeUndefined();
  });

  test('a system message has no contacts entry, hence no name', () => {
    const event = onlyEvent('wa-system.json');
    expect(event.draft.name).toBeUndefined();
    expect(event.draft.from).toBe('16505551234');
  });

  test('other interactive replies (Flows) are kept as unsupported, never dropped', () => {
    const body = JSON.parse(fixture('wa-interactive-button-reply.json').toString('utf8'));
    body.entry[0].changes[0].value.messages[0].interactive = {
      type: 'nfm_reply',
      nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t1"}' },
    };
    const [event] = outcomeOf(body).events;
    expect(event?.draft.content).toMatchObject({ type: 'unsupported', providerType: 'interactive.nfm_reply' });
  });

  test('a message type nobody knows yet is kept as unsupported', () => {
    const body = JSON.parse(fixture('wa-text.json').toString('utf8'));
    body.entry[0].changes[0].value.messages[0] = {
      from: '16505551234',
      id: 'wamid.future',
      timestamp: '1750000000',
      type: 'hologram',
      hologram: { depth: 3 },
    };
    const [event] = outcomeOf(body).events;
    expect(event?.draft.content).toEqual({
      type: 'unsupported',
      providerType: 'hologram',
      raw: body.entry[0].changes[0].value.messages[0],
    });
  });
});

describe('WhatsApp adapter: deliveries with several messages and statuses', () => {
  test('several entries, changes and messages become events in payload order', () => {
    const message = (name: string) => messageOf(name);
    const value = (
      messages: JsonObject[],
      contacts = [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
    ) => ({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      contacts,
      messages,
    });
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            { field: 'messages', value: value([message('wa-text.json'), message('wa-image.json')]) },
            { field: 'account_update', value: { phone_number: '15550783881', event: 'VERIFIED_ACCOUNT' } },
            { field: 'messages', value: value([message('wa-reaction.json')]) },
          ],
        },
        {
          id: '102290129340399',
          changes: [
            {
              field: 'messages',
              value: {
                ...value(
                  [{ ...message('wa-location.json'), from: '447700900123', id: 'wamid.second-entry' }],
                  [{ profile: { name: 'Ana Lima' }, wa_id: '447700900123' }],
                ),
                metadata: { display_phone_number: '447700900000', phone_number_id: '998877' },
              },
            },
          ],
        },
      ],
    };
    const { events, statuses } = outcomeOf(body);
    expect(statuses).toEqual([]);
    expect(events.map((e) => e.draft.content.type)).toEqual(['text', 'media', 'reaction', 'location']);
    expect(events.map((e) => e.draft.metadata?.raw)).toEqual([
      message('wa-text.json'),
      message('wa-image.json'),
      message('wa-reaction.json'),
      { ...message('wa-location.json'), from: '447700900123', id: 'wamid.second-entry' },
    ]);
    expect(events[3]?.draft).toMatchObject({
      from: '447700900123',
      name: 'Ana Lima',
      providerMessageId: 'wamid.second-entry',
      metadata: { businessAccountId: '102290129340399', phoneNumberId: '998877', displayPhoneNumber: '447700900000' },
    });
    expect(events[2]?.draft.name).toBe('Sheena Nelson');
  });

  test('a sent status is a delivery update and no message', () => {
    const { events, statuses } = outcomeOf(fixture('wa-status-sent.json'));
    expect(events).toEqual([]);
    const body = JSON.parse(fixture('wa-status-sent.json').toString('utf8'));
    expect(statuses).toEqual([
      {
        channel: 'whatsapp',
        providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        status: 'sent',
        timestamp: 1750030073000,
        recipient: '16505551234',
        raw: body.entry[0].changes[0].value.statuses[0],
      },
    ]);
  });

  test('a failed status carries the first error: code, title and error_data.details', () => {
    const { events, statuses } = outcomeOf(fixture('wa-status-failed.json'));
    expect(events).toEqual([]);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({
      providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
      status: 'failed',
      timestamp: 1751142888000,
      recipient: '16505551234',
      error: {
        code: '131049',
        title: 'This message was not delivered to maintain healthy ecosystem engagement.',
        detail: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
      },
    });
  });

  test('delivered, read and played statuses in one change; unknown status values are skipped', () => {
    const body = JSON.parse(fixture('wa-status-sent.json').toString('utf8'));
    const base = { recipient_id: '16505551234', timestamp: '1750030100' };
    body.entry[0].changes[0].value.statuses = [
      { ...base, id: 'wamid.a', status: 'delivered' },
      { ...base, id: 'wamid.b', status: 'read' },
      { ...base, id: 'wamid.c', status: 'played' },
      { ...base, id: 'wamid.d', status: 'something_new' },
    ];
    const { events, statuses } = outcomeOf(body);
    expect(events).toEqual([]);
    expect(statuses.map((s) => [s.providerMessageId, s.status])).toEqual([
      ['wamid.a', 'delivered'],
      ['wamid.b', 'read'],
      ['wamid.c', 'read'],
    ]);
  });

  test('an account_update delivery yields nothing and is not an error', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          time: 1739321024,
          changes: [{ field: 'account_update', value: { phone_number: '15550783881', event: 'VERIFIED_ACCOUNT' } }],
        },
      ],
    };
    expect(outcomeOf(body)).toEqual({ kind: 'events', events: [], statuses: [] });
  });
});

describe('WhatsApp adapter: signature', () => {
  const body = fixture('wa-text.json');

  test('a missing signature is refused', () => {
    expectRefused(() => adapter.handle(post(body, { 'content-type': 'application/json' })), 'INVALID_SIGNATURE');
  });

  test.each([
    ['no algorithm prefix', () => sign(body).slice('sha256='.length)],
    ['sha1 instead of sha256', () => sign(body).replace('sha256=', 'sha1=')],
    ['truncated digest', () => sign(body).slice(0, -2)],
    ['not hex', () => `sha256=${'z'.repeat(64)}`],
    ['empty', () => ''],
  ])('a malformed signature is refused (%s)', (_, header) => {
    expectRefused(() => adapter.handle(post(body, { 'x-hub-signature-256': header() })), 'INVALID_SIGNATURE');
  });

  test('a signature made with another secret is refused', () => {
    const header = sign(body, 'someone-elses-secret');
    expectRefused(() => adapter.handle(post(body, { 'x-hub-signature-256': header })), 'INVALID_SIGNATURE');
  });

  test('a signature of another body is refused', () => {
    const header = sign(fixture('wa-image.json'));
    expectRefused(() => adapter.handle(post(body, { 'x-hub-signature-256': header })), 'INVALID_SIGNATURE');
  });

  test('the digest is compared case-insensitively, as hex', () => {
    const header = `sha256=${sign(body).slice('sha256='.length).toUpperCase()}`;
    expect(adapter.handle(post(body, { 'x-hub-signature-256': header })).kind).toBe('events');
  });

  test('the signature covers the raw bytes: the same JSON re-serialized does not verify', () => {
    // Meta serializes with unicode escaped (\u00e4…); what it signed are those bytes, not the parsed value.
    const escaped = Buffer.from(
      body.toString('utf8').replace('Does it come in another color?', 'K\\u00e4se? \\ud83e\\uddc0 \\u00f6\\u00e5'),
    );
    const header = sign(escaped);
    const accepted = adapter.handle(post(escaped, { 'x-hub-signature-256': header }));
    expect(accepted.kind === 'events' && accepted.events[0]?.draft.content).toEqual({
      type: 'text',
      text: 'Käse? 🧀 öå',
    });
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(escaped.toString('utf8'))));
    expect(reserialized.equals(escaped)).toBe(false);
    expectRefused(() => adapter.handle(post(reserialized, { 'x-hub-signature-256': header })), 'INVALID_SIGNATURE');
    const reindented = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 4));
    expectRefused(() => adapter.handle(post(reindented, { 'x-hub-signature-256': sign(body) })), 'INVALID_SIGNATURE');
  });
});

describe('WhatsApp adapter: malformed bodies', () => {
  test('malformed JSON (correctly signed) is INVALID_JSON', () => {
    expectRefused(() => adapter.handle(post('{"object": "whatsapp_business_account", "entry": [')), 'INVALID_JSON');
  });

  const mutate = (change: (body: { entry: [{ changes: [{ value: { messages: JsonObject[] } }] }] }) => void) => {
    const body = JSON.parse(fixture('wa-image.json').toString('utf8'));
    change(body);
    return body;
  };
  const MESSAGE = 'entry.0.changes.0.value.messages.0';

  test.each([
    ['id', `${MESSAGE}.id`],
    ['from', `${MESSAGE}.from`],
    ['type', `${MESSAGE}.type`],
  ])('a message without %s is VALIDATION_FAILED naming %s', (field, where) => {
    const body = mutate((b) => delete b.entry[0].changes[0].value.messages[0]?.[field]);
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', where);
  });

  test('an image without its media id is VALIDATION_FAILED naming the path', () => {
    const body = mutate((b) => {
      const image = b.entry[0].changes[0].value.messages[0]?.image as JsonObject;
      delete image.id;
    });
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', `${MESSAGE}.image.id`);
  });

  test('a text message without a body is VALIDATION_FAILED', () => {
    const body = JSON.parse(fixture('wa-text.json').toString('utf8'));
    body.entry[0].changes[0].value.messages[0].text = {};
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', `${MESSAGE}.text.body`);
  });

  test('a timestamp that is not unix seconds is VALIDATION_FAILED', () => {
    const body = mutate((b) => {
      (b.entry[0].changes[0].value.messages[0] as JsonObject).timestamp = 'yesterday';
    });
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', `${MESSAGE}.timestamp`);
  });

  test('entry that is not an array is VALIDATION_FAILED', () => {
    expectRefused(
      () => outcomeOf({ object: 'whatsapp_business_account', entry: { id: '1' } }),
      'VALIDATION_FAILED',
      'entry',
    );
  });

  test('a messages change without metadata is VALIDATION_FAILED', () => {
    const body = JSON.parse(fixture('wa-text.json').toString('utf8'));
    delete body.entry[0].changes[0].value.metadata;
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', 'entry.0.changes.0.value.metadata');
  });

  test('a status without id is VALIDATION_FAILED', () => {
    const body = JSON.parse(fixture('wa-status-sent.json').toString('utf8'));
    delete body.entry[0].changes[0].value.statuses[0].id;
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', 'entry.0.changes.0.value.statuses.0.id');
  });

  test.each(['page', 'instagram', undefined])('object %s is VALIDATION_FAILED', (object) => {
    const body = JSON.parse(fixture('wa-text.json').toString('utf8'));
    body.object = object;
    expectRefused(() => outcomeOf(body), 'VALIDATION_FAILED', 'object');
  });

  test('a body that is not an object is VALIDATION_FAILED', () => {
    expectRefused(() => outcomeOf('[1,2,3]'), 'VALIDATION_FAILED');
  });
});

describe('WhatsApp adapter: subscription verification (GET)', () => {
  const get = (query: string): WebhookRequest => ({
    method: 'GET',
    publicUrl: `https://cx.example.com/webhooks/whatsapp?${query}`,
    path: '/webhooks/whatsapp',
    query: new URLSearchParams(query),
    headers: {},
    rawBody: Buffer.alloc(0),
  });

  test('the right token gets the challenge back as text/plain', () => {
    const outcome = adapter.handle(get(`hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY_TOKEN}`));
    expect(outcome).toEqual({ kind: 'respond', status: 200, contentType: 'text/plain', body: '1158201444' });
  });

  test.each([
    ['a wrong token', 'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess'],
    ['no token', 'hub.mode=subscribe&hub.challenge=1158201444'],
    ['another mode', `hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY_TOKEN}`],
    ['no parameters at all', ''],
  ])('%s is INVALID_SIGNATURE', (_, query) => {
    expectRefused(() => adapter.handle(get(query)), 'INVALID_SIGNATURE');
  });
});
