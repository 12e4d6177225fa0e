// The Messenger adapter against the Messenger Platform's documented webhook events (developers.facebook.com/
// documentation/business-messaging/messenger-platform/webhooks/webhook-events/*), placeholders filled with concrete
// ids, each wrapped in the `page` envelope and signed as Meta signs it; plus every way a request can be refused.
import { createHmac } from 'node:crypto';
import { OmniError, type ErrorCode, type JsonObject } from '../../../src/domain/index.js';
import { createMessengerAdapter } from '../../../src/transport/channels/messenger.js';
import type { InboundEvent, WebhookOutcome, WebhookRequest } from '../../../src/transport/channels/webhook-adapter.js';

const APP_SECRET = 'messenger-app-secret-for-tests';
const VERIFY_TOKEN = 'messenger-verify-token';
const adapter = createMessengerAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });

const PAGE_ID = '682498302938465';
const PSID = '1254459154682919';

function sign(body: Buffer, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function post(body: Buffer | string, headers?: Record<string, string>): WebhookRequest {
  const rawBody = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    method: 'POST',
    publicUrl: 'https://cx.example.com/webhooks/messenger',
    path: '/webhooks/messenger',
    query: new URLSearchParams(),
    headers: headers ?? { 'content-type': 'application/json', 'x-hub-signature-256': sign(rawBody) },
    rawBody,
  };
}

/** A `page` delivery with these messaging events, as Meta batches them. */
function page(...messaging: JsonObject[]): JsonObject {
  return { object: 'page', entry: [{ id: PAGE_ID, time: 1518479195594, messaging }] };
}

function outcomeOf(body: JsonObject | string): Extract<WebhookOutcome, { kind: 'events' }> {
  const outcome = adapter.handle(post(typeof body === 'string' ? body : JSON.stringify(body)));
  if (outcome.kind !== 'events') throw new Error(`expected events, got ${outcome.kind}`);
  return outcome;
}

function onlyEvent(event: JsonObject): InboundEvent {
  const { events } = outcomeOf(page(event));
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
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

// ---- documented events (webhook-events/messages, message-reactions, message-reads, …) ----------------------------

const TEXT_QUICK_REPLY = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1458692752478,
  message: {
    mid: 'mid.1457764197618:41d102a3e1ae206a38',
    text: 'hello, world!',
    quick_reply: { payload: 'DEVELOPER_DEFINED_PAYLOAD' },
  },
};

const REPLY = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1458692752478,
  message: {
    mid: 'm_1457764197618:41d102a3e1ae206a38',
    text: 'hello, world!',
    reply_to: { mid: 'm_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU', is_self_reply: false },
  },
};

const attachmentEvent = (...attachments: JsonObject[]) => ({
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1518479195308,
  message: { mid: 'mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c', attachments },
});
const url = (name: string) => `https://scontent.xx.fbcdn.net/v/t1.15752-9/${name}?_nc_cat=1&oh=00_AfA`;

/** The long-standing sticker shape (the thumbs-up sticker), and the transition one with both attachment types. */
const STICKER = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1458692752478,
  message: {
    mid: 'mid.$cAADHPVJEDStnxdJQ-VhlI0IqAqYu',
    seq: 1306584,
    sticker_id: 369239263222822,
    attachments: [
      { type: 'image', payload: { url: url('851557_369239266556155_759568595_n.png'), sticker_id: 369239263222822 } },
    ],
  },
};

const REACTION = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1458668856463,
  reaction: {
    reaction: 'love',
    emoji: '\u{2764}\u{FE0F}',
    action: 'react',
    mid: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P',
  },
};

const DELIVERY = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  delivery: { mids: ['mid.1458668856218:ed81099e15d3f4f233'], watermark: 1458668856253 },
};

const READ = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1458668856463,
  read: { watermark: 1458668856253 },
};

