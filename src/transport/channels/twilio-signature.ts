// Twilio webhook requests, as the SMS/WhatsApp and voice adapters share them: verification of the X-Twilio-Signature
// header and reading of the form body. Twilio signs the URL it called plus every form parameter with the account's
// auth token (HMAC-SHA1, base64), so a request that was forged, altered, or sent to another URL is refused unread.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { OmniError, type JsonObject, type JsonValue } from '../../domain/index.js';
import type { WebhookRequest } from './webhook-adapter.js';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/** Twilio sends webhooks as application/x-www-form-urlencoded; URLSearchParams decodes '+' and %XX as Twilio encodes. */
export function parseTwilioForm(rawBody: Buffer): URLSearchParams {
  return new URLSearchParams(rawBody.toString('utf8'));
}

/** All parameters, as sent, for `metadata.raw`: a name sent more than once keeps every value (in order) as an array. */
export function twilioParamsToJson(params: URLSearchParams): JsonObject {
  // fromEntries defines own properties, so even a parameter named "__proto__" is kept as data.
  return Object.fromEntries(
    [...new Set(params.keys())].map((name): [string, JsonValue] => {
      const values = params.getAll(name);
      return [name, values.length === 1 ? (values[0] as string) : values];
    }),
  );
}

/** The first value of each parameter, for reading fields. */
export function twilioFields(params: URLSearchParams): Record<string, string> {
  const first = new Map<string, string>();
  for (const [name, value] of params) if (!first.has(name)) first.set(name, value);
  return Object.fromEntries(first);
}

/** Checks the fields an adapter relies on (their values are then read from `twilioFields`, where all are strings). */
export function validateTwilioFields(schema: z.ZodType, fields: Record<string, string>): void {
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
}

/**
 * The string Twilio signs: the URL, then each parameter's name immediately followed by its value, ordered by name
 * (case-sensitive code-unit order, as Twilio's "Unix-style" sort). The sort is stable, so a repeated name keeps its
 * values in the order they were sent.
 */
export function twilioSignatureBase(url: string, params: Iterable<readonly [string, string]>): string {
  const pairs = [...params];
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return url + pairs.map(([name, value]) => name + value).join('');
}

export function computeTwilioSignature(
  authToken: string,
  url: string,
  params: Iterable<readonly [string, string]>,
): string {
  return createHmac('sha1', authToken).update(twilioSignatureBase(url, params), 'utf8').digest('base64');
}

/**
 * Twilio's own SDKs (twilio-node, twilio-python) sort a repeated parameter's values and drop duplicates before
 * signing. Twilio's messaging and voice webhooks never repeat a name, but if one ever does, accepting both forms
 * keeps us in step with whichever the signer used; neither can be produced without the auth token.
 */
function sdkCanonicalParams(params: readonly (readonly [string, string])[]): [string, string][] | undefined {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  if (byName.size === params.length) return undefined;
  const canonical: [string, string][] = [];
  for (const [name, values] of byName) {
    for (const value of [...new Set(values)].sort()) canonical.push([name, value]);
  }
  return canonical;
}

/**
 * Twilio documents that it signs the URL "exactly as configured", but its backend is not consistent about the default
 * port (https://host/path vs https://host:443/path), and its SDKs therefore accept both spellings. We do the same;
 * any other difference (host, path, query, scheme) is a different URL and fails.
 */
export function twilioUrlVariants(publicUrl: string): string[] {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/is.exec(publicUrl);
  if (!match) return [publicUrl];
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  // The host part is what follows any userinfo; an IPv6 literal keeps its colons inside brackets.
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const portMatch = /:(\d*)$/.exec(host.replace(/^\[[^\]]*\]/, ''));
  if (!portMatch) return [publicUrl, `${scheme}://${authority}:${defaultPort}${rest}`];
  if (portMatch[1] === defaultPort)
    return [publicUrl, `${scheme}://${authority.slice(0, -portMatch[0].length)}${rest}`];
  return [publicUrl];
}

/** Compares without leaking, through timing, how much of the expected value a forged one got right. */
function constantTimeEquals(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Verifies a Twilio webhook and returns its form parameters. The URL signed is `request.publicUrl` (what Twilio was
 * configured to call, query string included); for a POST the body's parameters are signed too, for a GET only the URL.
 * Throws INVALID_SIGNATURE when the header is missing or does not match.
 */
export function verifyTwilioRequest(request: WebhookRequest, authToken: string): URLSearchParams {
  const signature = request.headers[TWILIO_SIGNATURE_HEADER];
  if (signature === undefined || signature === '') {
    throw new OmniError('INVALID_SIGNATURE', `missing ${TWILIO_SIGNATURE_HEADER} header`);
  }
  const params = request.method === 'POST' ? parseTwilioForm(request.rawBody) : new URLSearchParams();
  const pairs = [...params];
  const paramForms = [pairs, sdkCanonicalParams(pairs)].filter((p) => p !== undefined);
  let valid = false;
  // Every candidate is computed and compared, so the time taken does not reveal which one (if any) matched.
  for (const url of twilioUrlVariants(request.publicUrl)) {
    for (const form of paramForms) {
      if (constantTimeEquals(computeTwilioSignature(authToken, url, form), signature)) valid = true;
    }
  }
  if (!valid) throw new OmniError('INVALID_SIGNATURE', `${TWILIO_SIGNATURE_HEADER} does not match the request`);
  return params;
}
