// The Instagram adapter against the documented Instagram Messaging notifications (developers.facebook.com/docs/
// instagram-platform/webhooks/examples: message, message_reactions, messaging_postbacks, messaging_seen,
// messaging_referral, message_edit), placeholders filled with concrete ids, signed as Meta signs them.
import { createHmac } from 'node:crypto';
import { OmniError, type ErrorCode, type JsonObject } from '../../../src/domain/index.js';
import { createInstagramAdapter } from '../../../src/transport/channels/messenger.js';
import type { InboundEvent, WebhookOutcome, WebhookRequest } from '../../../src/transport/channels/webhook-adapter.js';

const APP_SECRET = 'instagram-app-secret-for-tests';
const VERIFY_TOKEN = 'instagram-verify-token';
const adapter = createInstagramAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });

const IG_ACCOUNT = '17841405822304914';
const IGSID = '6789012345678901';

function post(body: string): WebhookRequest {
  const rawBody = Buffer.from(body);
  return {
    method: 'POST',
    publicUrl: 'https://cx.example.com/webhooks/instagram',
    path: '/webhooks/instagram',
    query: new URLSearchParams(),
    headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}` },
    rawBody,
  };
}

function instagram(...messaging: JsonObject[]): JsonObject {
  return { object: 'instagram', entry: [{ id: IG_ACCOUNT, time: 1569262486134, messaging }] };
}

function outcomeOf(body: JsonObject): Extract<WebhookOutcome, { kind: 'events' }> {
  const outcome = adapter.handle(post(JSON.stringify(body)));
  if (outcome.kind !== 'events') throw new Error(`expected events, got ${outcome.kind}`);
  return outcome;
}

function onlyEvent(event: JsonObject): InboundEvent {
  const { events } = outcomeOf(instagram(event));
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
}

function expectRefused(run: () => unknown, code: ErrorCode, mentioning?: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(OmniError);
  expect((caught as OmniError).code).toBe(code);
  if (mentioning !== undefined) expect((caught as OmniError).message).toContain(mentioning);
}

const envelope = { sender: { id: IGSID }, recipient: { id: IG_ACCOUNT }, timestamp: 1569262485349 };
const MID =
  'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjAxODkyNjA2NDE5NzAzMjozMTg2MDM3NjA3MzI5NDQ5NjAyNTk5NTAyNzAyMjQ3NTU4NAZDZD';

describe('Instagram adapter', () => {
  test('declares its route', () => {
    expect(adapter.name).toBe('instagram');
    expect(adapter.path).toBe('/webhooks/instagram');
    expect([...adapter.methods].sort()).toEqual(['GET', 'POST']);
    expect(adapter.contentTypes).toEqual(['application/json']);
  });

  test('a text message', () => {
    const raw = { ...envelope, message: { mid: MID, text: 'Is the blue one still available? 💙' } };
    expect(onlyEvent(raw)).toEqual({
      draft: {
        channel: 'instagram',
        from: IGSID,
        content: { type: 'text', text: 'Is the blue one still available? 💙' },
        providerMessageId: MID,
        timestamp: 1569262485349,
        metadata: { provider: 'instagram', igAccountId: IG_ACCOUNT, recipientId: IG_ACCOUNT, raw },
      },
    });
  });

  test('attachments: media by url, shares kept as unsupported, ids per attachment', () => {
    const image = {
      type: 'image',
      payload: { url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=a' },
    };
    const share = {
      type: 'ig_post',
      payload: { url: 'https://www.instagram.com/p/C9abc/', title: 'New arrivals', ig_post_media_id: '18031' },
    };
    const raw = { ...envelope, message: { mid: MID, attachments: [image, share] } };
    const { events } = outcomeOf(instagram(raw));
    expect(events.map((e) => [e.draft.providerMessageId, e.draft.content])).toEqual([
      [MID, { type: 'media', mediaKind: 'image' }],
      [`${MID}:1`, { type: 'unsupported', providerType: 'ig_post', raw: share }],
    ]);
    expect(events[0]?.media).toEqual({ url: image.payload.url });
  });

  test('a quick reply and an inline reply', () => {
    const quick = { ...envelope, message: { mid: MID, text: 'Yes', quick_reply: { payload: 'CONFIRM_ORDER' } } };
    expect(onlyEvent(quick).draft.content).toEqual({ type: 'interactive', replyId: 'CONFIRM_ORDER', title: 'Yes' });
    const reply = { ...envelope, message: { mid: MID, text: 'this one', reply_to: { mid: 'aWdfZAG1fOriginal' } } };
    expect(onlyEvent(reply).draft.metadata?.replyTo).toBe('aWdfZAG1fOriginal');
  });

  test('a story reply keeps the story it answers', () => {
    const story = { url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17899', id: '17899123456789012' };
    const raw = { ...envelope, message: { mid: MID, text: 'Love this!', reply_to: { story } } };
    const event = onlyEvent(raw);
    expect(event.draft.content).toEqual({ type: 'text', text: 'Love this!' });
    expect(event.draft.metadata?.replyToStory).toEqual(story);
  });

  test('echoes (is_echo) of our own sends are ignored', () => {
    const echo = {
      sender: { id: IG_ACCOUNT },
      recipient: { id: IGSID },
      timestamp: 1569262485349,
      message: { mid: MID, text: 'Thanks!', is_echo: true },
    };
    expect(outcomeOf(instagram(echo))).toEqual({ kind: 'events', events: [], statuses: [] });
  });

  test('an unsent (is_deleted) message is kept, not taken for a redelivery of the original', () => {
    const raw = { ...envelope, timestamp: 1569262499000, message: { mid: MID, is_deleted: true } };
    const event = onlyEvent(raw);
    expect(event.draft.providerMessageId).toBe(`message_deleted:${MID}:1569262499000`);
    expect(event.draft.content).toEqual({ type: 'unsupported', providerType: 'message_deleted', raw });
  });

  test('unsupported media (is_unsupported) is kept as unsupported', () => {
    const raw = { ...envelope, message: { mid: MID, is_unsupported: true } };
    expect(onlyEvent(raw).draft.content).toEqual({ type: 'unsupported', providerType: 'unsupported', raw });
  });

  test('message_reactions: react and unreact', () => {
    const react = { ...envelope, reaction: { mid: MID, action: 'react', reaction: 'love', emoji: '\u{2764}\u{FE0F}' } };
    expect(onlyEvent(react).draft.content).toEqual({ type: 'reaction', emoji: '❤️', targetProviderMessageId: MID });
    const unreact = { ...envelope, timestamp: 1569262490000, reaction: { mid: MID, action: 'unreact' } };
    expect(onlyEvent(unreact).draft.content).toEqual({ type: 'reaction', emoji: '', targetProviderMessageId: MID });
  });

  test('messaging_postbacks (ice breakers, CTA buttons)', () => {
    const raw = {
      sender: { id: IGSID },
      recipient: { id: IG_ACCOUNT },
      timestamp: 1502905976377,
      postback: { mid: MID, title: 'Track my order', payload: 'ICEBREAKER_TRACK_ORDER' },
    };
    expect(onlyEvent(raw).draft).toMatchObject({
      providerMessageId: MID,
      content: { type: 'interactive', replyId: 'ICEBREAKER_TRACK_ORDER', title: 'Track my order' },
    });
  });

  test('messaging_seen names the message read', () => {
    const raw = { ...envelope, read: { mid: MID } };
    const { events, statuses } = outcomeOf(instagram(raw));
    expect(events).toEqual([]);
    expect(statuses).toEqual([
      { channel: 'instagram', providerMessageId: MID, status: 'read', timestamp: 1569262485349, recipient: IGSID, raw },
    ]);
  });

  test('message_edit is kept as unsupported; messaging_referral (no message) is not a message', () => {
    const edit = { ...envelope, message_edit: { mid: MID, text: 'Is the red one still available?', num_edit: 1 } };
    expect(onlyEvent(edit).draft).toMatchObject({
      providerMessageId: `message_edit:${MID}:1569262485349`,
      content: { type: 'unsupported', providerType: 'message_edit', raw: edit },
    });
    const referral = {
      ...envelope,
      referral: { ref: 'spring_sale', source: 'https://ig.me/m/luckyshrub', type: 'OPEN_THREAD' },
    };
    expect(outcomeOf(instagram(referral)).events).toEqual([]);
  });

  test('a Messenger (page) delivery on the Instagram route is VALIDATION_FAILED', () => {
    expectRefused(() => outcomeOf({ object: 'page', entry: [] }), 'VALIDATION_FAILED', 'object');
  });

  test('a message without mid is VALIDATION_FAILED', () => {
    expectRefused(
      () => outcomeOf(instagram({ ...envelope, message: { text: 'hi' } })),
      'VALIDATION_FAILED',
      'entry.0.messaging.0.message.mid',
    );
  });

  test('a bad signature is INVALID_SIGNATURE; the GET handshake works as for Messenger', () => {
    const request = post(JSON.stringify(instagram({ ...envelope, message: { mid: MID, text: 'x' } })));
    expectRefused(
      () => adapter.handle({ ...request, headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }),
      'INVALID_SIGNATURE',
    );
    const query = new URLSearchParams(`hub.mode=subscribe&hub.challenge=42&hub.verify_token=${VERIFY_TOKEN}`);
    expect(adapter.handle({ ...request, method: 'GET', query, rawBody: Buffer.alloc(0) })).toMatchObject({
      kind: 'respond',
      body: '42',
    });
  });
});