const ECHO = {
  sender: { id: PAGE_ID },
  recipient: { id: PSID },
  timestamp: 1457764197627,
  message: {
    is_echo: true,
    app_id: 1517776481860111,
    metadata: 'DEVELOPER_DEFINED_METADATA_STRING',
    mid: 'mid.1457764197618:41d102a3e1ae206a38',
    text: 'hello from the page',
  },
};

const POSTBACK = {
  sender: { id: PSID },
  recipient: { id: PAGE_ID },
  timestamp: 1527459824000,
  postback: {
    mid: 'm_MESSAGE-ID',
    title: 'TITLE-FOR-THE-CTA',
    payload: 'USER-DEFINED-PAYLOAD',
    referral: { ref: 'USER-DEFINED-REFERRAL-PARAM', source: 'SHORT-URL', type: 'OPEN_THREAD' },
  },
};

describe('Messenger adapter: route', () => {
  test('declares its route, methods and media type', () => {
    expect(adapter.name).toBe('messenger');
    expect(adapter.path).toBe('/webhooks/messenger');
    expect([...adapter.methods].sort()).toEqual(['GET', 'POST']);
    expect(adapter.contentTypes).toEqual(['application/json']);
  });

  test('refuses to be built without secrets', () => {
    expectRefused(() => createMessengerAdapter({ appSecret: '', verifyToken: 'x' }), 'INTERNAL');
  });
});

