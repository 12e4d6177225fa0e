// How each provider hands out media: WhatsApp resolves a media id to a short-lived URL (both calls with the access
// token), Telegram resolves a file_id to a file path, Twilio serves MediaUrlN behind HTTP Basic auth, Messenger and
// Instagram give a signed CDN URL. Each fetcher returns the bytes (bounded) and the declared type.
import type { OmniConfig } from '../../config/index.js';
import type { ChannelType } from '../../domain/index.js';
import type { PendingMedia } from '../channels/webhook-adapter.js';
import { DeliveryError, type HttpClient } from '../outbound/index.js';

export interface FetchedMedia {
  bytes: Buffer;
  mimeType: string;
}

export type MediaFetcher = (media: PendingMedia) => Promise<FetchedMedia>;

/** GETs a URL and reads at most `maxBytes`; classifies failures as retryable or not. */
async function download(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  maxBytes: number,
  declaredType?: string,
): Promise<FetchedMedia> {
  let res;
  try {
    res = await http(url, { method: 'GET', headers });
  } catch (error) {
    throw new DeliveryError(`media download failed: ${String((error as Error).message ?? error)}`, true);
  }
  if (res.status === 429 || res.status >= 500) throw new DeliveryError(`media server answered ${res.status}`, true);
  if (res.status >= 400) throw new DeliveryError(`media server answered ${res.status}`, false, String(res.status));
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > maxBytes)
    throw new DeliveryError(`media of ${length} bytes exceeds ${maxBytes}`, false, 'TOO_LARGE');
  const bytes = Buffer.from(await (res as unknown as Response).arrayBuffer());
  if (bytes.length > maxBytes)
    throw new DeliveryError(`media of ${bytes.length} bytes exceeds ${maxBytes}`, false, 'TOO_LARGE');
  const mimeType = (declaredType ?? res.headers.get('content-type') ?? 'application/octet-stream')
    .split(';')[0]!
    .trim();
  return { bytes, mimeType };
}

async function json<T>(http: HttpClient, url: string, headers: Record<string, string>): Promise<T> {
  const { bytes } = await download(http, url, headers, 1024 * 1024);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new DeliveryError(`unexpected media metadata from ${new URL(url).host}`, true);
  }
}

export function buildMediaFetchers(config: OmniConfig, http: HttpClient): Partial<Record<ChannelType, MediaFetcher>> {
  const max = config.mediaMaxBytes;
  const { whatsapp, meta, twilio, telegram } = config.channels;
  const fetchers: Partial<Record<ChannelType, MediaFetcher>> = {};
  if (whatsapp.accessToken !== undefined) {
    const auth = { authorization: `Bearer ${whatsapp.accessToken}` };
    fetchers.whatsapp = async (media) => {
      if (media.providerMediaId === undefined)
        throw new DeliveryError('WhatsApp media without an id', false, 'NO_MEDIA_ID');
      const info = await json<{ url?: string; mime_type?: string }>(
        http,
        `${whatsapp.apiBaseUrl.replace(/\/$/, '')}/${whatsapp.apiVersion}/${encodeURIComponent(media.providerMediaId)}`,
        auth,
      );
      if (info.url === undefined) throw new DeliveryError('WhatsApp returned no media URL', true);
      return download(http, info.url, auth, max, info.mime_type ?? media.mimeType);
    };
  }
  if (telegram.botToken !== undefined) {
    const base = telegram.apiBaseUrl.replace(/\/$/, '');
    fetchers.telegram = async (media) => {
      if (media.providerMediaId === undefined)
        throw new DeliveryError('Telegram media without a file_id', false, 'NO_MEDIA_ID');
      const file = await json<{ ok: boolean; result?: { file_path?: string } }>(
        http,
        `${base}/bot${telegram.botToken}/getFile?file_id=${encodeURIComponent(media.providerMediaId)}`,
        {},
      );
      if (!file.ok || file.result?.file_path === undefined) throw new DeliveryError('Telegram getFile failed', true);
      return download(http, `${base}/file/bot${telegram.botToken}/${file.result.file_path}`, {}, max, media.mimeType);
    };
  }
  if (twilio.accountSid !== undefined && twilio.authToken !== undefined) {
    const basic = {
      authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`,
    };
    const viaUrl: MediaFetcher = (media) => {
      if (media.url === undefined) throw new DeliveryError('Twilio media without a URL', false, 'NO_MEDIA_URL');
      return download(http, media.url, basic, max, media.mimeType);
    };
    fetchers.sms = viaUrl;
    // WhatsApp through Twilio sends MediaUrlN (no media id): route those to Twilio, media ids to the Cloud API.
    const cloud = fetchers.whatsapp;
    fetchers.whatsapp = (media) =>
      media.providerMediaId !== undefined && cloud !== undefined ? cloud(media) : viaUrl(media);
  }
  const direct: MediaFetcher = (media) => {
    if (media.url === undefined) throw new DeliveryError('media without a URL', false, 'NO_MEDIA_URL');
    return download(http, media.url, {}, max, media.mimeType);
  };
  if (meta.appSecret !== undefined) {
    fetchers.messenger = direct;
    fetchers.instagram = direct;
  }
  return fetchers;
}
