// The Telegram adapter over Bot API updates: Telegram's sample updates and reference-shaped ones for every message
// kind, edits, channel posts, button presses, the secret-token check, malformed bodies, and a property over
// generated updates.
import fc from 'fast-check';
import { OmniError, type JsonObject } from '../../../src/domain/index.js';
import { createTelegramAdapter } from '../../../src/transport/channels/telegram.js';
import type { InboundEvent, WebhookOutcome } from '../../../src/transport/channels/webhook-adapter.js';
import {
  CALLBACK_IN_GROUP,
  CHANNEL_POST,
  CONTACT,
  LOCATION,
  MY_CHAT_MEMBER,
  PHOTO,
  POLL_MESSAGE,
  SAMPLE_AUDIO,
  SAMPLE_CALLBACK_QUERY,
  SAMPLE_CHOSEN_INLINE_RESULT,
  SAMPLE_DOCUMENT,
  SAMPLE_EDITED,
  SAMPLE_ENTITIES,
  SAMPLE_INLINE_QUERY,
  SAMPLE_REPLY,
  SAMPLE_START,
  SAMPLE_VOICE,
  SECRET_TOKEN,
  STICKER,
  telegramRequest,
  VENUE,
  VIDEO,
} from '../../fixtures/telegram/updates.js';

const adapter = createTelegramAdapter({ secretToken: SECRET_TOKEN });

function handle(update: unknown): Extract<WebhookOutcome, { kind: 'events' }> {
  const outcome = adapter.handle(telegramRequest(update));
  if (outcome.kind !== 'events') throw new Error(`unexpected outcome ${outcome.kind}`);
  expect(outcome.statuses).toEqual([]);
  expect(outcome.response).toBeUndefined();
  return outcome;
}

