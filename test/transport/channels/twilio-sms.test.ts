// The Twilio Messaging adapter over Twilio's wire format: SMS, MMS and WhatsApp messages, status callbacks, the
// signature check and malformed bodies, and a property over generated messages.
import fc from 'fast-check';
import { OmniError } from '../../../src/domain/index.js';
import { createTwilioSmsAdapter, EMPTY_TWIML } from '../../../src/transport/channels/twilio-sms.js';
import type { InboundEvent, WebhookOutcome } from '../../../src/transport/channels/webhook-adapter.js';
import {
  AUTH_TOKEN,
  formBody,
  MMS_THREE_MEDIA,
  percentFormBody,
  SMS_TEXT,
  SMS_URL,
  STATUS_DELIVERED,
  STATUS_QUEUED,
  STATUS_UNDELIVERED,
  STATUS_WHATSAPP_READ,
  twilioRequest,
  VOICE_URL,
  WHATSAPP_BUTTON,
  WHATSAPP_BUTTON_IDEMPOTENCY_TOKEN,
  WHATSAPP_IMAGE,
  WHATSAPP_LOCATION,
  WHATSAPP_TEXT,
} from '../../fixtures/twilio/requests.js';

const NOW = 1_710_000_000_000;
const adapter = createTwilioSmsAdapter({ authToken: AUTH_TOKEN, now: () => NOW });

function handle(body: string, headers?: Record<string, string>): Extract<WebhookOutcome, { kind: 'events' }> {
  const outcome = adapter.handle(twilioRequest({ url: SMS_URL, body, ...(headers ? { headers } : {}) }));
  if (outcome.kind !== 'events') throw new Error(`unexpected outcome ${outcome.kind}`);
  return outcome;
}

function only(events: InboundEvent[]): InboundEvent {
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
}

function rawOf(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof OmniError) return error.code;
    throw error;
  }
  return undefined;
}

