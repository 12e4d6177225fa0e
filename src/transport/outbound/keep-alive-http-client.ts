// The HttpClient the node's outbound adapters use in production: node:http/https requests over keep-alive agents
// (one connection pool per provider host), with a whole-exchange timeout. Node's global fetch does the same job at
// several times the CPU per request (web streams, an AbortSignal timer per call); every agent reply and every
// expected-wait notice goes through here, on the main thread, so the difference shows up end to end.
import * as http from 'node:http';
import * as https from 'node:https';
import type { HttpClient } from './outbound-adapter.js';

export interface KeepAliveHttpClientOptions {
  /** Whole exchange (connect, send, headers, body) in ms. */
  timeoutMs: number;
  /** Sockets per provider host. @default 64 */
  maxSockets?: number;
}

/** A timeout error shaped like fetch's, so callers classify it the same way (retryable TIMEOUT). */
function timeoutError(ms: number): Error {
  const error = new Error(`no answer within ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}

export function keepAliveHttpClient(options: KeepAliveHttpClientOptions): HttpClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, maxFreeSockets: 16 };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };
  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') {
        reject(new Error(`unsupported protocol ${target.protocol}`));
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const request = (secure ? https : http).request(
        target,
        {
          method: init.method,
          headers: body === undefined ? init.headers : { ...init.headers, 'content-length': String(body.length) },
          agent: agents[secure ? 'https:' : 'http:'],
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: {
                get: (name) => {
                  const value = response.headers[name.toLowerCase()];
                  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
                },
              },
              text: () => Promise.resolve(text),
            });
          });
        },
      );
      const timer = setTimeout(() => request.destroy(timeoutError(options.timeoutMs)), options.timeoutMs);
      function fail(error: Error): void {
        clearTimeout(timer);
        reject(error);
      }
      request.on('error', fail);
      request.end(body);
    });
}
