// The trust boundary shared by every Meta Graph webhook (WhatsApp Cloud, Messenger, Instagram): the GET subscription
// handshake, the X-Hub-Signature-256 HMAC over the raw body, and decoding the verified body into JSON that the
// adapters then check field by field with zod, so every rejection names the exact path that was wrong.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { OmniError, type JsonValue } from '../../domain/index.js';
import type { WebhookOutcome, WebhookRequest } from './webhook-adapter.js';

export interface MetaWebhookSecrets {
  /** The Meta app secret: the HMAC key of X-Hub-Signature-256. */
  appSecret: string;
  /** The token typed into the App Dashboard; Meta echoes it in hub.verify_token when subscribing. */
  verifyToken: string;
}

const SIGNATURE_HEADER = 'x-hub-signature-256';
const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

/** Refuses an adapter built without secrets: an empty key would make every forged signature trivially computable. */
export function assertMetaSecrets(adapter: string, secrets: MetaWebhookSecrets): void {
  if (secrets.appSecret.length === 0 || secrets.verifyToken.length === 0) {
    throw new OmniError('INTERNAL', `${adapter} webhook adapter needs a non-empty appSecret and verifyToken`);
  }
}

/**
 * Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, rawBody)>`. The HMAC is computed over the bytes as
 * received: Meta signs its own serialization (unicode escaped as \uXXXX), which no re-serialization reproduces.
 */
export function verifyMetaSignature(request: WebhookRequest, appSecret: string): void {
  const header = request.headers[SIGNATURE_HEADER];
  if (header === undefined) throw new OmniError('INVALID_SIGNATURE', `missing ${SIGNATURE_HEADER} header`);
  const match = SIGNATURE_FORMAT.exec(header.trim());
  if (match === null || match[1] === undefined) {
    throw new OmniError('INVALID_SIGNATURE', `malformed ${SIGNATURE_HEADER} header: expected sha256=<64 hex digits>`);
  }
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', appSecret).update(request.rawBody).digest();
  // timingSafeEqual throws on unequal lengths; the format check makes them equal, the guard keeps that explicit.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new OmniError('INVALID_SIGNATURE', `${SIGNATURE_HEADER} does not match the request body`);
  }
}

/** Constant-time string equality: the verify token is a shared secret too. Hashing first equalizes the lengths. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Answers Meta's subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` gets the
 * challenge echoed as text/plain when the token matches ours; anything else is refused as an authentication failure.
 */
export function answerSubscriptionChallenge(query: URLSearchParams, verifyToken: string): WebhookOutcome {
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token');
  if (mode !== 'subscribe' || token === null || !sameSecret(token, verifyToken)) {
    throw new OmniError('INVALID_SIGNATURE', 'subscription verification failed: wrong hub.mode or hub.verify_token');
  }
  const challenge = query.get('hub.challenge');
  if (challenge === null || challenge.length === 0) {
    throw new OmniError('VALIDATION_FAILED', 'hub.challenge: missing');
  }
  return { kind: 'respond', status: 200, contentType: 'text/plain', body: challenge };
}

/** The body of a verified POST as JSON. JSON.parse only ever yields JSON values, hence the one cast. */
export function parseMetaJson(rawBody: Buffer): JsonValue {
  try {
    return JSON.parse(rawBody.toString('utf8')) as JsonValue;
  } catch (error) {
    throw new OmniError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Validates one node of the payload. `path` is where the node sits in the body (`entry.0.changes.1.value`), so a
 * rejection names the full path of the field that is missing or wrong, as message-request.ts does for its fields.
 */
export function checked<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const at = [path, ...issue.path.map(String)].filter((part) => part.length > 0).join('.');
    return `${at || 'body'}: ${issue.message}`;
  });
  throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
}
