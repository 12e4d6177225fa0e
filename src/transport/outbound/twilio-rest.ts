// What the Twilio REST API (2010-04-01) asks of every call we make: HTTP Basic auth with the Account SID and Auth
// Token, form-encoded parameters, and errors as {code, message, more_info, status}. 429 (Retry-After honoured) and 5xx
// are retryable; any other 4xx (e.g. 21211 invalid To, 21220 call not in progress) will fail again the same way.
import { DeliveryError, type HttpClient } from './outbound-adapter.js';
import {
  asRecord,
  asString,
  callProvider,
  isRetryableStatus,
  retryAfterMs,
  type Clock,
  type ProviderResponse,
} from './provider-http.js';

export const TWILIO_BASE_URL = 'https://api.twilio.com';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export function twilioError(provider: string, response: ProviderResponse, now: Clock): DeliveryError {
  const body = asRecord(response.json);
  const code = asString(body?.code);
  const message = asString(body?.message) ?? (response.text.slice(0, 200) || `HTTP ${response.status}`);
  const moreInfo = asString(body?.more_info);
  const retryable = isRetryableStatus(response.status);
  return new DeliveryError(
    `${provider}: ${message} (HTTP ${response.status}${moreInfo ? `, ${moreInfo}` : ''})`,
    retryable,
    code ?? `HTTP_${response.status}`,
    retryable ? retryAfterMs(response.headers, now) : undefined,
  );
}

/** POSTs form parameters (repeated names allowed, in order) and returns the resource JSON, or throws DeliveryError. */
export async function postTwilioForm(
  http: HttpClient,
  provider: string,
  url: string,
  credentials: TwilioCredentials,
  params: ReadonlyArray<readonly [string, string]>,
  now: Clock,
): Promise<Record<string, unknown>> {
  const basic = Buffer.from(`${credentials.accountSid}:${credentials.authToken}`, 'utf8').toString('base64');
  const response = await callProvider(http, provider, url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(params.map(([name, value]): [string, string] => [name, value])).toString(),
  });
  if (response.status < 200 || response.status > 299) throw twilioError(provider, response, now);
  const resource = asRecord(response.json);
  // Created but unreadable: retrying would send it twice, so this is reported as permanent.
  if (resource === undefined)
    throw new DeliveryError(`${provider}: success response is not JSON`, false, 'BAD_RESPONSE');
  return resource;
}
