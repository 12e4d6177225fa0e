// A local stand-in for a provider's HTTP API: a real node:http server on 127.0.0.1:0 that records every request and
// answers through a handler written in the provider's terms (its paths, auth, content types and JSON). Also the
// network failures the adapters must classify: a closed port and a server that never answers.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpClient } from '../../../src/transport/outbound/index.js';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A handler answers a request, or returns 'hang' to never answer (the client's timeout must fire). */
export type Handler = (request: RecordedRequest) => Reply | 'hang';

export interface ProviderServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replaces the handler (per test). */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startProviderServer(initial: Handler): Promise<ProviderServer> {
  let handler = initial;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const reply = handler(recorded);
      if (reply === 'hang') return;
      const body =
        reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
        ...reply.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL nothing listens on: a port that was just bound and released. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Global fetch as the adapters' HttpClient, with a per-request timeout as the delivery engine would set. */
export function fetchClient(timeoutMs = 5000): HttpClient {
  return (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

/** The request body parsed as JSON. */
export function jsonBody(request: RecordedRequest | undefined): unknown {
  if (request === undefined) throw new Error('no request recorded');
  return JSON.parse(request.body) as unknown;
}
