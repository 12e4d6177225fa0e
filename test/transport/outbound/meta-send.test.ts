// Messenger / Instagram Send API adapter against a local Graph API stand-in: access_token query parameter, the
// documented body, Messenger's 2000-character and Instagram's 1000-byte text limits, attachments, and failures.
import { Buffer } from 'node:buffer';
import {
  createMetaSendAdapter,
  type MetaChannel,
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
} from './provider-server.js';

const PAGE_TOKEN = 'EAAPage|token+/=';
const PSID = '1254477777772919';

function graphError(status: number, code: number, message: string, subcode?: number) {
  const error = {
    message,
    type: 'OAuthException',
    code,
    ...(subcode ? { error_subcode: subcode } : {}),
    fbtrace_id: 'Fb1',
  };
  return { status, body: { error } };
}

interface SendBody {
  recipient?: { id?: string };
  messaging_type?: string;
  message?: { text?: string; attachment?: { type: string; payload: { url: string } } };
}

/** The Send API as Graph validates it: path, page token in the query, JSON, recipient, messaging_type, text length. */
function sendApi(channel: MetaChannel, onValid?: (index: number) => ReturnType<Handler>): Handler {
  let count = 0;
  return (request) => {
    if (request.method !== 'POST' || request.path !== '/v21.0/me/messages') {
      return graphError(400, 2500, `Unknown path components: ${request.path}`);
    }
    if (request.query.get('access_token') !== PAGE_TOKEN) return graphError(400, 190, 'Invalid OAuth access token.');
    if (request.headers['content-type'] !== 'application/json') return graphError(400, 100, '(#100) Invalid parameter');
    const body = jsonBody(request) as SendBody;
    if (!body.recipient?.id) return graphError(400, 100, '(#100) The parameter recipient is required');
    if (body.messaging_type !== 'RESPONSE') return graphError(400, 100, '(#100) Invalid messaging_type');
    const text = body.message?.text;
    if (text !== undefined) {
      const size = channel === 'instagram' ? Buffer.byteLength(text, 'utf8') : text.length;
      if (size > (channel === 'instagram' ? 1000 : 2000)) {
        return graphError(400, 100, '(#100) Length of param message[text] must be less than or equal to 2000');
      }
    }
    const index = count++;
    return (
      onValid?.(index) ?? {
        status: 200,
        body: { recipient_id: body.recipient.id, message_id: `m_AG5Hz2Uq7tuwNEhX${index}` },
      }
    );
  };
}

