// Twilio Messages adapter against a local stand-in of the 2010-04-01 REST API: form parameters and Basic auth, the
// 1600-character Body split, SMS segment details, WhatsApp through Twilio, and retryable vs permanent failures.
import {
  createTwilioSmsAdapter,
  TWILIO_BODY_LIMIT,
  type OutboundAdapter,
  type TwilioSmsConfig,
} from '../../../src/transport/outbound/index.js';
import { numberedSentences, outboundMessage, sendFailure } from './fixtures.js';
import {
  closedPortUrl,
  fetchClient,
  startProviderServer,
  type Handler,
  type ProviderServer,
  type RecordedRequest,
} from './provider-server.js';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token';
const FROM = '+15005550006';
const CUSTOMER = '+447700900123';
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const STATUS_CALLBACK = 'https://omnicx.example.com/webhooks/twilio/status';

function twilioError(status: number, code: number, message: string) {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function form(request: RecordedRequest | undefined): Array<[string, string]> {
  if (request === undefined) throw new Error('no request recorded');
  return [...new URLSearchParams(request.body)];
}

/** The Messages resource as Twilio validates a create: path, Basic auth, form encoding, To/From/Body rules. */
function messagesApi(onValid: (params: URLSearchParams, index: number) => ReturnType<Handler>): Handler {
  let count = 0;
  return (request) => {
    if (request.method !== 'POST' || request.path !== `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`) {
      return twilioError(404, 20404, `The requested resource ${request.path} was not found`);
    }
    const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return twilioError(401, 20003, 'Authenticate');
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      return twilioError(400, 20001, 'Unsupported content type');
    }
    const params = new URLSearchParams(request.body);
    if (!params.get('To')) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!params.get('From') && !params.get('MessagingServiceSid')) {
      return twilioError(400, 21603, "A 'From' phone number is required.");
    }
    if (!params.get('Body') && !params.get('MediaUrl')) return twilioError(400, 21602, 'Message body is required.');
    if ((params.get('Body') ?? '').length > 1600) {
      return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    return onValid(params, count++);
  };
}

