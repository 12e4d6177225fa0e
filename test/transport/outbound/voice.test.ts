// Twilio voice reply against a local stand-in of the Calls resource: the live call's TwiML is replaced by <Say> +
// speech <Gather>, text XML-escaped; the pure sayTwiml builder; refusals before sending; failure classification.
import {
  createTwilioVoiceAdapter,
  sayTwiml,
  TWIML_MAX_LENGTH,
  type OutboundAdapter,
  type TwilioVoiceConfig,
} from '../../../src/transport/outbound/index.js';
import { outboundMessage, sendFailure } from './fixtures.js';
import {
  closedPortUrl,
  fetchClient,
  startProviderServer,
  type Handler,
  type ProviderServer,
} from './provider-server.js';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'voice-auth-token';
const CALL_SID = 'CA5ef8732a3c49700934481addd5ce1659';
const ACTION_URL = 'https://omnicx.example.com/webhooks/voice/gather?tenant=a&x=1';

function twilioError(status: number, code: number, message: string) {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** The Calls resource as Twilio checks an update: path, Basic auth, form encoding, Twiml present. */
function callsApi(onValid?: () => ReturnType<Handler>): Handler {
  return (request) => {
    const match = /^\/2010-04-01\/Accounts\/(AC\w+)\/Calls\/(CA\w+)\.json$/.exec(request.path);
    if (request.method !== 'POST' || !match || match[1] !== ACCOUNT_SID) {
      return twilioError(404, 20404, `The requested resource ${request.path} was not found`);
    }
    const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return twilioError(401, 20003, 'Authenticate');
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      return twilioError(400, 20001, 'Unsupported content type');
    }
    const twiml = new URLSearchParams(request.body).get('Twiml');
    if (!twiml) return twilioError(400, 21218, 'Twiml is required');
    if (twiml.length > 4000) return twilioError(400, 32018, 'Twiml size exceeded maximum allowed value');
    return onValid?.() ?? { status: 200, body: { sid: match[2], account_sid: ACCOUNT_SID, status: 'in-progress' } };
  };
}

describe('sayTwiml', () => {
  test('Say in the caller language, then a speech Gather posting to the action URL', () => {
    expect(sayTwiml('Your balance is 20 euros.', { language: 'en-GB', actionUrl: 'https://x.test/g' })).toBe(
      '<Response><Say language="en-GB">Your balance is 20 euros.</Say>' +
        '<Gather input="speech" action="https://x.test/g" method="POST" speechTimeout="auto" language="en-GB"/></Response>',
    );
  });

  test('escapes text and attributes, keeps the voice, drops characters XML cannot carry', () => {
    const twiml = sayTwiml('Tom & Jerry <3 "quotes" it\'s\u0007 \ud800ok', {
      language: 'en-US',
      voice: 'Polly.Joanna',
      actionUrl: 'https://x.test/g?a=1&b=2',
      speechTimeout: '3',
    });
    expect(twiml).toBe(
      '<Response><Say voice="Polly.Joanna" language="en-US">Tom &amp; Jerry &lt;3 &quot;quotes&quot; it&apos;s ok</Say>' +
        '<Gather input="speech" action="https://x.test/g?a=1&amp;b=2" method="POST" speechTimeout="3" language="en-US"/>' +
        '</Response>',
    );
  });
});

describe('Twilio voice adapter', () => {
  let server: ProviderServer;
  let voice: OutboundAdapter;
  const config = (overrides: Partial<TwilioVoiceConfig> = {}): TwilioVoiceConfig => ({
    baseUrl: server.baseUrl,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    language: 'en-US',
    voice: 'Polly.Joanna',
    gatherActionUrl: ACTION_URL,
    ...overrides,
  });

  beforeAll(async () => {
    server = await startProviderServer(callsApi());
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.handle(callsApi());
    voice = createTwilioVoiceAdapter(config(), fetchClient());
  });

  test('updates the live call with the reply TwiML', async () => {
    const result = await voice.send(
      outboundMessage('voice', CALL_SID, { type: 'text', text: 'Orders & returns: press <1>.' }),
    );
    expect(voice.channel).toBe('voice');
    expect(result).toEqual({ providerMessageIds: [CALL_SID], details: { callStatus: 'in-progress' } });
    expect(server.requests[0]?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${CALL_SID}.json`);
    expect([...new URLSearchParams(server.requests[0]?.body)]).toEqual([
      [
        'Twiml',
        '<Response><Say voice="Polly.Joanna" language="en-US">Orders &amp; returns: press &lt;1&gt;.</Say>' +
          '<Gather input="speech" action="https://omnicx.example.com/webhooks/voice/gather?tenant=a&amp;x=1" ' +
          'method="POST" speechTimeout="auto" language="en-US"/></Response>',
      ],
    ]);
  });

  test('refused before any request: not a CallSid, media, a reply too long for inline TwiML', async () => {
    const notACall = await sendFailure(voice, outboundMessage('voice', '+15005550006', { type: 'text', text: 'Hi' }));
    expect(notACall).toMatchObject({ retryable: false, providerCode: 'INVALID_RECIPIENT' });
    const media = await sendFailure(
      voice,
      outboundMessage('voice', CALL_SID, { type: 'media', mediaKind: 'audio', url: 'https://x.test/a.mp3' }),
    );
    expect(media).toMatchObject({ retryable: false, providerCode: 'UNSUPPORTED_CONTENT' });
    const long = await sendFailure(
      voice,
      outboundMessage('voice', CALL_SID, { type: 'text', text: 'a'.repeat(TWIML_MAX_LENGTH) }),
    );
    expect(long).toMatchObject({ retryable: false, providerCode: 'TWIML_TOO_LONG' });
    expect(server.requests).toHaveLength(0);
  });

  test('21220 (call no longer in progress) is permanent; 429 and 500 are retryable', async () => {
    const text = () => outboundMessage('voice', CALL_SID, { type: 'text', text: 'Hi' });
    server.handle(callsApi(() => twilioError(400, 21220, 'Call is not in-progress. Cannot redirect.')));
    expect(await sendFailure(voice, text())).toMatchObject({ retryable: false, providerCode: '21220' });
    server.handle(
      callsApi(() => ({ ...twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': '1' } })),
    );
    expect(await sendFailure(voice, text())).toMatchObject({ retryable: true, retryAfterMs: 1000 });
    server.handle(callsApi(() => twilioError(500, 20500, 'Internal Server Error')));
    expect(await sendFailure(voice, text())).toMatchObject({ retryable: true });
  });

  test('connection refused and a silent server are retryable', async () => {
    const text = () => outboundMessage('voice', CALL_SID, { type: 'text', text: 'Hi' });
    const offline = createTwilioVoiceAdapter(config({ baseUrl: await closedPortUrl() }), fetchClient());
    expect(await sendFailure(offline, text())).toMatchObject({ retryable: true, providerCode: 'NETWORK_ERROR' });
    server.handle(() => 'hang');
    const slow = createTwilioVoiceAdapter(config(), fetchClient(300));
    expect(await sendFailure(slow, text())).toMatchObject({ retryable: true, providerCode: 'TIMEOUT' });
  });
});
