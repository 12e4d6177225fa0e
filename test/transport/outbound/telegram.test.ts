// Telegram Bot API adapter against a local Bot API stand-in: sendMessage / sendPhoto / sendDocument with the token in
// the path, the 4096-character split, replies, `${chat_id}:${message_id}` ids, and {ok:false} failures.
import {
  createTelegramAdapter,
  TELEGRAM_TEXT_LIMIT,
  telegramReplyTarget,
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

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const CHAT_ID = '987654321';
const METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendVideo', 'sendAudio']);

function failure(errorCode: number, description: string, parameters?: Record<string, number>) {
  return {
    status: errorCode,
    body: { ok: false, error_code: errorCode, description, ...(parameters ? { parameters } : {}) },
  };
}

interface BotParams {
  chat_id?: string;
  text?: string;
  photo?: string;
  document?: string;
  caption?: string;
}

/** The Bot API as it checks a call: /bot<token>/<method>, JSON, chat_id and the method's required field. */
function botApi(onValid?: (method: string, params: BotParams, index: number) => ReturnType<Handler>): Handler {
  let messageId = 100;
  let count = 0;
  return (request) => {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(request.path);
    if (request.method !== 'POST' || !match) return failure(404, 'Not Found');
    if (match[1] !== TOKEN) return failure(401, 'Unauthorized');
    const method = match[2] ?? '';
    if (!METHODS.has(method)) return failure(404, 'Not Found: method not found');
    if (request.headers['content-type'] !== 'application/json')
      return failure(400, 'Bad Request: message text is empty');
    const params = jsonBody(request) as BotParams;
    if (!params.chat_id) return failure(400, 'Bad Request: chat_id is empty');
    if (method === 'sendMessage' && !params.text) return failure(400, 'Bad Request: message text is empty');
    if ((params.text?.length ?? 0) > 4096) return failure(400, 'Bad Request: message is too long');
    const index = count++;
    return (
      onValid?.(method, params, index) ?? {
        status: 200,
        body: {
          ok: true,
          result: {
            message_id: messageId++,
            from: { id: 123456789, is_bot: true, first_name: 'OmniCX', username: 'omnicx_bot' },
            chat: { id: Number(params.chat_id), first_name: 'Ada', type: 'private' },
            date: 1736942400,
            ...(params.text ? { text: params.text } : {}),
          },
        },
      }
    );
  };
}

describe('Telegram Bot API adapter', () => {
  let server: ProviderServer;
  let telegram: OutboundAdapter;

  beforeAll(async () => {
    server = await startProviderServer(botApi());
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.handle(botApi());
    telegram = createTelegramAdapter({ baseUrl: server.baseUrl, botToken: TOKEN }, fetchClient());
  });

  test('sendMessage with chat_id and text; provider id is chat_id:message_id', async () => {
    const result = await telegram.send(outboundMessage('telegram', CHAT_ID, { type: 'text', text: 'Hello Ada' }));
    expect(result.providerMessageIds).toEqual([`${CHAT_ID}:100`]);
    expect(server.requests[0]?.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(jsonBody(server.requests[0])).toEqual({ chat_id: CHAT_ID, text: 'Hello Ada' });
  });

  test('a reply quotes the customer message (our id form or a bare id) on the first part only', async () => {
    expect(telegramReplyTarget(`${CHAT_ID}:42`)).toBe(42);
    expect(telegramReplyTarget('42')).toBe(42);
    expect(telegramReplyTarget('wamid.X')).toBeUndefined();
    const text = numberedSentences(100);
    await telegram.send(
      outboundMessage('telegram', CHAT_ID, { type: 'text', text }, { replyToProviderMessageId: `${CHAT_ID}:42` }),
    );
    const bodies = server.requests.map((r) => jsonBody(r) as BotParams & { reply_parameters?: unknown });
    expect(bodies.length).toBe(2);
    expect(bodies[0]?.reply_parameters).toEqual({ message_id: 42, allow_sending_without_reply: true });
    expect(bodies[1]).not.toHaveProperty('reply_parameters');
    for (const body of bodies) expect(body.text?.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(bodies.map((b) => b.text).join(' ')).toBe(text);
  });

  test('photo and document by URL with caption; a caption over 1024 characters follows as text', async () => {
    await telegram.send(
      outboundMessage('telegram', CHAT_ID, {
        type: 'media',
        mediaKind: 'image',
        url: 'https://cdn.example.com/p.jpg',
        caption: 'Here it is',
      }),
    );
    const longCaption = numberedSentences(20);
    const result = await telegram.send(
      outboundMessage('telegram', CHAT_ID, {
        type: 'media',
        mediaKind: 'document',
        url: 'https://cdn.example.com/i.pdf',
        caption: longCaption,
      }),
    );
    expect(server.requests.map((r) => r.path.split('/').at(-1))).toEqual(['sendPhoto', 'sendDocument', 'sendMessage']);
    expect(jsonBody(server.requests[0])).toEqual({
      chat_id: CHAT_ID,
      photo: 'https://cdn.example.com/p.jpg',
      caption: 'Here it is',
    });
    expect(jsonBody(server.requests[1])).toEqual({ chat_id: CHAT_ID, document: 'https://cdn.example.com/i.pdf' });
    expect(jsonBody(server.requests[2])).toEqual({ chat_id: CHAT_ID, text: longCaption });
    expect(result.providerMessageIds).toEqual([`${CHAT_ID}:101`, `${CHAT_ID}:102`]);
  });

  describe('failure classification', () => {
    const text = () => outboundMessage('telegram', CHAT_ID, { type: 'text', text: 'Hi' });

    test('429 with parameters.retry_after is retryable after that delay', async () => {
      server.handle(botApi(() => failure(429, 'Too Many Requests: retry after 5', { retry_after: 5 })));
      expect(await sendFailure(telegram, text())).toMatchObject({
        retryable: true,
        providerCode: '429',
        retryAfterMs: 5000,
      });
    });

    test('400 chat not found and 403 blocked by the user are permanent', async () => {
      server.handle(botApi(() => failure(400, 'Bad Request: chat not found')));
      expect(await sendFailure(telegram, text())).toMatchObject({ retryable: false, providerCode: '400' });
      server.handle(botApi(() => failure(403, 'Forbidden: bot was blocked by the user')));
      const blocked = await sendFailure(telegram, text());
      expect(blocked).toMatchObject({ retryable: false, providerCode: '403' });
      expect(blocked.message).toContain('bot was blocked by the user');
    });

    test('a wrong token is permanent and is not echoed into the error', async () => {
      const wrong = createTelegramAdapter({ baseUrl: server.baseUrl, botToken: '1:secret-token' }, fetchClient());
      const error = await sendFailure(wrong, text());
      expect(error).toMatchObject({ retryable: false, providerCode: '401' });
      expect(error.message).not.toContain('secret-token');
    });

    test('a migrated group is permanent and names the new chat', async () => {
      server.handle(
        botApi(() =>
          failure(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -1001234 }),
        ),
      );
      const error = await sendFailure(telegram, text());
      expect(error).toMatchObject({ retryable: false });
      expect(error.message).toContain('-1001234');
    });

    test('502 from the Bot API front end is retryable', async () => {
      server.handle(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
      expect(await sendFailure(telegram, text())).toMatchObject({ retryable: true, providerCode: '502' });
    });

    test('connection refused and a silent server are retryable', async () => {
      const offline = createTelegramAdapter({ baseUrl: await closedPortUrl(), botToken: TOKEN }, fetchClient());
      const refused = await sendFailure(offline, text());
      expect(refused).toMatchObject({ retryable: true, providerCode: 'NETWORK_ERROR' });
      expect(refused.message).not.toContain(TOKEN);
      server.handle(() => 'hang');
      const slow = createTelegramAdapter({ baseUrl: server.baseUrl, botToken: TOKEN }, fetchClient(300));
      expect(await sendFailure(slow, text())).toMatchObject({ retryable: true, providerCode: 'TIMEOUT' });
    });
  });
});
