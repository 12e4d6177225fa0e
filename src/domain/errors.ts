// Typed errors with stable codes. They cross thread boundaries as plain `{name, code, message, details}` records and
// are rebuilt on the other side, so a shard's "not found" is still a 404 at the HTTP edge. The code list is the
// API's error contract (docs/api.md); a test keeps the two in sync.
import type { JsonValue } from './json.js';

export const ERROR_CODES = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNKNOWN_CHANNEL: 400,
  INVALID_SENDER: 400,
  UNAUTHORIZED: 401,
  INVALID_SIGNATURE: 401,
  ROUTE_NOT_FOUND: 404,
  CONVERSATION_NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  CHANNEL_NOT_CONFIGURED: 404,
  AGENT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDENTITY_CONFLICT: 409,
  CONVERSATION_ARCHIVED: 409,
  OFFER_NOT_FOUND: 409,
  OVER_CAPACITY: 409,
  NOT_ASSIGNED: 409,
  AGENT_UNAVAILABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  STORAGE_FAILURE: 500,
  NOT_READY: 503,
  SHARD_UNAVAILABLE: 503,
  SHARD_TIMEOUT: 503,
  SHUTTING_DOWN: 503,
  INFERENCE_OVERLOADED: 503,
  OVERLOADED: 503,
  INFERENCE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface WireError {
  name: 'OmniError';
  code: ErrorCode;
  message: string;
  details?: JsonValue;
}

export class OmniError extends Error {
  override readonly name = 'OmniError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: JsonValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }

  /** Whether a client may retry the same request (the node is degraded, not the request wrong). */
  get retryable(): boolean {
    return this.httpStatus === 503;
  }

  toWire(): WireError {
    return this.details === undefined
      ? { name: this.name, code: this.code, message: this.message }
      : { name: this.name, code: this.code, message: this.message, details: this.details };
  }

  static fromWire(wire: WireError): OmniError {
    return new OmniError(wire.code in ERROR_CODES ? wire.code : 'INTERNAL', wire.message, wire.details);
  }

  /** Any thrown value as an OmniError; unknown errors become INTERNAL with their message kept for the log. */
  static from(error: unknown): OmniError {
    if (error instanceof OmniError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new OmniError('INTERNAL', message, undefined, { cause: error });
  }
}

export function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'OmniError';
}