describe('Messenger adapter: documented events', () => {
  test('a text message', () => {
    const { message, ...rest } = TEXT_QUICK_REPLY;
    const event = { ...rest, message: { mid: message.mid, text: message.text } };
    expect(onlyEvent(event)).toEqual({
      draft: {
        channel: 'messenger',
        from: PSID,
        content: { type: 'text', text: 'hello, world!' },
        providerMessageId: 'mid.1457764197618:41d102a3e1ae206a38',
        timestamp: 1458692752478,
        metadata: { provider: 'messenger', pageId: PAGE_ID, recipientId: PAGE_ID, raw: event },
      },
    });
  });

  test('a quick reply is an interactive reply with its payload', () => {
    expect(onlyEvent(TEXT_QUICK_REPLY).draft.content).toEqual({
      type: 'interactive',
      replyId: 'DEVELOPER_DEFINED_PAYLOAD',
      title: 'hello, world!',
    });
  });

  test('an inline reply keeps the mid it replies to', () => {
    const event = onlyEvent(REPLY);
    expect(event.draft.content).toEqual({ type: 'text', text: 'hello, world!' });
    expect(event.draft.metadata?.replyTo).toBe('m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU');
  });

  test.each([
    ['image', 'image'],
    ['video', 'video'],
    ['audio', 'audio'],
    ['file', 'document'],
  ])('a %s attachment is %s media fetched from its payload url', (type, mediaKind) => {
    const attachmentUrl = url(`${type}.bin`);
    const event = onlyEvent(attachmentEvent({ type, payload: { url: attachmentUrl } }));
    expect(event.draft.content).toEqual({ type: 'media', mediaKind });
    expect(event.media).toEqual({ url: attachmentUrl });
    expect(event.draft.providerMessageId).toBe('mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c');
    expect(event.draft.metadata?.attachmentIndex).toBe(0);
  });

  test('several attachments: one event each, the first keeps the mid, the others get mid:index', () => {
    const raw = attachmentEvent(
      { type: 'image', payload: { url: url('a.jpg') } },
      { type: 'video', payload: { url: url('b.mp4') } },
      { type: 'file', payload: { url: url('c.pdf') } },
    );
    const { events } = outcomeOf(page(raw));
    expect(events.map((e) => e.draft.providerMessageId)).toEqual([
      'mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c',
      'mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c:1',
      'mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c:2',
    ]);
    expect(events.map((e) => e.media?.url)).toEqual([url('a.jpg'), url('b.mp4'), url('c.pdf')]);
    expect(events.every((e) => e.draft.metadata?.raw !== undefined && e.draft.timestamp === 1518479195308)).toBe(true);
  });

  test('text sent with an attachment becomes the caption of the first one', () => {
    const raw = attachmentEvent({ type: 'image', payload: { url: url('a.jpg') } });
    (raw.message as JsonObject).text = 'look at this';
    expect(onlyEvent(raw).draft.content).toEqual({ type: 'media', mediaKind: 'image', caption: 'look at this' });
  });

  test('a sticker is sticker media identified by its sticker_id', () => {
    const event = onlyEvent(STICKER);
    expect(event.draft.content).toEqual({ type: 'media', mediaKind: 'sticker', providerMediaId: '369239263222822' });
    expect(event.media).toEqual({
      url: url('851557_369239266556155_759568595_n.png'),
      providerMediaId: '369239263222822',
    });
  });

  test('during the sticker transition the image and sticker attachments of one sticker make one event', () => {
    const image = STICKER.message.attachments[0] as JsonObject;
    const raw = {
      ...STICKER,
      message: {
        ...STICKER.message,
        attachments: [image, { type: 'sticker', payload: { url: url('sticker.webp'), sticker_id: 369239263222822 } }],
      },
    };
    const { events } = outcomeOf(page(raw));
    expect(events).toHaveLength(1);
    expect(events[0]?.draft.content).toMatchObject({ mediaKind: 'sticker', providerMediaId: '369239263222822' });
  });

  test('a location attachment is a location; a fallback (shared link) is kept as unsupported', () => {
    const location = {
      title: "Pin's Location",
      url: 'https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps',
      type: 'location',
      payload: { coordinates: { lat: 37.483872693672, long: -122.14900441942 } },
    };
    const fallback = { title: 'Lucky Shrub', url: 'https://www.luckyshrub.com/', type: 'fallback', payload: null };
    const { events } = outcomeOf(page(attachmentEvent(location, fallback)));
    expect(events.map((e) => e.draft.content)).toEqual([
      { type: 'location', latitude: 37.483872693672, longitude: -122.14900441942, name: "Pin's Location" },
      { type: 'unsupported', providerType: 'fallback', raw: fallback },
    ]);
    expect(events[1]?.media).toBeUndefined();
  });

  test('a postback is an interactive reply under its own mid, referral kept', () => {
    const event = onlyEvent(POSTBACK);
    expect(event.draft).toMatchObject({
      from: PSID,
      providerMessageId: 'm_MESSAGE-ID',
      content: { type: 'interactive', replyId: 'USER-DEFINED-PAYLOAD', title: 'TITLE-FOR-THE-CTA' },
      timestamp: 1527459824000,
      metadata: { referral: POSTBACK.postback.referral },
    });
  });

  test('a Get Started postback without mid is identified by sender and time', () => {
    const raw = { ...POSTBACK, postback: { title: 'Get Started', payload: 'GET_STARTED' } };
    expect(onlyEvent(raw).draft.providerMessageId).toBe(`postback:${PSID}:1527459824000`);
  });

  test('a reaction names the message reacted to; unreact is the empty emoji', () => {
    const event = onlyEvent(REACTION);
    expect(event.draft.content).toEqual({
      type: 'reaction',
      emoji: '❤️',
      targetProviderMessageId: REACTION.reaction.mid,
    });
    expect(event.draft.providerMessageId).toBe(`reaction:${REACTION.reaction.mid}:1458668856463`);
    expect(event.draft.metadata).toMatchObject({ reactionAction: 'react', reactionName: 'love' });
    const unreact = {
      ...REACTION,
      timestamp: 1458668857000,
      reaction: { action: 'unreact', mid: REACTION.reaction.mid },
    };
    expect(onlyEvent(unreact).draft.content).toEqual({
      type: 'reaction',
      emoji: '',
      targetProviderMessageId: REACTION.reaction.mid,
    });
  });

  test('an echo of our own send is ignored', () => {
    expect(outcomeOf(page(ECHO))).toEqual({ kind: 'events', events: [], statuses: [] });
  });

  test('a delivery receipt is a delivered status per mid, and no message', () => {
    const { events, statuses } = outcomeOf(page(DELIVERY));
    expect(events).toEqual([]);
    expect(statuses).toEqual([
      {
        channel: 'messenger',
        providerMessageId: 'mid.1458668856218:ed81099e15d3f4f233',
        status: 'delivered',
        timestamp: 1458668856253,
        recipient: PSID,
        raw: DELIVERY,
      },
    ]);
  });

  test('a delivery receipt with only a watermark is reported under watermark:<ms>', () => {
    const { statuses } = outcomeOf(page({ ...DELIVERY, delivery: { watermark: 1458668856253 } }));
    expect(statuses.map((s) => s.providerMessageId)).toEqual(['watermark:1458668856253']);
  });

  test('a read receipt is a read status under watermark:<ms>, and no message', () => {
    const { events, statuses } = outcomeOf(page(READ));
    expect(events).toEqual([]);
    expect(statuses).toEqual([
      {
        channel: 'messenger',
        providerMessageId: 'watermark:1458668856253',
        status: 'read',
        timestamp: 1458668856463,
        recipient: PSID,
        raw: READ,
      },
    ]);
  });

  test('a message edit is kept as unsupported under an id of its own', () => {
    const edit = {
      sender: { id: PSID },
      recipient: { id: PAGE_ID },
      timestamp: 1458668860000,
      message_edit: { mid: 'mid.1457764197618:41d102a3e1ae206a38', text: 'hello, world?', num_edit: 1 },
    };
    const event = onlyEvent(edit);
    expect(event.draft.content).toEqual({ type: 'unsupported', providerType: 'message_edit', raw: edit });
    expect(event.draft.providerMessageId).toBe('message_edit:mid.1457764197618:41d102a3e1ae206a38:1458668860000');
  });

  test('events that concern no message (opt-ins, referrals) are not messages', () => {
    const optin = {
      sender: { id: PSID },
      recipient: { id: PAGE_ID },
      timestamp: 1234567890,
      optin: { ref: 'PASS_THROUGH_PARAM' },
    };
    expect(outcomeOf(page(optin))).toEqual({ kind: 'events', events: [], statuses: [] });
  });

  test('a batch of entries and events keeps payload order, echoes and receipts left out of the messages', () => {
    const body = {
      object: 'page',
      entry: [
        { id: PAGE_ID, time: 1, messaging: [REPLY, ECHO, DELIVERY, STICKER] },
        { id: '998877665544', time: 2, messaging: [READ, POSTBACK, REACTION] },
      ],
    };
    const { events, statuses } = outcomeOf(body);
    expect(events.map((e) => e.draft.content.type)).toEqual(['text', 'media', 'interactive', 'reaction']);
    expect(events.map((e) => e.draft.metadata?.raw)).toEqual([REPLY, STICKER, POSTBACK, REACTION]);
    expect(events.map((e) => e.draft.metadata?.pageId)).toEqual([PAGE_ID, PAGE_ID, '998877665544', '998877665544']);
    expect(statuses.map((s) => s.status)).toEqual(['delivered', 'read']);
  });

  test('entries without messaging (feed changes, standby) yield nothing', () => {
    const body = { object: 'page', entry: [{ id: PAGE_ID, time: 1, changes: [{ field: 'feed', value: {} }] }] };
    expect(outcomeOf(body)).toEqual({ kind: 'events', events: [], statuses: [] });
  });
});

