// Small uWS helpers: status lines, JSON answers with the stable error shape, and a bounded body reader.
import type { HttpResponse } from 'uWebSockets.js';
import { OmniError } from '../domain/index.js';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  202: '202 Accepted',
  403: '403 Forbidden',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

/** Tracks whether the client went away: uWS forbids touching a response after abort. */
export interface ResponseState {
  aborted: boolean;
}

/** Registers the abort handler uWS requires before any asynchronous work, and returns the state it updates. */
export function watch(res: HttpResponse): ResponseState {
  const state: ResponseState = { aborted: false };
  res.onAborted(() => {
    state.aborted = true;
  });
  return state;
}

function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

/** Any body with its content type (TwiML, challenges, plain text). */
export function sendRaw(
  res: HttpResponse,
  state: ResponseState,
  status: number,
  contentType: string,
  body: string,
): void {
  if (state.aborted) return;
  res.cork(() => {
    res.writeStatus(statusLine(status)).writeHeader('content-type', contentType).end(body);
  });
}

export function sendJson(
  res: HttpResponse,
  state: ResponseState,
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
): void {
  if (state.aborted) return;
  const payload = JSON.stringify(body);
  res.cork(() => {
    res.writeStatus(statusLine(status)).writeHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(extraHeaders ?? {})) res.writeHeader(name, value);
    res.end(payload);
  });
}

export function sendError(res: HttpResponse, state: ResponseState, error: OmniError): void {
  const headers: Record<string, string> = error.retryable ? { 'retry-after': '1' } : {};
  sendJson(res, state, error.httpStatus, { error: { code: error.code, message: error.message } }, headers);
}

/**
 * Reads the whole body, refusing more than `limit` bytes: early from Content-Length, otherwise as soon as the
 * running total passes the limit. Must be called synchronously inside the uWS handler.
 */
export function readBody(res: HttpResponse, contentLength: string, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = contentLength === '' ? undefined : Number(contentLength);
    if (declared !== undefined && declared > limit) {
      // Answering now (before reading) is allowed: uWS drains or closes the rest.
      reject(new OmniError('PAYLOAD_TOO_LARGE', `body of ${declared} bytes exceeds the ${limit}-byte limit`));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      total += chunk.byteLength;
      if (total > limit) {
        failed = true;
        reject(new OmniError('PAYLOAD_TOO_LARGE', `body exceeds the ${limit}-byte limit`));
        return;
      }
      // uWS reuses the chunk's memory after this callback returns: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
    });
  });
}
