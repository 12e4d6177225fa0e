// A local server speaking the providers' send APIs, so benchmarks measure the outbox against something that answers
// the way the real clouds do (no third-party cloud is reachable from these machines):
//   Twilio    POST /2010-04-01/Accounts/{sid}/Messages.json            → 201 {sid, status}
//   WhatsApp  POST /{version}/{phone-number-id}/messages                → 200 {messaging_product, messages: [{id}]}
//   Meta      POST /{version}/me/messages?access_token=…                → 200 {recipient_id, message_id}
//   Telegram  POST /bot{token}/sendMessage (and sendPhoto, …)          → 200 {ok: true, result: {message_id, chat}}
// GET /count answers how many messages it accepted, GET /counts the same per provider (JSON).
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9002);
const counts = { twilio: 0, whatsapp: 0, meta: 0, telegram: 0 };
let accepted = 0;

type Provider = keyof typeof counts;

function route(method: string, url: string): Provider | undefined {
  if (method !== 'POST') return undefined;
  const pathname = url.split('?')[0] ?? '';
  if (/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(pathname)) return 'twilio';
  if (/^\/v[\d.]+\/me\/messages$/.test(pathname)) return 'meta';
  if (/^\/v[\d.]+\/[^/]+\/messages$/.test(pathname)) return 'whatsapp';
  if (/^\/bot[^/]+\/send[A-Za-z]+$/.test(pathname)) return 'telegram';
  return undefined;
}

function answer(provider: Provider, n: number, body: string): { status: number; json: unknown } {
  switch (provider) {
    case 'twilio':
      return { status: 201, json: { sid: `SM${n.toString(16).padStart(32, '0')}`, status: 'queued' } };
    case 'whatsapp': {
      const to = /"to"\s*:\s*"([^"]+)"/.exec(body)?.[1] ?? '';
      return {
        status: 200,
        json: {
          messaging_product: 'whatsapp',
          contacts: [{ input: to, wa_id: to.replace(/\D/g, '') }],
          messages: [{ id: `wamid.bench${n}` }],
        },
      };
    }
    case 'meta': {
      const recipient = /"recipient"\s*:\s*\{\s*"id"\s*:\s*"([^"]+)"/.exec(body)?.[1] ?? '';
      return { status: 200, json: { recipient_id: recipient, message_id: `m_bench${n}` } };
    }
    case 'telegram': {
      const chat = /"chat_id"\s*:\s*"?(-?\d+)/.exec(body)?.[1] ?? '0';
      return {
        status: 200,
        json: { ok: true, result: { message_id: n, date: Math.floor(Date.now() / 1000), chat: { id: Number(chat) } } },
      };
    }
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.end('ok');
  if (req.method === 'GET' && req.url === '/count') return void res.end(String(accepted));
  if (req.method === 'GET' && req.url === '/counts') return void res.end(JSON.stringify(counts));
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const provider = route(req.method ?? '', req.url ?? '');
    if (provider === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such API"}');
      return;
    }
    accepted++;
    counts[provider]++;
    const { status, json } = answer(provider, accepted, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