describe('Meta Send API adapter', () => {
  let server: ProviderServer;
  const adapterFor = (channel: MetaChannel, baseUrl = server.baseUrl, timeoutMs?: number): OutboundAdapter =>
    createMetaSendAdapter(
      { channel, baseUrl, apiVersion: 'v21.0', pageAccessToken: PAGE_TOKEN },
      fetchClient(timeoutMs),
    );

  beforeAll(async () => {
    server = await startProviderServer(sendApi('messenger'));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.handle(sendApi('messenger'));
  });

  test('Messenger text: token as access_token, the documented body, message_id parsed', async () => {
    const messenger = adapterFor('messenger');
    const result = await messenger.send(outboundMessage('messenger', PSID, { type: 'text', text: 'hello, world' }));
    expect(messenger.channel).toBe('messenger');
    expect(result.providerMessageIds).toEqual(['m_AG5Hz2Uq7tuwNEhX0']);
    expect(server.requests[0]?.url).toBe(`/v21.0/me/messages?access_token=${encodeURIComponent(PAGE_TOKEN)}`);
    expect(jsonBody(server.requests[0])).toEqual({
      recipient: { id: PSID },
      messaging_type: 'RESPONSE',
      message: { text: 'hello, world' },
    });
  });

  test('Messenger splits at 2000 characters, in order', async () => {
    const text = numberedSentences(80);
    const result = await adapterFor('messenger').send(outboundMessage('messenger', PSID, { type: 'text', text }));
    const texts = server.requests.map((r) => (jsonBody(r) as SendBody).message?.text ?? '');
    expect(texts.length).toBe(3);
    expect(result.providerMessageIds).toEqual(['m_AG5Hz2Uq7tuwNEhX0', 'm_AG5Hz2Uq7tuwNEhX1', 'm_AG5Hz2Uq7tuwNEhX2']);
    for (const part of texts) expect(part.length).toBeLessThanOrEqual(2000);
    expect(texts.join(' ')).toBe(text);
  });

  test('Instagram counts its limit in UTF-8 bytes (1000): Cyrillic text under 2000 characters still splits', async () => {
    server.handle(sendApi('instagram'));
    const instagram = adapterFor('instagram');
    const text = Array.from({ length: 60 }, (_, i) => `Привет, это предложение ${i + 1}.`).join(' ');
    expect(text.length).toBeLessThan(2000);
    await instagram.send(outboundMessage('instagram', PSID, { type: 'text', text }));
    const texts = server.requests.map((r) => (jsonBody(r) as SendBody).message?.text ?? '');
    expect(texts.length).toBeGreaterThan(1);
    for (const part of texts) expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(1000);
    expect(texts.join(' ')).toBe(text);
  });

  test('attachments go by URL (document as file); the caption follows as text', async () => {
    const messenger = adapterFor('messenger');
    const result = await messenger.send(
      outboundMessage('messenger', PSID, {
        type: 'media',
        mediaKind: 'document',
        url: 'https://cdn.example.com/receipt.pdf',
        caption: 'Your receipt',
      }),
    );
    expect(result.providerMessageIds).toHaveLength(2);
    expect(server.requests.map((r) => (jsonBody(r) as SendBody).message)).toEqual([
      { attachment: { type: 'file', payload: { url: 'https://cdn.example.com/receipt.pdf' } } },
      { text: 'Your receipt' },
    ]);
  });

  test('a template is not a Send API message: refused before any request', async () => {
    const error = await sendFailure(
      adapterFor('messenger'),
      outboundMessage('messenger', PSID, { type: 'template', name: 't', language: 'en', parameters: [] }),
    );
    expect(error).toMatchObject({ retryable: false, providerCode: 'UNSUPPORTED_CONTENT' });
    expect(server.requests).toHaveLength(0);
  });

  describe('failure classification', () => {
    const text = () => outboundMessage('messenger', PSID, { type: 'text', text: 'Hi' });

    test('outside the messaging window (code 10, subcode 2018278) is permanent', async () => {
      server.handle(
        sendApi('messenger', () =>
          graphError(400, 10, '(#10) This message is sent outside of allowed window.', 2018278),
        ),
      );
      const error = await sendFailure(adapterFor('messenger'), text());
      expect(error).toMatchObject({ retryable: false, providerCode: '10' });
      expect(error.message).toContain('subcode 2018278');
    });

    test('a bad page token is permanent (190)', async () => {
      const wrong = createMetaSendAdapter(
        { channel: 'messenger', baseUrl: server.baseUrl, apiVersion: 'v21.0', pageAccessToken: 'expired' },
        fetchClient(),
      );
      expect(await sendFailure(wrong, text())).toMatchObject({ retryable: false, providerCode: '190' });
    });

    test.each([
      [613, 'Calls to this api have exceeded the rate limit.'],
      [1200, 'Temporary send message failure. Please try again later'],
    ])('code %i is retryable', async (code, message) => {
      server.handle(sendApi('messenger', () => graphError(400, code, message)));
      expect(await sendFailure(adapterFor('messenger'), text())).toMatchObject({
        retryable: true,
        providerCode: String(code),
      });
    });

    test('429 with Retry-After and 500 are retryable', async () => {
      server.handle(
        sendApi('messenger', () => ({
          ...graphError(429, 4, 'Application request limit reached'),
          headers: { 'retry-after': '2' },
        })),
      );
      expect(await sendFailure(adapterFor('messenger'), text())).toMatchObject({ retryable: true, retryAfterMs: 2000 });
      server.handle(sendApi('messenger', () => graphError(500, 2, 'An unexpected error has occurred.')));
      expect(await sendFailure(adapterFor('messenger'), text())).toMatchObject({ retryable: true });
    });

    test('connection refused and a silent server are retryable', async () => {
      expect(await sendFailure(adapterFor('messenger', await closedPortUrl()), text())).toMatchObject({
        retryable: true,
        providerCode: 'NETWORK_ERROR',
      });
      server.handle(() => 'hang');
      expect(await sendFailure(adapterFor('messenger', server.baseUrl, 300), text())).toMatchObject({
        retryable: true,
        providerCode: 'TIMEOUT',
      });
    });
  });
});
