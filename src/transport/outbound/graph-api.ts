// What the WhatsApp Cloud API and the Messenger/Instagram Send API share as Graph API endpoints: the origin, and how
// failures are reported and which are worth retrying. Graph errors are {error:{message, type, code, error_subcode,
// fbtrace_id}}; rate limits often come as HTTP 400 with a throttling code, so the code decides, not only the status.
import { DeliveryError } from './outbound-adapter.js';
import {
  asRecord,
  asString,
  isRetryableStatus,
  retryAfterMs,
  type Clock,
  type ProviderResponse,
} from './provider-http.js';

export const GRAPH_BASE_URL = 'https://graph.facebook.com';

/**
 * Codes that mean "not now" rather than "never": 1/2 API unknown/service (temporary downtime), 4/17/32/341/613
 * application, user, page and hourly throttling, 1200 Send API temporary failure, 80007 WhatsApp Business Account rate
 * limit, 130429 Cloud API throughput, 131048 spam rate limit, 131056 business/consumer pair rate limit.
 */
export const GRAPH_RETRYABLE_CODES: ReadonlySet<number> = new Set([
  1, 2, 4, 17, 32, 341, 613, 1200, 80007, 130429, 131048, 131056,
]);

/** 131047: more than 24 hours since the customer last wrote; only a template can go out, retrying will not help. */
export const WHATSAPP_REENGAGEMENT_REQUIRED = 131047;

/** Turns a Graph API error response into a DeliveryError. 131047 (re-engagement, window closed) is never retried. */
export function graphError(provider: string, response: ProviderResponse, now: Clock): DeliveryError {
  const error = asRecord(asRecord(response.json)?.error);
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const subcode = asString(error?.error_subcode);
  const trace = asString(error?.fbtrace_id);
  const message = asString(error?.message) ?? (response.text.slice(0, 200) || `HTTP ${response.status}`);
  const retryable =
    code !== WHATSAPP_REENGAGEMENT_REQUIRED &&
    (isRetryableStatus(response.status) ||
      (code !== undefined && GRAPH_RETRYABLE_CODES.has(code)) ||
      error?.is_transient === true);
  const details = [`HTTP ${response.status}`, subcode && `subcode ${subcode}`, trace && `fbtrace_id ${trace}`]
    .filter(Boolean)
    .join(', ');
  return new DeliveryError(
    `${provider}: ${message} (${details})`,
    retryable,
    code !== undefined ? String(code) : `HTTP_${response.status}`,
    retryable ? retryAfterMs(response.headers, now) : undefined,
  );
}
