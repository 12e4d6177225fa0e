// WhatsApp Cloud API adapter against a local Graph API stand-in: request shape for every content type, long-text
// splitting, the 24-hour window (refused before any request), and retryable vs permanent failures.
import {
  createWhatsAppAdapter,
  WHATSAPP_TEXT_LIMIT,
  type OutboundAdapter,
} from '../../../src/transport/outbound/index.js';
import { numberedSentences, outboundMessage, sendFailure } from './fixtures.js';
import {
  closedPortUrl,
  fetchClient,
  jsonBody,
  startProviderServer,
  type Handler,
  type ProviderServer,
  type RecordedRequest,
} from './provider-server.js';

const TOKEN = 'EAAG-test-token';
const PHONE_NUMBER_ID = '106540352242922';
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;
const CUSTOMER = '+16505551234';

function graphError(status: number, code: number, message: string, extra: Record<string, unknown> = {}) {
  return { status, body: { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: 'AbCdEfGh123' } } };
}

/** The Cloud API as it checks a send: path, bearer token, JSON content type, messaging_product. */
function cloudApi(onValid: (request: RecordedRequest, index: number) => ReturnType<Handler>): Handler {
  let count = 0;
  return (request) => {
    if (request.method !== 'POST' || request.path !== `/v21.0/${PHONE_NUMBER_ID}/messages`) {
      return graphError(400, 2500, `Unknown path components: ${request.path}`);
    }
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    }
    if (!request.headers['content-type']?.startsWith('application/json')) {
      return graphError(400, 100, '(#100) Invalid parameter');
    }
    const body = jsonBody(request) as { messaging_product?: string; to?: string };
    if (body.messaging_product !== 'whatsapp') {
      return graphError(400, 100, '(#100) The parameter messaging_product is required.');
    }
    return onValid(request, count++);
  };
}

const accepting = (): Handler =>
  cloudApi((request, index) => {
    const to = (jsonBody(request) as { to: string }).to;
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: to, wa_id: to.replace(/\D/g, '') }],
        messages: [{ id: `wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI${index}` }],
      },
    };
  });