function only(update: unknown): InboundEvent {
  const { events } = handle(update);
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
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

describe('Telegram adapter', () => {
  test('declares its route', () => {
    expect(adapter.name).toBe('telegram');
    expect(adapter.path).toBe('/webhooks/telegram');
    expect(adapter.methods).toEqual(['POST']);
    expect(adapter.contentTypes).toEqual(['application/json']);
    expect(() => createTelegramAdapter({ secretToken: '' })).toThrow();
  });

  test("Telegram's first sample update: a /start text message", () => {
    const { draft, media } = only(SAMPLE_START);
    expect(media).toBeUndefined();
    expect(draft).toEqual({
      channel: 'telegram',
      from: '1111111',
      content: { type: 'text', text: '/start' },
      providerMessageId: '1111111:1365',
      timestamp: 1441645532000,
      name: 'Test Test Lastname',
      metadata: {
        provider: 'telegram',
        updateId: 10000,
        updateType: 'message',
        chatId: 1111111,
        username: 'Test',
        raw: SAMPLE_START.message,
      },
    });
  });

  test('a reply keeps the id of the message replied to', () => {
    const { draft } = only(SAMPLE_REPLY);
    expect(draft.metadata).toMatchObject({
      chatType: 'private',
      replyToMessageId: 1334,
      replyToProviderMessageId: '1111111:1334',
    });
    expect(draft.name).toBe('Test Firstname Test Lastname');
  });

  test('text entities are kept in metadata', () => {
    const { draft } = only(SAMPLE_ENTITIES);
    expect(draft.content).toEqual({ type: 'text', text: 'Bold and italics' });
    expect(draft.metadata?.['entities']).toEqual(SAMPLE_ENTITIES.message.entities);
  });

  test('an edited message is a new version, linked to the original', () => {
    const { draft } = only(SAMPLE_EDITED);
    expect(draft.content).toEqual({ type: 'text', text: 'Edited text' });
    expect(draft.providerMessageId).toBe('1111111:1365:edited:1441646600');
    expect(draft.timestamp).toBe(1441646600000);
    expect(draft.metadata).toMatchObject({
      updateType: 'edited_message',
      editedProviderMessageId: '1111111:1365',
      raw: SAMPLE_EDITED.edited_message,
    });
  });

  test('an edited message without edit_date is VALIDATION_FAILED', () => {
    const { edit_date: _drop, ...withoutDate } = SAMPLE_EDITED.edited_message;
    expect(errorCode(() => handle({ update_id: 1, edited_message: withoutDate }))).toBe('VALIDATION_FAILED');
  });

  test('audio and voice are audio media fetched by file_id', () => {
    const audio = only(SAMPLE_AUDIO);
    expect(audio.draft.content).toEqual({
      type: 'media',
      mediaKind: 'audio',
      providerMediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX',
    });
    expect(audio.media).toEqual({ providerMediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX', mimeType: 'audio/mpeg' });
    const voice = only(SAMPLE_VOICE);
    expect(voice.draft.content).toMatchObject({ type: 'media', mediaKind: 'audio' });
    expect(voice.media).toEqual({ providerMediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX', mimeType: 'audio/ogg' });
  });

  test('a document keeps its file name and type', () => {
    const { draft, media } = only(SAMPLE_DOCUMENT);
    expect(draft.content).toEqual({
      type: 'media',
      mediaKind: 'document',
      providerMediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX',
    });
    expect(media).toEqual({
      providerMediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX',
      fileName: 'Testfile.pdf',
      mimeType: 'application/pdf',
    });
  });

  test('a photo uses the largest size, with its caption; caption entities are kept', () => {
    const { draft, media } = only(PHOTO);
    expect(draft.content).toEqual({
      type: 'media',
      mediaKind: 'image',
      providerMediaId: 'AgACAgQAAxkBAAM0-large',
      caption: 'Damaged on arrival 📦 #order-77',
    });
    expect(media).toEqual({ providerMediaId: 'AgACAgQAAxkBAAM0-large' });
    expect(draft.name).toBe('Zoë Müller');
    expect(draft.metadata).toMatchObject({
      chatType: 'private',
      username: 'zoe_m',
      languageCode: 'de',
      captionEntities: PHOTO.message.caption_entities,
    });
  });

  test('video and sticker', () => {
    expect(only(VIDEO).media).toEqual({
      providerMediaId: 'BAACAgQAAxkBAAM1',
      fileName: 'unboxing.mp4',
      mimeType: 'video/mp4',
    });
    expect(only(VIDEO).draft.content).toMatchObject({ mediaKind: 'video' });
    const sticker = only(STICKER);
    expect(sticker.draft.content).toEqual({ type: 'media', mediaKind: 'sticker', providerMediaId: 'CAACAgIAAxkBAAM2' });
    expect(sticker.media).toEqual({ providerMediaId: 'CAACAgIAAxkBAAM2', mimeType: 'image/webp' });
  });

  test('location, venue and contact', () => {
    expect(only(LOCATION).draft.content).toEqual({ type: 'location', latitude: 52.520008, longitude: 13.404954 });
    expect(only(VENUE).draft.content).toEqual({
      type: 'location',
      latitude: 52.516275,
      longitude: 13.377704,
      name: 'Brandenburger Tor',
      address: 'Pariser Platz, 10117 Berlin',
    });
    expect(only(CONTACT).draft.content).toEqual({ type: 'contacts', contacts: [CONTACT.message.contact] });
  });

  test('anything else is unsupported, with the whole message', () => {
    expect(only(POLL_MESSAGE).draft.content).toEqual({
      type: 'unsupported',
      providerType: 'poll',
      raw: POLL_MESSAGE.message,
    });
  });

  test('a channel post comes from the channel', () => {
    const { draft } = only(CHANNEL_POST);
    expect(draft.from).toBe('-1001234567890');
    expect(draft.name).toBe('Acme Announcements');
    expect(draft.providerMessageId).toBe('-1001234567890:9');
    expect(draft.metadata).toMatchObject({ updateType: 'channel_post', chatType: 'channel', username: 'acme_news' });
  });

  test('a message an anonymous group admin sends on behalf of the group comes from the group', () => {
    const update = {
      update_id: 721000011,
      message: {
        message_id: 77,
        // Telegram's placeholder user for everyone posting on behalf of a chat.
        from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
        sender_chat: { id: -1009876543210, title: 'Acme Support', type: 'supergroup' },
        chat: { id: -1009876543210, title: 'Acme Support', type: 'supergroup' },
        date: 1700000600,
        text: 'Pinned: opening hours',
      },
    };
    const { draft } = only(update);
    expect(draft.from).toBe('-1009876543210');
    expect(draft.name).toBe('Acme Support');
    expect(draft.metadata?.['raw']).toEqual(update.message);
  });

  test("Telegram's sample callback query becomes an interactive reply", () => {
    const { draft } = only(SAMPLE_CALLBACK_QUERY);
    expect(draft).toEqual({
      channel: 'telegram',
      from: '1111111',
      content: { type: 'interactive', replyId: 'Data from button callback', title: 'Data from button callback' },
      providerMessageId: 'callback:4382bfdwdsb323b2d9',
      name: 'Test Firstname Test Lastname',
      metadata: {
        provider: 'telegram',
        updateId: 10000,
        updateType: 'callback_query',
        callbackQueryId: '4382bfdwdsb323b2d9',
        inlineMessageId: '1234csdbsk4839',
        username: 'Testusername',
        raw: SAMPLE_CALLBACK_QUERY.callback_query,
      },
    });
  });

  test('a button press in a group names the message it was on', () => {
    const { draft } = only(CALLBACK_IN_GROUP);
    expect(draft.from).toBe('123456789');
    expect(draft.content).toEqual({ type: 'interactive', replyId: 'csat:yes', title: 'csat:yes' });
    expect(draft.metadata).toMatchObject({
      chatId: -1009876543210,
      chatType: 'supergroup',
      messageProviderMessageId: '-1009876543210:4242',
      chatInstance: '-8923749283749283',
    });
  });

  test.each([
    ['inline_query', SAMPLE_INLINE_QUERY],
    ['chosen_inline_result', SAMPLE_CHOSEN_INLINE_RESULT],
    ['my_chat_member', MY_CHAT_MEMBER],
    ['an update with nothing else', { update_id: 5 }],
  ])('%s: no events, not an error', (_kind, update) => {
    expect(handle(update).events).toEqual([]);
  });

  describe('refused requests', () => {
    test('a missing or wrong secret token is INVALID_SIGNATURE', () => {
      expect(errorCode(() => adapter.handle(telegramRequest(SAMPLE_START, null)))).toBe('INVALID_SIGNATURE');
      expect(errorCode(() => adapter.handle(telegramRequest(SAMPLE_START, '')))).toBe('INVALID_SIGNATURE');
      expect(errorCode(() => adapter.handle(telegramRequest(SAMPLE_START, `${SECRET_TOKEN}x`)))).toBe(
        'INVALID_SIGNATURE',
      );
      expect(errorCode(() => adapter.handle(telegramRequest(SAMPLE_START, SECRET_TOKEN.slice(0, -1))))).toBe(
        'INVALID_SIGNATURE',
      );
    });

    test('the token is checked before the body is read', () => {
      expect(errorCode(() => adapter.handle(telegramRequest('{not json', 'wrong')))).toBe('INVALID_SIGNATURE');
    });

    test('a body that is not JSON is INVALID_JSON', () => {
      expect(errorCode(() => handle('{"update_id": 1,'))).toBe('INVALID_JSON');
      expect(errorCode(() => handle(''))).toBe('INVALID_JSON');
    });

    test.each([
      ['not an object', '[1, 2]'],
      ['a string', '"update"'],
      ['no update_id', { message: SAMPLE_START.message }],
      ['a non-integer update_id', { update_id: '10000', message: SAMPLE_START.message }],
      ['a message without chat', { update_id: 1, message: { message_id: 1, date: 1, text: 'x' } }],
      ['a message without message_id', { update_id: 1, message: { chat: { id: 1 }, date: 1, text: 'x' } }],
      ['an empty photo list', { update_id: 1, message: { ...SAMPLE_START.message, text: undefined, photo: [] } }],
      ['a callback query without from', { update_id: 1, callback_query: { id: 'q', data: 'd' } }],
    ])('%s is VALIDATION_FAILED', (_case, body) => {
      expect(errorCode(() => handle(body))).toBe('VALIDATION_FAILED');
    });
  });

  // ---- Property 1 over generated updates ----

  const textUnit = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('"', '\\', '\n', '\u2028', '<', '&', '😀', '👩‍👩‍👧', 'é', '\u0000'),
  );
  const text = fc.string({ unit: textUnit, minLength: 1, maxLength: 40 });
  const id = fc.integer({ min: 1, max: 2 ** 40 });
  const chatId = fc.oneof(id, fc.integer({ min: -(2 ** 50), max: -1 }));
  const fileId = fc.stringMatching(/^[A-Za-z0-9_-]{10,40}$/);
  const user = fc.record(
    {
      id,
      is_bot: fc.constant(false),
      first_name: text,
      last_name: text,
      username: fc.stringMatching(/^[a-z][a-z0-9_]{4,20}$/),
      language_code: fc.constantFrom('en', 'de', 'pt-br', 'uk'),
    },
    { requiredKeys: ['id', 'is_bot', 'first_name'] },
  );
  const coordinate = (limit: number) => fc.double({ min: -limit, max: limit, noNaN: true });
  const content = fc.oneof(
    fc.record({ text }),
    fc.record(
      {
        photo: fc.array(
          fc.record({ file_id: fileId, file_unique_id: fileId, width: fc.nat(4000), height: fc.nat(4000) }),
          { minLength: 1, maxLength: 4 },
        ),
        caption: text,
      },
      { requiredKeys: ['photo'] },
    ),
    fc.record(
      {
        document: fc.record({
          file_id: fileId,
          file_name: text,
          mime_type: fc.constantFrom('application/pdf', 'text/csv'),
        }),
        caption: text,
      },
      { requiredKeys: ['document'] },
    ),
    fc.record({ voice: fc.record({ file_id: fileId, duration: fc.nat(600), mime_type: fc.constant('audio/ogg') }) }),
    fc.record({ location: fc.record({ latitude: coordinate(90), longitude: coordinate(180) }) }),
    fc.record({ contact: fc.record({ phone_number: fc.stringMatching(/^\+?[0-9]{6,15}$/), first_name: text }) }),
  );
  const update = fc.record({
    update_id: fc.nat(2 ** 31 - 1),
    kind: fc.constantFrom('message', 'edited_message', 'channel_post', 'callback_query'),
    message_id: id,
    chat: fc.record({ id: chatId, type: fc.constantFrom('private', 'group', 'supergroup', 'channel'), title: text }),
    from: user,
    date: fc.nat(2 ** 31 - 1),
    editDelay: fc.nat(86_400),
    content,
    reply: fc.option(id, { nil: undefined }),
    callback: fc.record({ id: fc.stringMatching(/^[0-9]{10,19}$/), data: text }),
  });

  test('Feature: omnichannel-cx-platform, Property 1: Message Normalization Completeness (telegram)', () => {
    fc.assert(
      fc.property(update, (u) => {
        const sender = u.kind === 'channel_post' ? undefined : u.from;
        const expectedName = (person: { first_name: string; last_name?: string; username?: string }) =>
          `${person.first_name} ${person.last_name ?? ''}`.trim() || person.username;

        if (u.kind === 'callback_query') {
          const query = { id: u.callback.id, from: u.from, chat_instance: '-1', data: u.callback.data };
          const body = { update_id: u.update_id, callback_query: query };
          const { draft } = only(JSON.parse(JSON.stringify(body)));
          expect(draft.from).toBe(String(u.from.id));
          expect(draft.content).toEqual({ type: 'interactive', replyId: u.callback.data, title: u.callback.data });
          expect(draft.providerMessageId).toBe(`callback:${u.callback.id}`);
          expect(draft.name).toBe(expectedName(u.from));
          expect(draft.metadata?.['updateId']).toBe(u.update_id);
          expect(draft.metadata?.['raw']).toEqual(query);
          return;
        }

        const editDate = u.date + u.editDelay;
        const message: JsonObject = {
          message_id: u.message_id,
          ...(sender === undefined ? {} : { from: sender }),
          chat: u.chat,
          date: u.date,
          ...(u.kind === 'edited_message' ? { edit_date: editDate } : {}),
          ...(u.reply === undefined ? {} : { reply_to_message: { message_id: u.reply, chat: u.chat, date: u.date } }),
          ...u.content,
        };
        // Through real JSON, as Telegram sends it: escapes for quotes, control characters and U+2028 included.
        // What arrives is what the draft must keep (JSON itself turns -0 into 0, for example).
        const wire = JSON.parse(JSON.stringify({ update_id: u.update_id, [u.kind]: message })) as Record<
          string,
          JsonObject
        >;
        const sent = wire[u.kind] as JsonObject;
        const { draft, media } = only(wire);

        expect(draft.channel).toBe('telegram');
        expect(draft.from).toBe(String(sender?.id ?? u.chat.id));
        expect(draft.name).toBe(sender === undefined ? u.chat.title : expectedName(sender));
        const original = `${u.chat.id}:${u.message_id}`;
        if (u.kind === 'edited_message') {
          expect(draft.providerMessageId).toBe(`${original}:edited:${editDate}`);
          expect(draft.timestamp).toBe(editDate * 1000);
          expect(draft.metadata?.['editedProviderMessageId']).toBe(original);
        } else {
          expect(draft.providerMessageId).toBe(original);
          expect(draft.timestamp).toBe(u.date * 1000);
        }
        expect(draft.metadata).toMatchObject({
          provider: 'telegram',
          updateId: u.update_id,
          chatId: u.chat.id,
          chatType: u.chat.type,
        });
        expect(draft.metadata?.['replyToMessageId']).toBe(u.reply);
        expect(draft.metadata?.['raw']).toEqual(sent);

        const c = u.content;
        const caption = 'caption' in c && c.caption !== undefined ? { caption: c.caption } : {};
        if ('text' in c) expect(draft.content).toEqual({ type: 'text', text: c.text });
        if ('photo' in c) {
          const largest = c.photo.reduce((best, p) => (p.width * p.height > best.width * best.height ? p : best));
          expect(draft.content).toEqual({
            type: 'media',
            mediaKind: 'image',
            providerMediaId: largest.file_id,
            ...caption,
          });
          expect(media).toEqual({ providerMediaId: largest.file_id });
        }
        if ('document' in c) {
          expect(draft.content).toEqual({
            type: 'media',
            mediaKind: 'document',
            providerMediaId: c.document.file_id,
            ...caption,
          });
          expect(media).toEqual({
            providerMediaId: c.document.file_id,
            fileName: c.document.file_name,
            mimeType: c.document.mime_type,
          });
        }
        if ('voice' in c) {
          expect(draft.content).toEqual({ type: 'media', mediaKind: 'audio', providerMediaId: c.voice.file_id });
          expect(media).toEqual({ providerMediaId: c.voice.file_id, mimeType: 'audio/ogg' });
        }
        if ('location' in c) {
          const location = sent['location'] as { latitude: number; longitude: number };
          expect(draft.content).toEqual({
            type: 'location',
            latitude: location.latitude,
            longitude: location.longitude,
          });
        }
        if ('contact' in c) expect(draft.content).toEqual({ type: 'contacts', contacts: [sent['contact']] });
      }),
      { numRuns: 200 },
    );
  });
});
