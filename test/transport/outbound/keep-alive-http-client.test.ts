// The production HttpClient against real local servers: answers with status, headers and body; reuses its
// connection; a provider that never answers is a retryable TIMEOUT, a refused connection a retryable NETWORK_ERROR.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callProvider, DeliveryError, keepAliveHttpClient } from '../../../src/transport/outbound/index.js';

let server: Server;
let base: string;
const sockets = new Set<unknown>();
beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    if (req.url === '/hang') return; // never answers
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('posts the body with its headers and reads status, headers and JSON; keeps the connection', async () => {
  const http = keepAliveHttpClient({ timeoutMs: 2_000 });
  for (let i = 0; i < 3; i++) {
    const res = await callProvider(http, 'test', `${base}/send`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ n: i, text: 'héllo' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('Retry-After')).toBe('7');
    expect(res.json).toEqual({ method: 'POST', body: JSON.stringify({ n: i, text: 'héllo' }), auth: 'Bearer t' });
  }
  expect(sockets.size).toBe(1);
});

test('no answer within the timeout is a retryable TIMEOUT; a refused connection a retryable NETWORK_ERROR', async () => {
  const http = keepAliveHttpClient({ timeoutMs: 200 });
  const hung = await callProvider(http, 'test', `${base}/hang`, { method: 'POST', headers: {}, body: '{}' }).catch(
    (e: unknown) => e,
  );
  expect(hung).toBeInstanceOf(DeliveryError);
  expect(hung).toMatchObject({ retryable: true, providerCode: 'TIMEOUT' });
  const refused = await callProvider(http, 'test', 'http://127.0.0.1:1/x', { method: 'GET', headers: {} }).catch(
    (e: unknown) => e,
  );
  expect(refused).toMatchObject({ retryable: true, providerCode: 'NETWORK_ERROR' });
});
