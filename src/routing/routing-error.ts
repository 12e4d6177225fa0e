// Typed routing errors with stable codes. They have the OmniError shape (`code`, `message`, `details`,
// `httpStatus`, `retryable`, `toWire()`), so the host can answer them like any OmniError; the codes are not yet in
// src/domain/errors.ts (ERROR_CODES), which is why this is a class of its own.
import type { JsonValue } from '../domain/json.js';

export const ROUTING_ERROR_CODES = {
  VALIDATION_FAILED: 400,
  AGENT_NOT_FOUND: 404,
  OFFER_NOT_FOUND: 404,
  NOT_ASSIGNED: 409,
  OVER_CAPACITY: 409,
  AGENT_UNAVAILABLE: 409,
} as const;

export type RoutingErrorCode = keyof typeof ROUTING_ERROR_CODES;

export class RoutingError extends Error {
  override readonly name = 'RoutingError';
  constructor(
    readonly code: RoutingErrorCode,
    message: string,
    readonly details?: JsonValue,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return ROUTING_ERROR_CODES[this.code];
  }

  /** A routing error is about the request (a stale offer, a busy agent), never about the node's health. */
  get retryable(): boolean {
    return false;
  }

  toWire(): { name: 'OmniError'; code: RoutingErrorCode; message: string; details?: JsonValue } {
    return this.details === undefined
      ? { name: 'OmniError', code: this.code, message: this.message }
      : { name: 'OmniError', code: this.code, message: this.message, details: this.details };
  }
}

export function isRoutingError(error: unknown): error is RoutingError {
  return error instanceof RoutingError;
}
