// One HTTP exchange with a provider through the injected HttpClient. Whatever goes wrong below HTTP (refused
// connection, reset, DNS, timeout or abort) becomes a retryable DeliveryError here, so adapters only classify the
// provider's own answers. Error messages never include the URL: some providers put the credential in it (Telegram).
import { DeliveryError, type HttpClient } from './outbound-adapter.js';

/** Epoch-ms clock, injected so tests control the WhatsApp window and Retry-After dates. */
export type Clock = () => number;

export interface ProviderResponse {
  status: number;
  headers: { get(name: string): string | null };
  /** The raw body. */
  text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
}

export interface ProviderRequest {
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
}

/** Name, message and socket error code of a thrown value; duck-typed since fetch's errors may come from another realm. */
function describe(error: unknown): { message: string; timeout: boolean } {
  const record = asRecord(error);
  if (record === undefined) return { message: String(error), timeout: false };
  const name = asString(record.name) ?? 'Error';
  const timeout = name === 'TimeoutError' || name === 'AbortError';
  // fetch reports "fetch failed" and keeps the socket error (ECONNREFUSED, ECONNRESET, …) as the cause.
  const cause = asRecord(record.cause);
  const reason = asString(cause?.code) ?? asString(cause?.message);
  return { message: `${name}: ${asString(record.message) ?? ''}${reason ? ` (${reason})` : ''}`, timeout };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends the request; throws a retryable DeliveryError (TIMEOUT or NETWORK_ERROR) if no HTTP answer arrives. */
export async function callProvider(
  http: HttpClient,
  provider: string,
  url: string,
  request: ProviderRequest,
): Promise<ProviderResponse> {
  try {
    const response = await http(url, request);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: parseJson(text) };
  } catch (error) {
    const { message, timeout } = describe(error);
    throw new DeliveryError(
      `${provider}: ${timeout ? 'timed out' : 'network error'} (${message})`,
      true,
      timeout ? 'TIMEOUT' : 'NETWORK_ERROR',
    );
  }
}

/** Statuses worth another try: the provider was overloaded, rate-limited us, or failed on its side. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After (RFC 9110 §10.2.3) as milliseconds: delay-seconds or an HTTP-date; undefined if absent or unreadable. */
export function retryAfterMs(headers: { get(name: string): string | null }, now: Clock): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/** A plain-object view of a JSON value, for reading provider payloads without `any`. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Joins a configured base URL (with or without a trailing slash) and a path. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