describe('Messenger adapter: refusals', () => {
  const body = Buffer.from(JSON.stringify(page(TEXT_QUICK_REPLY)));

  test('a missing or wrong signature is INVALID_SIGNATURE', () => {
    expectRefused(() => adapter.handle(post(body, {})), 'INVALID_SIGNATURE');
    expectRefused(() => adapter.handle(post(body, { 'x-hub-signature-256': 'sha256=abc' })), 'INVALID_SIGNATURE');
    expectRefused(
      () => adapter.handle(post(body, { 'x-hub-signature-256': sign(body, 'not-the-secret') })),
      'INVALID_SIGNATURE',
    );
  });

  test('a signature over the same JSON with different whitespace does not verify', () => {
    const pretty = Buffer.from(JSON.stringify(page(TEXT_QUICK_REPLY), null, 2));
    expect(adapter.handle(post(pretty)).kind).toBe('events');
    expectRefused(() => adapter.handle(post(pretty, { 'x-hub-signature-256': sign(body) })), 'INVALID_SIGNATURE');
  });

  test('malformed JSON is INVALID_JSON', () => {
    expectRefused(() => adapter.handle(post('{"object":"page","entry":[{')), 'INVALID_JSON');
  });

  test('an Instagram or WhatsApp delivery on the Messenger route is VALIDATION_FAILED', () => {
    expectRefused(() => outcomeOf({ ...page(TEXT_QUICK_REPLY), object: 'instagram' }), 'VALIDATION_FAILED', 'object');
    expectRefused(() => outcomeOf({ object: 'whatsapp_business_account', entry: [] }), 'VALIDATION_FAILED', 'object');
  });

  test('entry that is not an array is VALIDATION_FAILED', () => {
    expectRefused(() => outcomeOf({ object: 'page', entry: 'nope' }), 'VALIDATION_FAILED', 'entry');
  });

  test('a message without mid is VALIDATION_FAILED naming the path', () => {
    const raw = { ...TEXT_QUICK_REPLY, message: { text: 'hi' } };
    expectRefused(() => outcomeOf(page(raw)), 'VALIDATION_FAILED', 'entry.0.messaging.0.message.mid');
  });

  test('a message without sender id or timestamp is VALIDATION_FAILED naming the path', () => {
    expectRefused(
      () => outcomeOf(page({ ...TEXT_QUICK_REPLY, sender: {} })),
      'VALIDATION_FAILED',
      'entry.0.messaging.0.sender.id',
    );
    const { timestamp: _, ...untimed } = TEXT_QUICK_REPLY;
    expectRefused(() => outcomeOf(page(untimed)), 'VALIDATION_FAILED', 'entry.0.messaging.0.timestamp');
  });

  test('an image attachment without url is VALIDATION_FAILED naming the path', () => {
    expectRefused(
      () => outcomeOf(page(attachmentEvent({ type: 'image', payload: {} }))),
      'VALIDATION_FAILED',
      'entry.0.messaging.0.message.attachments.0.payload.url',
    );
  });

  test('a delivery receipt without watermark is VALIDATION_FAILED', () => {
    expectRefused(
      () => outcomeOf(page({ ...DELIVERY, delivery: { mids: ['m_1'] } })),
      'VALIDATION_FAILED',
      'entry.0.messaging.0.delivery.watermark',
    );
  });
});

describe('Messenger adapter: subscription verification (GET)', () => {
  const get = (query: string): WebhookRequest => ({
    method: 'GET',
    publicUrl: `https://cx.example.com/webhooks/messenger?${query}`,
    path: '/webhooks/messenger',
    query: new URLSearchParams(query),
    headers: {},
    rawBody: Buffer.alloc(0),
  });

  test('the right token gets the challenge back', () => {
    expect(
      adapter.handle(get(`hub.mode=subscribe&hub.challenge=CHALLENGE_ACCEPTED&hub.verify_token=${VERIFY_TOKEN}`)),
    ).toEqual({
      kind: 'respond',
      status: 200,
      contentType: 'text/plain',
      body: 'CHALLENGE_ACCEPTED',
    });
  });

  test('a wrong token is INVALID_SIGNATURE', () => {
    expectRefused(
      () => adapter.handle(get('hub.mode=subscribe&hub.challenge=CHALLENGE_ACCEPTED&hub.verify_token=wrong')),
      'INVALID_SIGNATURE',
    );
  });
});