const accepting = (): Handler =>
  messagesApi((params, index) => ({
    status: 201,
    body: {
      account_sid: ACCOUNT_SID,
      api_version: '2010-04-01',
      body: params.get('Body') ?? '',
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: params.get('From'),
      messaging_service_sid: params.get('MessagingServiceSid'),
      num_media: params.get('MediaUrl') ? '1' : '0',
      num_segments: '1',
      sid: `SM${String(index).padStart(32, '0')}`,
      status: 'queued',
      to: params.get('To'),
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${String(index).padStart(32, '0')}.json`,
    },
  }));

describe('Twilio Messages adapter', () => {
  let server: ProviderServer;
  const config = (overrides: Partial<TwilioSmsConfig> = {}): TwilioSmsConfig => ({
    baseUrl: server.baseUrl,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    from: FROM,
    statusCallback: STATUS_CALLBACK,
    ...overrides,
  });
  let sms: OutboundAdapter;

  beforeAll(async () => {
    server = await startProviderServer(accepting());
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.handle(accepting());
    sms = createTwilioSmsAdapter(config(), fetchClient(), () => NOW);
  });

  test('text: To, From, Body, StatusCallback as a form with Basic auth; sid and segment details', async () => {
    const result = await sms.send(outboundMessage('sms', CUSTOMER, { type: 'text', text: 'Your code is 1234' }));
    expect(sms.channel).toBe('sms');
    expect(result).toEqual({
      providerMessageIds: ['SM00000000000000000000000000000000'],
      details: { parts: 1, encoding: 'GSM-7', segments: 1, characters: 17 },
    });
    expect(form(server.requests[0])).toEqual([
      ['To', CUSTOMER],
      ['From', FROM],
      ['Body', 'Your code is 1234'],
      ['StatusCallback', STATUS_CALLBACK],
    ]);
  });

  test('a Messaging Service replaces From', async () => {
    const viaService = createTwilioSmsAdapter(
      config({ from: undefined, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef', statusCallback: undefined }),
      fetchClient(),
    );
    await viaService.send(outboundMessage('sms', CUSTOMER, { type: 'text', text: 'Hi' }));
    expect(form(server.requests[0])).toEqual([
      ['To', CUSTOMER],
      ['MessagingServiceSid', 'MG0123456789abcdef0123456789abcdef'],
      ['Body', 'Hi'],
    ]);
    expect(() => createTwilioSmsAdapter(config({ from: undefined }), fetchClient())).toThrow(
      /from or messagingServiceSid/,
    );
  });

  test('segment details: 161 GSM-7 characters are 2 segments; an emoji makes it UCS-2', async () => {
    const gsm = await sms.send(outboundMessage('sms', CUSTOMER, { type: 'text', text: 'a'.repeat(161) }));
    expect(gsm.details).toEqual({ parts: 1, encoding: 'GSM-7', segments: 2, characters: 161 });
    const ucs2 = await sms.send(
      outboundMessage('sms', CUSTOMER, { type: 'text', text: `Thanks! 😀${' ok'.repeat(20)}` }),
    );
    expect(ucs2.details).toEqual({ parts: 1, encoding: 'UCS-2', segments: 1, characters: 69 });
  });

  test('a text over 1600 characters goes as several messages in order, each within the Body limit', async () => {
    const text = numberedSentences(60);
    const result = await sms.send(outboundMessage('sms', CUSTOMER, { type: 'text', text }));
    const bodies = server.requests.map((r) => new URLSearchParams(r.body).get('Body') ?? '');
    expect(bodies.length).toBe(Math.ceil(text.length / TWILIO_BODY_LIMIT));
    expect(result.providerMessageIds).toHaveLength(bodies.length);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(TWILIO_BODY_LIMIT);
    expect(bodies.join(' ')).toBe(text);
    expect(bodies[0]?.startsWith('Sentence number 1 ')).toBe(true);
    expect(bodies.at(-1)?.endsWith('Sentence number 60 explains one more detail of the answer.')).toBe(true);
    const segments = bodies.reduce((sum, body) => sum + Math.ceil(body.length / 153), 0);
    expect(result.details).toMatchObject({
      parts: bodies.length,
      encoding: 'GSM-7',
      segments,
      characters: text.length - 2,
    });
  });

  test('media: MediaUrl with the caption as Body', async () => {
    await sms.send(
      outboundMessage('sms', CUSTOMER, {
        type: 'media',
        mediaKind: 'image',
        url: 'https://cdn.example.com/map.png',
        caption: 'Our store',
      }),
    );
    expect(form(server.requests[0])).toEqual([
      ['To', CUSTOMER],
      ['From', FROM],
      ['Body', 'Our store'],
      ['MediaUrl', 'https://cdn.example.com/map.png'],
      ['StatusCallback', STATUS_CALLBACK],
    ]);
  });

  test('a template cannot go over SMS: refused before any request', async () => {
    const error = await sendFailure(
      sms,
      outboundMessage('sms', CUSTOMER, { type: 'template', name: 'x', language: 'en', parameters: [] }),
    );
    expect(error).toMatchObject({ retryable: false, providerCode: 'UNSUPPORTED_CONTENT' });
    expect(server.requests).toHaveLength(0);
  });

  describe('WhatsApp through Twilio', () => {
    let whatsapp: OutboundAdapter;
    beforeEach(() => {
      whatsapp = createTwilioSmsAdapter(
        config({ whatsapp: true, statusCallback: undefined }),
        fetchClient(),
        () => NOW,
      );
    });

    test('addresses get the whatsapp: prefix; no SMS segment details', async () => {
      const result = await whatsapp.send(
        outboundMessage('whatsapp', CUSTOMER, { type: 'text', text: 'Hola' }, { lastCustomerMessageAt: NOW - 60_000 }),
      );
      expect(whatsapp.channel).toBe('whatsapp');
      expect(form(server.requests[0])).toEqual([
        ['To', `whatsapp:${CUSTOMER}`],
        ['From', `whatsapp:${FROM}`],
        ['Body', 'Hola'],
      ]);
      expect(result.details).toEqual({ parts: 1 });
    });

    test('outside the 24-hour window nothing is sent', async () => {
      const error = await sendFailure(
        whatsapp,
        outboundMessage(
          'whatsapp',
          CUSTOMER,
          { type: 'text', text: 'Hola' },
          { lastCustomerMessageAt: NOW - 25 * 3_600_000 },
        ),
      );
      expect(error).toMatchObject({ retryable: false, providerCode: 'WINDOW_CLOSED' });
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('failure classification', () => {
    const text = () => outboundMessage('sms', CUSTOMER, { type: 'text', text: 'Hi' });

    test('21211 invalid To is permanent', async () => {
      server.handle(messagesApi(() => twilioError(400, 21211, "Invalid 'To' Phone Number: +1555")));
      const error = await sendFailure(sms, text());
      expect(error).toMatchObject({ retryable: false, providerCode: '21211' });
      expect(error.message).toContain('https://www.twilio.com/docs/errors/21211');
    });

    test('wrong credentials are permanent (20003)', async () => {
      const wrong = createTwilioSmsAdapter(config({ authToken: 'wrong' }), fetchClient());
      expect(await sendFailure(wrong, text())).toMatchObject({ retryable: false, providerCode: '20003' });
    });

    test('429 honours Retry-After in seconds and as an HTTP date', async () => {
      server.handle(
        messagesApi(() => ({ ...twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': '3' } })),
      );
      expect(await sendFailure(sms, text())).toMatchObject({
        retryable: true,
        providerCode: '20429',
        retryAfterMs: 3000,
      });
      const date = new Date(NOW + 90_000).toUTCString();
      server.handle(
        messagesApi(() => ({ ...twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': date } })),
      );
      expect(await sendFailure(sms, text())).toMatchObject({ retryable: true, retryAfterMs: 90_000 });
    });

    test('500 and 503 are retryable', async () => {
      server.handle(messagesApi(() => twilioError(500, 20500, 'Internal Server Error')));
      expect(await sendFailure(sms, text())).toMatchObject({ retryable: true, providerCode: '20500' });
      server.handle(() => ({ status: 503, body: 'Service Unavailable' }));
      expect(await sendFailure(sms, text())).toMatchObject({ retryable: true, providerCode: 'HTTP_503' });
    });

    test('connection refused and a silent server are retryable', async () => {
      const offline = createTwilioSmsAdapter(config({ baseUrl: await closedPortUrl() }), fetchClient());
      expect(await sendFailure(offline, text())).toMatchObject({ retryable: true, providerCode: 'NETWORK_ERROR' });
      server.handle(() => 'hang');
      const slow = createTwilioSmsAdapter(config(), fetchClient(300));
      expect(await sendFailure(slow, text())).toMatchObject({ retryable: true, providerCode: 'TIMEOUT' });
    });
  });
});
