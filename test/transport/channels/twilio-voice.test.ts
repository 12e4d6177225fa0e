// The Twilio voice adapter: the TwiML it answers calls with (parsed, so escaping is checked for real), the speech
// results it turns into transcripts, retries, the signature check, and a property over generated calls.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { OmniError } from '../../../src/domain/index.js';
import { createTwilioVoiceAdapter } from '../../../src/transport/channels/twilio-voice.js';
import type { WebhookAdapter, WebhookOutcome } from '../../../src/transport/channels/webhook-adapter.js';
import {
  AUTH_TOKEN,
  formBody,
  SMS_URL,
  twilioRequest,
  VOICE_COMPLETED,
  VOICE_INCOMING_CALL,
  VOICE_SILENT_REDIRECT,
  VOICE_SPEECH_RESULT,
  VOICE_URL,
} from '../../fixtures/twilio/requests.js';
import { elementsOf, parseXml, textOf, type XmlElement } from '../../fixtures/twilio/twiml.js';

const GREETING = 'Thanks for calling Acme & Co. <Support> — how can we help you today?';
const adapter = createTwilioVoiceAdapter({ authToken: AUTH_TOKEN, greeting: GREETING });

function handle(
  voice: WebhookAdapter,
  body: string,
  headers?: Record<string, string>,
  url = VOICE_URL,
): Extract<WebhookOutcome, { kind: 'events' }> {
  const outcome = voice.handle(twilioRequest({ url, body, ...(headers ? { headers } : {}) }));
  if (outcome.kind !== 'events') throw new Error(`unexpected outcome ${outcome.kind}`);
  return outcome;
}