describe('Twilio SMS / WhatsApp adapter', () => {
  test('declares its route', () => {
    expect(adapter.name).toBe('twilio-sms');
    expect(adapter.path).toBe('/webhooks/twilio/sms');
    expect(adapter.methods).toEqual(['POST']);
    expect(adapter.contentTypes).toEqual(['application/x-www-form-urlencoded']);
    expect(() => createTwilioSmsAdapter({ authToken: '' })).toThrow();
  });

  test('an SMS becomes a text draft with the geographic lookups in metadata', () => {
    const outcome = handle(SMS_TEXT);
    expect(outcome.statuses).toEqual([]);
    expect(outcome.response).toEqual({ contentType: 'text/xml', body: EMPTY_TWIML });
    const { draft, media } = only(outcome.events);
    expect(media).toBeUndefined();
    expect(draft).toEqual({
      channel: 'sms',
      from: '+15555550123',
      content: { type: 'text', text: 'This is \n\nA test \n\nTo see' },
      providerMessageId: 'SM6e0070f7f27433fd07982cbf770d4834',
      metadata: {
        provider: 'twilio',
        accountSid: 'AC30eea2e61a63d9a79888bb17f6a1f0ce',
        to: '+15555550100',
        fromCity: 'NEW BRUNSWICK',
        fromState: 'NJ',
        fromCountry: 'US',
        fromZip: '08817',
        raw: rawOf(SMS_TEXT),
      },
    });
    // Twilio's inbound webhook has no send time: none is invented.
    expect(draft.timestamp).toBeUndefined();
  });

  test('a WhatsApp message is channel whatsapp, from the number without the prefix, named by ProfileName', () => {
    const { draft } = only(handle(WHATSAPP_TEXT).events);
    expect(draft.channel).toBe('whatsapp');
    expect(draft.from).toBe('+5582999990000');
    expect(draft.name).toBe('João');
    expect(draft.content).toEqual({ type: 'text', text: 'Olá 👋' });
    expect(draft.providerMessageId).toBe('SM01cd3925943ee3504f8a5c42d88efdf6');
    expect(draft.metadata).toMatchObject({ provider: 'twilio', waId: '5582999990000', to: '+14155238886' });
    expect(draft.metadata?.['raw']).toEqual(rawOf(WHATSAPP_TEXT));
  });

  test('a WhatsApp image: media draft with the Body as caption, fetched later from MediaUrl0', () => {
    const { draft, media } = only(handle(WHATSAPP_IMAGE).events);
    expect(draft.content).toEqual({ type: 'media', mediaKind: 'image', caption: 'Hu' });
    expect(draft.providerMessageId).toBe('MM34b3ee6de346ba069213c6be8404190e');
    expect(media).toEqual({
      url:
        'https://api.twilio.com/2010-04-01/Accounts/ACcac64a7fd3d8c588ae857886acb0e122/Messages/' +
        'MM34b3ee6de346ba069213c6be8404190e/Media/MEdcfc34442a7cdc21a926d06fbfc94b02',
      mimeType: 'image/jpeg',
    });
    expect(draft.metadata).toMatchObject({ mediaIndex: 0, mediaCount: 1, messageSid: draft.providerMessageId });
  });

  test('an MMS with three attachments is three drafts; the first carries the text, the others sid:i', () => {
    const events = handle(MMS_THREE_MEDIA).events;
    const sid = 'MM0123456789abcdef0123456789abcdef';
    expect(events.map((e) => e.draft.providerMessageId)).toEqual([sid, `${sid}:1`, `${sid}:2`]);
    expect(events.map((e) => e.draft.content)).toEqual([
      { type: 'media', mediaKind: 'image', caption: 'Receipt & photos <attached>' },
      { type: 'media', mediaKind: 'video' },
      { type: 'media', mediaKind: 'document' },
    ]);
    expect(events.map((e) => e.media?.mimeType)).toEqual(['image/png', 'video/mp4', 'application/pdf']);
    expect(events.map((e) => e.media?.url?.slice(-34))).toEqual([
      'ME00000000000000000000000000000000',
      'ME11111111111111111111111111111111',
      'ME22222222222222222222222222222222',
    ]);
    for (const [i, event] of events.entries()) {
      expect(event.draft.channel).toBe('sms');
      expect(event.draft.from).toBe('+15555550123');
      expect(event.draft.metadata).toMatchObject({ messageSid: sid, mediaIndex: i, mediaCount: 3 });
      expect(event.draft.metadata?.['raw']).toEqual(rawOf(MMS_THREE_MEDIA));
    }
  });

  test('a WhatsApp location becomes a location draft with the label and address', () => {
    const { draft } = only(handle(WHATSAPP_LOCATION).events);
    expect(draft.content).toEqual({
      type: 'location',
      latitude: 37.7879277,
      longitude: -122.4075133,
      name: 'Twilio HQ',
      address: '375 Beale St, San Francisco, CA 94105',
    });
    expect(draft.name).toBe('Ana');
    expect(draft.metadata).toMatchObject({ messageType: 'location' });
  });

  test('a WhatsApp quick-reply button becomes an interactive reply (payload as id, text as title)', () => {
    const outcome = handle(WHATSAPP_BUTTON, { 'i-twilio-idempotency-token': WHATSAPP_BUTTON_IDEMPOTENCY_TOKEN });
    const { draft } = only(outcome.events);
    expect(draft.content).toEqual({ type: 'interactive', replyId: 'REJECTED', title: 'VOICE_CALL_REQUEST' });
    expect(draft.from).toBe('+5524987654321');
    expect(draft.name).toBe('XXXX Caller BR-2');
    expect(draft.providerMessageId).toBe('SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  });

  test('a message with nothing displayable is kept as unsupported, not dropped', () => {
    const body = formBody([
      ['MessageSid', 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
      ['From', 'whatsapp:+15555550123'],
      ['To', 'whatsapp:+14155238886'],
      ['MessageType', 'unsupported'],
      ['NumMedia', '0'],
      ['Body', ''],
    ]);
    const { draft } = only(handle(body).events);
    expect(draft.content).toEqual({ type: 'unsupported', providerType: 'unsupported', raw: rawOf(body) });
  });

  test('SmsSid stands in for MessageSid on old-style requests', () => {
    const body = formBody([
      ['SmsSid', 'SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
      ['From', '+15555550123'],
      ['To', '+15555550100'],
      ['Body', 'hello'],
    ]);
    expect(only(handle(body).events).draft.providerMessageId).toBe('SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
  });

  describe('status callbacks', () => {
    test('delivered', () => {
      const outcome = handle(STATUS_DELIVERED);
      expect(outcome.events).toEqual([]);
      expect(outcome.response).toEqual({ contentType: 'text/xml', body: EMPTY_TWIML });
      expect(outcome.statuses).toEqual([
        {
          channel: 'sms',
          providerMessageId: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
          status: 'delivered',
          timestamp: NOW,
          recipient: '+15555550123',
          raw: rawOf(STATUS_DELIVERED),
        },
      ]);
    });

    test('undelivered is failed, with the ErrorCode', () => {
      const [status] = handle(STATUS_UNDELIVERED).statuses;
      expect(status).toMatchObject({ status: 'failed', error: { code: '30003', title: 'undelivered' } });
    });

    test('a WhatsApp read receipt', () => {
      const [status] = handle(STATUS_WHATSAPP_READ).statuses;
      expect(status).toMatchObject({
        channel: 'whatsapp',
        providerMessageId: 'SM5a8d4b1e2c3f4a5b6c7d8e9f0a1b2c3d',
        status: 'read',
        recipient: '+5582999990000',
      });
      expect(status?.error).toBeUndefined();
    });

    test('failed with an error message keeps it as the title', () => {
      const body = STATUS_UNDELIVERED.replace(/undelivered/g, 'failed') + '&ErrorMessage=Unknown+destination';
      expect(handle(body).statuses[0]?.error).toEqual({ code: '30003', title: 'Unknown destination' });
    });

    test.each(['queued', 'sending', 'accepted', 'scheduled'])('%s is acknowledged but reported as nothing', (s) => {
      const outcome = handle(STATUS_QUEUED.replace(/queued/g, s));
      expect(outcome.events).toEqual([]);
      expect(outcome.statuses).toEqual([]);
    });

    test('a status callback without MessageSid is VALIDATION_FAILED', () => {
      const body = formBody([
        ['MessageStatus', 'delivered'],
        ['To', '+15555550123'],
      ]);
      expect(errorCode(() => handle(body))).toBe('VALIDATION_FAILED');
    });
  });

  describe('refused requests', () => {
    test('missing or wrong signature is INVALID_SIGNATURE', () => {
      expect(errorCode(() => adapter.handle(twilioRequest({ url: SMS_URL, body: SMS_TEXT, signature: null })))).toBe(
        'INVALID_SIGNATURE',
      );
      expect(
        errorCode(() => adapter.handle(twilioRequest({ url: SMS_URL, body: SMS_TEXT, authToken: 'other-token' }))),
      ).toBe('INVALID_SIGNATURE');
    });

    test('a request signed for another public URL is INVALID_SIGNATURE', () => {
      const replayed = twilioRequest({ url: SMS_URL, body: SMS_TEXT, signedUrl: VOICE_URL });
      expect(errorCode(() => adapter.handle(replayed))).toBe('INVALID_SIGNATURE');
    });

    test.each([
      [
        'no MessageSid',
        [
          ['From', '+15555550123'],
          ['Body', 'hi'],
        ],
      ],
      [
        'no From',
        [
          ['MessageSid', 'SM1'],
          ['Body', 'hi'],
        ],
      ],
      [
        'an empty From',
        [
          ['MessageSid', 'SM1'],
          ['From', ''],
          ['Body', 'hi'],
        ],
      ],
      [
        'a bare whatsapp: prefix',
        [
          ['MessageSid', 'SM1'],
          ['From', 'whatsapp:'],
          ['Body', 'hi'],
        ],
      ],
      [
        'a NumMedia that is not a count',
        [
          ['MessageSid', 'SM1'],
          ['From', '+1555'],
          ['NumMedia', 'two'],
        ],
      ],
      [
        'fewer MediaUrls than NumMedia',
        [
          ['MessageSid', 'SM1'],
          ['From', '+1555'],
          ['NumMedia', '2'],
          ['MediaUrl0', 'https://x'],
        ],
      ],
      [
        'a Latitude that is not a number',
        [
          ['MessageSid', 'SM1'],
          ['From', '+1555'],
          ['Latitude', 'north'],
          ['Longitude', '1'],
        ],
      ],
      [
        'a Longitude out of range',
        [
          ['MessageSid', 'SM1'],
          ['From', '+1555'],
          ['Latitude', '1'],
          ['Longitude', '181'],
        ],
      ],
    ] as [string, [string, string][]][])('%s is VALIDATION_FAILED', (_case, params) => {
      expect(errorCode(() => handle(formBody(params)))).toBe('VALIDATION_FAILED');
    });
  });

  // ---- Property 1 over generated messages in Twilio's wire format ----

  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
  /** Text as customers type it: any grapheme or code point, plus the characters form-encoding has to escape. */
  const textUnit = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('&', '=', '+', '%', '%20', '?', '#', ' ', '\n', '\r\n', '<', '>', '"', "'", '😀', '👩‍👩‍👧', 'é'),
  );
  const text = (minLength: number) => fc.string({ unit: textUnit, minLength, maxLength: 30 });
  const phone = fc.stringMatching(/^\+[1-9][0-9]{7,13}$/);
  const coordinate = (limit: number) => fc.double({ min: -limit, max: limit, noNaN: true }).map((d) => String(d));
  const mediaItem = fc.record({
    contentType: fc.constantFrom('image/jpeg', 'image/png', 'audio/ogg', 'video/mp4', 'application/pdf', 'text/vcard'),
    id: hex(32),
  });
  const message = fc.record({
    sid: fc.tuple(fc.constantFrom('SM', 'MM'), hex(32)).map(([p, h]) => p + h),
    accountSid: hex(32).map((h) => `AC${h}`),
    whatsapp: fc.boolean(),
    from: phone,
    to: phone,
    body: text(0),
    profileName: fc.option(text(1), { nil: undefined }),
    city: fc.option(text(1), { nil: undefined }),
    media: fc.array(mediaItem, { maxLength: 4 }),
    location: fc.option(fc.tuple(coordinate(90), coordinate(180)), { nil: undefined }),
    percentEncoded: fc.boolean(),
    shuffle: fc.array(fc.nat(), { minLength: 30, maxLength: 30 }),
  });

  test('Feature: omnichannel-cx-platform, Property 1: Message Normalization Completeness (twilio sms)', () => {
    fc.assert(
      fc.property(message, (m) => {
        const prefix = m.whatsapp ? 'whatsapp:' : '';
        const params: [string, string][] = [
          ['MessageSid', m.sid],
          ['SmsMessageSid', m.sid],
          ['SmsSid', m.sid],
          ['AccountSid', m.accountSid],
          ['From', prefix + m.from],
          ['To', prefix + m.to],
          ['Body', m.body],
          ['NumMedia', String(m.media.length)],
          ['SmsStatus', 'received'],
          ['ApiVersion', '2010-04-01'],
        ];
        if (m.whatsapp) params.push(['WaId', m.from.slice(1)]);
        if (m.profileName !== undefined) params.push(['ProfileName', m.profileName]);
        if (m.city !== undefined) params.push(['FromCity', m.city]);
        const mediaUrl = (id: string) =>
          `https://api.twilio.com/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media/ME${id}`;
        m.media.forEach((item, i) => {
          params.push([`MediaUrl${i}`, mediaUrl(item.id)], [`MediaContentType${i}`, item.contentType]);
        });
        const location = m.media.length === 0 ? m.location : undefined;
        if (location) params.push(['Latitude', location[0]], ['Longitude', location[1]]);
        // Twilio's parameter order is not something to rely on: send them in a generated order.
        const ordered = params
          .map((p, i) => ({ p, key: m.shuffle[i] ?? i }))
          .sort((a, b) => a.key - b.key)
          .map(({ p }) => p);
        const body = m.percentEncoded ? percentFormBody(ordered) : formBody(ordered);

        const outcome = handle(body);
        expect(outcome.statuses).toEqual([]);
        expect(outcome.response?.body).toBe(EMPTY_TWIML);
        const raw = Object.fromEntries(params);
        const expectedCount = Math.max(1, m.media.length);
        expect(outcome.events).toHaveLength(expectedCount);
        outcome.events.forEach(({ draft, media }, i) => {
          expect(draft.channel).toBe(m.whatsapp ? 'whatsapp' : 'sms');
          expect(draft.from).toBe(m.from);
          expect(draft.name).toBe(m.profileName === '' ? undefined : m.profileName);
          expect(draft.providerMessageId).toBe(i === 0 ? m.sid : `${m.sid}:${i}`);
          expect(draft.timestamp).toBeUndefined();
          expect(draft.metadata?.['raw']).toEqual(raw);
          expect(draft.metadata?.['accountSid']).toBe(m.accountSid);
          expect(draft.metadata?.['to']).toBe(m.to);
          expect(draft.metadata?.['fromCity']).toBe(m.city);
          if (m.media.length > 0) {
            const item = m.media[i] as { contentType: string; id: string };
            expect(media).toEqual({ url: mediaUrl(item.id), mimeType: item.contentType });
            expect(draft.content).toMatchObject({ type: 'media' });
            const caption = draft.content.type === 'media' ? draft.content.caption : undefined;
            expect(caption).toBe(i === 0 && m.body !== '' ? m.body : undefined);
          } else if (location) {
            expect(draft.content).toEqual({
              type: 'location',
              latitude: Number(location[0]),
              longitude: Number(location[1]),
            });
          } else if (m.body !== '') {
            expect(draft.content).toEqual({ type: 'text', text: m.body });
          } else {
            expect(draft.content).toMatchObject({ type: 'unsupported', raw });
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