describe('WhatsApp Cloud API adapter', () => {
  let server: ProviderServer;
  let adapter: OutboundAdapter;
  const inWindow = { lastCustomerMessageAt: NOW - HOUR };

  beforeAll(async () => {
    server = await startProviderServer(accepting());
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.handle(accepting());
    adapter = createWhatsAppAdapter(
      { baseUrl: server.baseUrl, apiVersion: 'v21.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN },
      fetchClient(),
      () => NOW,
    );
  });

  test('text: the documented body with preview_url false, reply context, wamid parsed', async () => {
    const message = outboundMessage(
      'whatsapp',
      CUSTOMER,
      { type: 'text', text: 'Your order ships today.' },
      {
        ...inWindow,
        replyToProviderMessageId: 'wamid.CUSTOMER1',
      },
    );
    const result = await adapter.send(message);

    expect(result.providerMessageIds).toEqual(['wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0']);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(jsonBody(server.requests[0])).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'Your order ships today.', preview_url: false },
      context: { message_id: 'wamid.CUSTOMER1' },
    });
  });

  test('template: name, language code and body parameters; allowed outside the window', async () => {
    const message = outboundMessage('whatsapp', CUSTOMER, {
      type: 'template',
      name: 'order_update',
      language: 'en_US',
      parameters: ['Ada', '#1234'],
    });
    const result = await adapter.send(message);

    expect(result.providerMessageIds).toHaveLength(1);
    expect(jsonBody(server.requests[0])).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: CUSTOMER,
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ada' },
              { type: 'text', text: '#1234' },
            ],
          },
        ],
      },
    });
  });

  test('template without parameters has no components', async () => {
    await adapter.send(
      outboundMessage('whatsapp', CUSTOMER, {
        type: 'template',
        name: 'hello_world',
        language: 'en_US',
        parameters: [],
      }),
    );
    expect(jsonBody(server.requests[0])).toMatchObject({
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
    expect((jsonBody(server.requests[0]) as { template: object }).template).not.toHaveProperty('components');
  });

  test('media: image with caption, document with filename', async () => {
    await adapter.send(
      outboundMessage(
        'whatsapp',
        CUSTOMER,
        { type: 'media', mediaKind: 'image', url: 'https://cdn.example.com/a.jpg', caption: 'Your receipt' },
        inWindow,
      ),
    );
    await adapter.send(
      outboundMessage(
        'whatsapp',
        CUSTOMER,
        { type: 'media', mediaKind: 'document', url: 'https://cdn.example.com/i.pdf', fileName: 'invoice.pdf' },
        inWindow,
      ),
    );
    expect(jsonBody(server.requests[0])).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: CUSTOMER,
      type: 'image',
      image: { link: 'https://cdn.example.com/a.jpg', caption: 'Your receipt' },
    });
    expect(jsonBody(server.requests[1])).toMatchObject({
      type: 'document',
      document: { link: 'https://cdn.example.com/i.pdf', filename: 'invoice.pdf' },
    });
  });

  test('audio cannot carry a caption: the caption follows as a text message', async () => {
    const result = await adapter.send(
      outboundMessage(
        'whatsapp',
        CUSTOMER,
        { type: 'media', mediaKind: 'audio', url: 'https://cdn.example.com/a.ogg', caption: 'Listen to this' },
        inWindow,
      ),
    );
    expect(result.providerMessageIds).toHaveLength(2);
    expect(jsonBody(server.requests[0])).toMatchObject({
      type: 'audio',
      audio: { link: 'https://cdn.example.com/a.ogg' },
    });
    expect(jsonBody(server.requests[1])).toMatchObject({ type: 'text', text: { body: 'Listen to this' } });
  });

  test('a text over 4096 characters goes as several messages, in order, each within the limit', async () => {
    const text = [numberedSentences(40), numberedSentences(40), numberedSentences(40)].join('\n\n');
    expect(text.length).toBeGreaterThan(WHATSAPP_TEXT_LIMIT);
    const message = outboundMessage(
      'whatsapp',
      CUSTOMER,
      { type: 'text', text },
      {
        ...inWindow,
        replyToProviderMessageId: 'wamid.Q',
      },
    );
    const result = await adapter.send(message);

    const bodies = server.requests.map((r) => (jsonBody(r) as { text: { body: string } }).text.body);
    expect(bodies).toHaveLength(3);
    expect(result.providerMessageIds).toHaveLength(bodies.length);
    expect(result.details).toEqual({ parts: bodies.length });
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
    expect(bodies.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
    // Paragraph breaks are preferred: each paragraph (about 2350 characters) fits, so the parts are the paragraphs.
    expect(bodies[0]).toBe(numberedSentences(40));
    // Only the first part quotes the customer's message.
    expect(server.requests.map((r) => (jsonBody(r) as { context?: unknown }).context)).toEqual([
      { message_id: 'wamid.Q' },
      ...bodies.slice(1).map(() => undefined),
    ]);
  });

  describe('24-hour customer-service window', () => {
    test.each([
      ['never wrote', undefined],
      ['wrote 25 hours ago', NOW - 25 * HOUR],
      ['wrote exactly 24 hours ago', NOW - 24 * HOUR],
    ])('customer %s: text and media are refused, nothing is sent', async (_, lastCustomerMessageAt) => {
      for (const content of [
        { type: 'text', text: 'Hello again' } as const,
        { type: 'media', mediaKind: 'image', url: 'https://cdn.example.com/a.jpg' } as const,
      ]) {
        const error = await sendFailure(
          adapter,
          outboundMessage('whatsapp', CUSTOMER, content, { lastCustomerMessageAt }),
        );
        expect(error).toMatchObject({ retryable: false, providerCode: 'WINDOW_CLOSED' });
      }
      expect(server.requests).toHaveLength(0);
    });

    test('a customer message 23 hours ago keeps the window open', async () => {
      await adapter.send(
        outboundMessage(
          'whatsapp',
          CUSTOMER,
          { type: 'text', text: 'Still here' },
          { lastCustomerMessageAt: NOW - 23 * HOUR },
        ),
      );
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('failure classification', () => {
    const text = () => outboundMessage('whatsapp', CUSTOMER, { type: 'text', text: 'Hi' }, inWindow);

    test('400 invalid parameter is permanent, with the Graph code', async () => {
      server.handle(cloudApi(() => graphError(400, 100, '(#100) Invalid parameter')));
      const error = await sendFailure(adapter, text());
      expect(error).toMatchObject({ retryable: false, providerCode: '100' });
      expect(error.message).toContain('fbtrace_id AbCdEfGh123');
    });

    test('131047 re-engagement (window closed at Meta) is permanent', async () => {
      server.handle(
        cloudApi(() =>
          graphError(400, 131047, '(#131047) Re-engagement message', {
            error_data: {
              messaging_product: 'whatsapp',
              details: 'Message failed to send because more than 24 hours have passed since the customer last replied.',
            },
          }),
        ),
      );
      expect(await sendFailure(adapter, text())).toMatchObject({ retryable: false, providerCode: '131047' });
    });

    test.each([4, 80007, 130429, 131048, 131056])('rate-limit code %i is retryable even as HTTP 400', async (code) => {
      server.handle(cloudApi(() => graphError(400, code, `(#${code}) Rate limit hit`)));
      expect(await sendFailure(adapter, text())).toMatchObject({ retryable: true, providerCode: String(code) });
    });

    test('429 with Retry-After is retryable after that delay', async () => {
      server.handle(
        cloudApi(() => ({ ...graphError(429, 130429, '(#130429) Rate limit hit'), headers: { 'retry-after': '7' } })),
      );
      expect(await sendFailure(adapter, text())).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    });

    test('500 is retryable', async () => {
      server.handle(cloudApi(() => graphError(500, 131000, 'Something went wrong')));
      expect(await sendFailure(adapter, text())).toMatchObject({ retryable: true, providerCode: '131000' });
    });

    test('a wrong token is permanent (401, code 190)', async () => {
      const wrong = createWhatsAppAdapter(
        { baseUrl: server.baseUrl, apiVersion: 'v21.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: 'nope' },
        fetchClient(),
        () => NOW,
      );
      expect(await sendFailure(wrong, text())).toMatchObject({ retryable: false, providerCode: '190' });
    });

    test('connection refused is retryable', async () => {
      const offline = createWhatsAppAdapter(
        { baseUrl: await closedPortUrl(), apiVersion: 'v21.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN },
        fetchClient(),
        () => NOW,
      );
      const error = await sendFailure(offline, text());
      expect(error).toMatchObject({ retryable: true, providerCode: 'NETWORK_ERROR' });
      expect(error.message).toContain('ECONNREFUSED');
    });

    test('a server that never answers times out, retryable', async () => {
      server.handle(() => 'hang');
      const slow = createWhatsAppAdapter(
        { baseUrl: server.baseUrl, apiVersion: 'v21.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN },
        fetchClient(300),
        () => NOW,
      );
      expect(await sendFailure(slow, text())).toMatchObject({ retryable: true, providerCode: 'TIMEOUT' });
    });

    test('a failure after some parts names the parts already sent', async () => {
      const ok = accepting();
      server.handle(
        cloudApi((request, index) => (index === 0 ? ok(request) : graphError(503, 2, 'Service unavailable'))),
      );
      const long = outboundMessage('whatsapp', CUSTOMER, { type: 'text', text: numberedSentences(150) }, inWindow);
      const error = await sendFailure(adapter, long);
      expect(error).toMatchObject({ retryable: true, providerCode: '2' });
      expect(error.message).toMatch(/part 2 of \d+; already sent: wamid\./);
    });
  });
});
