// SMS (and, when configured, WhatsApp through Twilio) sender: POST {base}/2010-04-01/Accounts/{sid}/Messages.json with
// To, From or MessagingServiceSid, Body, MediaUrl and StatusCallback. Twilio takes at most 1600 characters of Body, so
// longer texts become several messages; the SMS segment count (what the carrier bills) is reported in the details.
import type { JsonObject } from '../../domain/index.js';
import { requireText, unsupportedContent } from './content-errors.js';
import { DeliveryError, type HttpClient, type OutboundAdapter, type OutboundMessage } from './outbound-adapter.js';
import { asString, joinUrl, type Clock } from './provider-http.js';
import { sendParts } from './send-parts.js';
import { assertServiceWindow } from './service-window.js';
import { segmentSms } from './sms-segments.js';
import { splitText } from './text-split.js';
import { postTwilioForm, TWILIO_BASE_URL } from './twilio-rest.js';

export const TWILIO_BODY_LIMIT = 1600;

export interface TwilioSmsConfig {
  /** Twilio API origin; tests point it at a local server. Defaults to https://api.twilio.com. */
  baseUrl?: string;
  accountSid: string;
  authToken: string;
  /** Sender: an E.164 number or alphanumeric sender id. Either this or messagingServiceSid. */
  from?: string;
  /** Messaging Service that picks the sender (MG…). Either this or from. */
  messagingServiceSid?: string;
  /** URL Twilio POSTs delivery status changes to. */
  statusCallback?: string;
  /** Send over Twilio's WhatsApp channel: addresses get the whatsapp: prefix and the 24-hour window applies. */
  whatsapp?: boolean;
}

type FormParams = Array<readonly [string, string]>;

function address(value: string, whatsapp: boolean): string {
  return whatsapp && !value.startsWith('whatsapp:') ? `whatsapp:${value}` : value;
}

/** Builds the form parameters of each Twilio message for one outbound message, in sending order. */
export function twilioMessageParams(config: TwilioSmsConfig, message: OutboundMessage): FormParams[] {
  const whatsapp = config.whatsapp === true;
  const channel = whatsapp ? 'whatsapp' : 'sms';
  const common: FormParams = [['To', address(message.to, whatsapp)]];
  if (config.messagingServiceSid) common.push(['MessagingServiceSid', config.messagingServiceSid]);
  else if (config.from) common.push(['From', address(config.from, whatsapp)]);
  const trailer: FormParams = config.statusCallback ? [['StatusCallback', config.statusCallback]] : [];
  const bodies = (text: string): FormParams[] =>
    splitText(text, TWILIO_BODY_LIMIT).map((body) => [...common, ['Body', body], ...trailer]);

  const content = message.content;
  switch (content.type) {
    case 'text':
      return bodies(requireText(channel, content.text));
    case 'media': {
      // The caption rides in the first message's Body; what does not fit follows as text.
      const [first, ...rest] = content.caption?.trim() ? splitText(content.caption, TWILIO_BODY_LIMIT) : [];
      const media: FormParams = [...common];
      if (first !== undefined) media.push(['Body', first]);
      media.push(['MediaUrl', content.url], ...trailer);
      return [media, ...rest.map((body): FormParams => [...common, ['Body', body], ...trailer])];
    }
    case 'template':
      // Twilio sends WhatsApp templates by ContentSid, which our template content does not carry.
      throw unsupportedContent(channel, content);
  }
}

/** Encoding, segments and characters of an SMS text sent as the given Twilio bodies. */
function segmentDetails(bodies: readonly string[]): JsonObject {
  let segments = 0;
  let characters = 0;
  let ucs2 = false;
  for (const body of bodies) {
    const segmentation = segmentSms(body);
    segments += segmentation.segments.length;
    characters += segmentation.characters;
    ucs2 ||= segmentation.encoding === 'UCS-2';
  }
  return { encoding: ucs2 ? 'UCS-2' : 'GSM-7', segments, characters };
}

export function createTwilioSmsAdapter(
  config: TwilioSmsConfig,
  http: HttpClient,
  now: Clock = Date.now,
): OutboundAdapter {
  if (!config.from && !config.messagingServiceSid) throw new Error('twilio-sms: configure from or messagingServiceSid');
  const whatsapp = config.whatsapp === true;
  const provider = whatsapp ? 'twilio-whatsapp' : 'twilio-sms';
  const url = joinUrl(
    config.baseUrl ?? TWILIO_BASE_URL,
    `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`,
  );

  async function post(params: FormParams): Promise<string> {
    const resource = await postTwilioForm(http, provider, url, config, params, now);
    const sid = asString(resource.sid);
    if (sid === undefined) throw new DeliveryError(`${provider}: success response without sid`, false, 'BAD_RESPONSE');
    return sid;
  }

  return {
    channel: whatsapp ? 'whatsapp' : 'sms',
    async send(message) {
      const messages = twilioMessageParams(config, message);
      if (whatsapp) assertServiceWindow(message, now);
      const providerMessageIds = await sendParts(messages, post, message.sentParts);
      const details: JsonObject = { parts: providerMessageIds.length };
      if (!whatsapp && message.content.type === 'text') {
        const bodies = messages.map((params) => params.find(([name]) => name === 'Body')?.[1] ?? '');
        Object.assign(details, segmentDetails(bodies));
      }
      return { providerMessageIds, details };
    },
  };
}