function twimlOf(outcome: Extract<WebhookOutcome, { kind: 'events' }>): XmlElement {
  expect(outcome.response?.contentType).toBe('text/xml');
  const body = outcome.response?.body ?? '';
  expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const root = parseXml(body);
  expect(root.name).toBe('Response');
  return root;
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

/** Checks a <Gather input="speech"> + <Redirect> pair and returns the Gather. */
function expectGatherAndRedirect(root: XmlElement, actionPath: string, language: string): XmlElement {
  const [gather, redirect, ...rest] = elementsOf(root);
  expect(rest).toEqual([]);
  expect(gather?.name).toBe('Gather');
  expect(gather?.attributes).toEqual({
    input: 'speech',
    action: actionPath,
    method: 'POST',
    speechTimeout: 'auto',
    language,
  });
  expect(redirect?.name).toBe('Redirect');
  expect(redirect?.attributes).toEqual({ method: 'POST' });
  expect(textOf(redirect as XmlElement)).toBe(actionPath);
  return gather as XmlElement;
}

describe('Twilio voice adapter', () => {
  test('declares its route', () => {
    expect(adapter.name).toBe('twilio-voice');
    expect(adapter.path).toBe('/webhooks/twilio/voice');
    expect(adapter.methods).toEqual(['POST']);
    expect(adapter.contentTypes).toEqual(['application/x-www-form-urlencoded']);
    expect(() => createTwilioVoiceAdapter({ authToken: '', greeting: 'hi' })).toThrow();
  });

  test('an incoming call gets no event and TwiML that greets, listens for speech, and comes back', () => {
    const outcome = handle(adapter, VOICE_INCOMING_CALL);
    expect(outcome.events).toEqual([]);
    expect(outcome.statuses).toEqual([]);
    expect(outcome.response?.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="speech" action="/webhooks/twilio/voice" method="POST" speechTimeout="auto" language="en-US">' +
        '<Say>Thanks for calling Acme &amp; Co. &lt;Support&gt; — how can we help you today?</Say></Gather>' +
        '<Redirect method="POST">/webhooks/twilio/voice</Redirect></Response>',
    );
    const gather = expectGatherAndRedirect(twimlOf(outcome), '/webhooks/twilio/voice', 'en-US');
    const [say, ...more] = elementsOf(gather);
    expect(more).toEqual([]);
    expect(say?.name).toBe('Say');
    expect(textOf(say as XmlElement)).toBe(GREETING);
  });

  test('the Gather result becomes a voice transcript from the caller, and the line keeps listening', () => {
    const token = 'idem-5f0c2b8e-1d6a-4b7e-9c3f-2a1b0c9d8e7f';
    const outcome = handle(adapter, VOICE_SPEECH_RESULT, { 'i-twilio-idempotency-token': token });
    expect(outcome.events).toHaveLength(1);
    const { draft, media } = outcome.events[0] ?? {};
    expect(media).toBeUndefined();
    expect(draft).toEqual({
      channel: 'voice',
      from: '+15555550123',
      content: {
        type: 'voice_transcript',
        text: "Hi, I'd like to check on order #4521 & its delivery date.",
        confidence: 0.9377531,
      },
      providerMessageId: token,
      metadata: {
        provider: 'twilio',
        callSid: 'CA5a8d4b1e2c3f4a5b6c7d8e9f0a1b2c3d',
        to: '+15555550100',
        callStatus: 'in-progress',
        accountSid: 'AC25aa00521bfac6d667f13fec086072df',
        direction: 'inbound',
        raw: Object.fromEntries(new URLSearchParams(VOICE_SPEECH_RESULT)),
      },
    });
    const gather = expectGatherAndRedirect(twimlOf(outcome), '/webhooks/twilio/voice', 'en-US');
    expect(gather.children).toEqual([]);
  });

  test('without the idempotency header the id is derived from the call and the utterance, stable across retries', () => {
    const first = handle(adapter, VOICE_SPEECH_RESULT).events[0]?.draft.providerMessageId;
    const retry = handle(adapter, VOICE_SPEECH_RESULT).events[0]?.draft.providerMessageId;
    const expected = createHash('sha256')
      .update(JSON.stringify(["Hi, I'd like to check on order #4521 & its delivery date.", '0.9377531', null]))
      .digest('hex');
    expect(first).toBe(`CA5a8d4b1e2c3f4a5b6c7d8e9f0a1b2c3d:${expected}`);
    expect(retry).toBe(first);
    const other = handle(adapter, VOICE_SPEECH_RESULT.replace('0.9377531', '0.5')).events[0]?.draft.providerMessageId;
    expect(other).not.toBe(first);
  });

  test('a silent Gather comes back through the Redirect: no event, listen again without the greeting', () => {
    const outcome = handle(adapter, VOICE_SILENT_REDIRECT);
    expect(outcome.events).toEqual([]);
    expect(expectGatherAndRedirect(twimlOf(outcome), '/webhooks/twilio/voice', 'en-US').children).toEqual([]);
  });

  test('an empty speech result (actionOnEmptyResult) is not a message either', () => {
    const body = `${VOICE_SILENT_REDIRECT}&SpeechResult=&Confidence=0`;
    const outcome = handle(adapter, body);
    expect(outcome.events).toEqual([]);
    expect(expectGatherAndRedirect(twimlOf(outcome), '/webhooks/twilio/voice', 'en-US').children).toEqual([]);
  });

  test('a call status callback after hang-up is no event and empty TwiML', () => {
    const outcome = handle(adapter, VOICE_COMPLETED);
    expect(outcome.events).toEqual([]);
    expect(outcome.statuses).toEqual([]);
    expect(elementsOf(twimlOf(outcome))).toEqual([]);
  });

  test('a result without Confidence is reported with the lowest confidence', () => {
    const body = VOICE_SPEECH_RESULT.replace(/&Confidence=[^&]*/, '');
    expect(handle(adapter, body).events[0]?.draft.content).toMatchObject({ type: 'voice_transcript', confidence: 0 });
  });

  test('action path, language and greeting are escaped wherever they appear', () => {
    const voice = createTwilioVoiceAdapter({
      authToken: AUTH_TOKEN,
      actionPath: '/webhooks/twilio/voice?tenant=a&b="c"<d>',
      greeting: `Don't "quote" me <b>& ]]> me`,
      language: 'pt-BR',
    });
    const body = handle(voice, VOICE_INCOMING_CALL).response?.body ?? '';
    expect(body).toContain('action="/webhooks/twilio/voice?tenant=a&amp;b=&quot;c&quot;&lt;d&gt;"');
    const root = parseXml(body);
    const gather = expectGatherAndRedirect(root, '/webhooks/twilio/voice?tenant=a&b="c"<d>', 'pt-BR');
    expect(textOf(elementsOf(gather)[0] as XmlElement)).toBe(`Don't "quote" me <b>& ]]> me`);
  });

  describe('refused requests', () => {
    test('missing or wrong signature is INVALID_SIGNATURE', () => {
      const unsigned = twilioRequest({ url: VOICE_URL, body: VOICE_SPEECH_RESULT, signature: null });
      expect(errorCode(() => adapter.handle(unsigned))).toBe('INVALID_SIGNATURE');
      const forged = twilioRequest({ url: VOICE_URL, body: VOICE_SPEECH_RESULT, authToken: 'not-the-token' });
      expect(errorCode(() => adapter.handle(forged))).toBe('INVALID_SIGNATURE');
    });

    test('a request signed for another public URL is INVALID_SIGNATURE', () => {
      const replayed = twilioRequest({ url: VOICE_URL, body: VOICE_SPEECH_RESULT, signedUrl: SMS_URL });
      expect(errorCode(() => adapter.handle(replayed))).toBe('INVALID_SIGNATURE');
    });

    test.each([
      [
        'no CallSid',
        [
          ['From', '+15555550123'],
          ['CallStatus', 'ringing'],
        ],
      ],
      [
        'a speech result without From',
        [
          ['CallSid', 'CA1'],
          ['SpeechResult', 'hello'],
          ['Confidence', '0.9'],
        ],
      ],
      [
        'a Confidence that is not a number',
        [
          ['CallSid', 'CA1'],
          ['From', '+1555'],
          ['SpeechResult', 'hi'],
          ['Confidence', 'high'],
        ],
      ],
      [
        'a Confidence above 1',
        [
          ['CallSid', 'CA1'],
          ['From', '+1555'],
          ['SpeechResult', 'hi'],
          ['Confidence', '1.5'],
        ],
      ],
    ] as [string, [string, string][]][])('%s is VALIDATION_FAILED', (_case, params) => {
      expect(errorCode(() => handle(adapter, formBody(params)))).toBe('VALIDATION_FAILED');
    });
  });

  // ---- Property 1 over generated calls ----

  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
  /** Anything a person (or a configuration) might contain, including what XML and form-encoding must escape. */
  const textUnit = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('&', '<', '>', '"', "'", ']]>', '&amp;', '+', '%', '=', '\t', '\n', '\r', '😀', '👩‍👩‍👧'),
  );
  const text = (minLength: number) => fc.string({ unit: textUnit, minLength, maxLength: 40 });
  /** What XML 1.0 can carry; anything else the adapter has to drop to keep the TwiML parseable. */
  const xmlChars = (s: string) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');

  test('Feature: omnichannel-cx-platform, Property 1: Message Normalization Completeness (twilio voice)', () => {
    fc.assert(
      fc.property(
        fc.record({
          greeting: text(0),
          actionPath: text(0).map((s) => `/webhooks/twilio/voice?${s}`),
          language: fc.oneof(fc.constantFrom('en-US', 'es-MX', 'pt-BR', 'de-DE'), text(1)),
          callSid: hex(32).map((h) => `CA${h}`),
          from: fc.oneof(fc.stringMatching(/^\+[1-9][0-9]{7,13}$/), fc.constant('client:Anonymous')),
          to: fc.stringMatching(/^\+[1-9][0-9]{7,13}$/),
          callerName: fc.option(text(1), { nil: undefined }),
          speech: text(1),
          confidence: fc.double({ min: 0, max: 1, noNaN: true }).map(String),
          idempotencyToken: fc.option(fc.uuid(), { nil: undefined }),
        }),
        (c) => {
          const voice = createTwilioVoiceAdapter({
            authToken: AUTH_TOKEN,
            greeting: c.greeting,
            actionPath: c.actionPath,
            language: c.language,
          });
          const call: [string, string][] = [
            ['AccountSid', 'AC25aa00521bfac6d667f13fec086072df'],
            ['CallSid', c.callSid],
            ['From', c.from],
            ['To', c.to],
            ['Direction', 'inbound'],
            ['ApiVersion', '2010-04-01'],
            ...(c.callerName === undefined ? [] : [['CallerName', c.callerName] as [string, string]]),
          ];
          const expectedAction = xmlChars(c.actionPath);
          const expectedLanguage = xmlChars(c.language);

          const answered = handle(voice, formBody([...call, ['CallStatus', 'ringing']]));
          expect(answered.events).toEqual([]);
          const gather = expectGatherAndRedirect(twimlOf(answered), expectedAction, expectedLanguage);
          const say = elementsOf(gather)[0];
          expect(say?.name).toBe('Say');
          expect(textOf(say as XmlElement)).toBe(xmlChars(c.greeting));

          const params: [string, string][] = [
            ...call,
            ['CallStatus', 'in-progress'],
            ['SpeechResult', c.speech],
            ['Confidence', c.confidence],
          ];
          const headers =
            c.idempotencyToken === undefined ? undefined : { 'i-twilio-idempotency-token': c.idempotencyToken };
          const heard = handle(voice, formBody(params), headers);
          expect(heard.events).toHaveLength(1);
          const draft = heard.events[0]?.draft;
          expect(draft?.channel).toBe('voice');
          expect(draft?.from).toBe(c.from);
          expect(draft?.name).toBe(c.callerName);
          expect(draft?.content).toEqual({
            type: 'voice_transcript',
            text: c.speech,
            confidence: Number(c.confidence),
          });
          expect(draft?.timestamp).toBeUndefined();
          const digest = createHash('sha256')
            .update(JSON.stringify([c.speech, c.confidence, null]))
            .digest('hex');
          expect(draft?.providerMessageId).toBe(c.idempotencyToken ?? `${c.callSid}:${digest}`);
          expect(draft?.metadata).toMatchObject({ provider: 'twilio', callSid: c.callSid, to: c.to });
          expect(draft?.metadata?.['raw']).toEqual(Object.fromEntries(params));
          expect(elementsOf(expectGatherAndRedirect(twimlOf(heard), expectedAction, expectedLanguage))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
