// Inbound adapter for Twilio Programmable Messaging: SMS, MMS and WhatsApp-via-Twilio arrive on one form-encoded
// webhook, as do the status callbacks for messages we sent. Normalizes each into drafts or delivery-status updates
// and answers with empty TwiML so Twilio sends no automatic reply.
import { z } from 'zod';
import { OmniError, type ChannelType, type JsonObject, type MessageContent } from '../../domain/index.js';
import { twilioFields, twilioParamsToJson, validateTwilioFields, verifyTwilioRequest } from './twilio-signature.js';
import type {
  DeliveryState,
  DeliveryStatusUpdate,
  InboundEvent,
  WebhookAdapter,
  WebhookOutcome,
  WebhookRequest,
} from './webhook-adapter.js';

export interface TwilioSmsAdapterOptions {
  /** The Twilio account's auth token: the key Twilio signs webhooks with. */
  authToken: string;
  /** Clock for status-callback timestamps (Twilio's callbacks carry none); injectable for tests. */
  now?: () => number;
}

/** Empty TwiML: Twilio takes it as "no reply"; any reply is sent later by the outbound side. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Address prefixes Twilio puts on non-SMS channels' From/To ("whatsapp:+14155238886"). */
const ADDRESS_PREFIXES: readonly (readonly [string, ChannelType])[] = [
  ['whatsapp:', 'whatsapp'],
  ['messenger:', 'messenger'],
  // RCS reaches the same phone number as SMS, so it shares the SMS channel (and the phone identity).
  ['rcs:', 'sms'],
];

/** The channel an address belongs to and the address without Twilio's channel prefix. */
export function splitTwilioAddress(address: string): { channel: ChannelType; address: string } {
  const lower = address.toLowerCase();
  for (const [prefix, channel] of ADDRESS_PREFIXES) {
    if (lower.startsWith(prefix)) return { channel, address: address.slice(prefix.length) };
  }
  return { channel: 'sms', address };
}

/**
 * Twilio's message statuses → ours. Only states that say something about delivery are reported: queued, sending,
 * accepted and scheduled are steps before the message leaves Twilio, and reporting them as 'sent' would be false (and,
 * since callbacks can arrive out of order, could overwrite a later 'delivered'). They are acknowledged and skipped.
 * 'canceled' (a scheduled message withdrawn) will never be delivered, so it is a failure.
 */
const STATUS_MAP: Readonly<Record<string, DeliveryState>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

const coordinate = (limit: number) =>
  z.string().refine((s) => s.trim() !== '' && Number.isFinite(Number(s)) && Math.abs(Number(s)) <= limit, {
    message: `must be a number between -${limit} and ${limit}`,
  });

const messageSchema = z
  .looseObject({
    MessageSid: z.string().min(1).optional(),
    SmsSid: z.string().min(1).optional(),
    From: z.string().min(1),
    NumMedia: z
      .string()
      .regex(/^\d{1,3}$/, 'must be a media count')
      .optional(),
    Latitude: coordinate(90).optional(),
    Longitude: coordinate(180).optional(),
  })
  .refine((m) => m.MessageSid !== undefined || m.SmsSid !== undefined, {
    message: 'MessageSid is required',
    path: ['MessageSid'],
  });

const statusSchema = z
  .looseObject({
    MessageSid: z.string().min(1).optional(),
    SmsSid: z.string().min(1).optional(),
  })
  .refine((m) => m.MessageSid !== undefined || m.SmsSid !== undefined, {
    message: 'MessageSid is required',
    path: ['MessageSid'],
  });

/** Copies the named parameters that are present and non-empty, under our metadata names. */
function presentFields(fields: Record<string, string>, names: Readonly<Record<string, string>>): JsonObject {
  const out: JsonObject = {};
  for (const [metaName, paramName] of Object.entries(names)) {
    const value = fields[paramName];
    if (value !== undefined && value !== '') out[metaName] = value;
  }
  return out;
}

function mediaKindOf(mimeType: string | undefined): 'image' | 'audio' | 'video' | 'document' {
  const top = mimeType?.split('/')[0]?.toLowerCase();
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'document';
}

function inboundEvents(params: URLSearchParams): InboundEvent[] {
  const fields = twilioFields(params);
  validateTwilioFields(messageSchema, fields);
  const sid = (fields['MessageSid'] ?? fields['SmsSid']) as string;
  const sender = splitTwilioAddress(fields['From'] as string);
  if (sender.address === '') throw new OmniError('VALIDATION_FAILED', 'From: the address after the prefix is empty');
  const body = fields['Body'] ?? '';
  const profileName = fields['ProfileName'];
  const raw = twilioParamsToJson(params);
  const metadata: JsonObject = {
    provider: 'twilio',
    ...presentFields(fields, {
      accountSid: 'AccountSid',
      messagingServiceSid: 'MessagingServiceSid',
      fromCity: 'FromCity',
      fromState: 'FromState',
      fromCountry: 'FromCountry',
      fromZip: 'FromZip',
      waId: 'WaId',
      messageType: 'MessageType',
      replyToProviderMessageId: 'OriginalRepliedMessageSid',
    }),
    ...(fields['To'] === undefined ? {} : { to: splitTwilioAddress(fields['To']).address }),
    raw,
  };
  const draftBase = {
    channel: sender.channel,
    from: sender.address,
    ...(profileName === undefined || profileName === '' ? {} : { name: profileName }),
    // Twilio's inbound webhook carries no send time: the gateway stamps the receipt time.
  };

  const mediaCount = Number(fields['NumMedia'] ?? '0');
  if (mediaCount > 0) {
    const events: InboundEvent[] = [];
    for (let i = 0; i < mediaCount; i++) {
      const url = fields[`MediaUrl${i}`];
      if (url === undefined || url === '') {
        throw new OmniError('VALIDATION_FAILED', `MediaUrl${i}: required when NumMedia is ${mediaCount}`);
      }
      const mimeType = fields[`MediaContentType${i}`] || undefined;
      // One message per media item, as the timeline shows one attachment per message. The first keeps the
      // MessageSid (so duplicates of the webhook are still recognised) and the text as its caption; the others get
      // `${MessageSid}:${i}`, which is stable across Twilio's retries and cannot collide with a real Twilio sid.
      const content: MessageContent = {
        type: 'media',
        mediaKind: mediaKindOf(mimeType),
        ...(i === 0 && body !== '' ? { caption: body } : {}),
      };
      events.push({
        draft: {
          ...draftBase,
          content,
          providerMessageId: i === 0 ? sid : `${sid}:${i}`,
          metadata: { ...metadata, messageSid: sid, mediaIndex: i, mediaCount },
        },
        media: { url, ...(mimeType === undefined ? {} : { mimeType }) },
      });
    }
    return events;
  }
  return [{ draft: { ...draftBase, content: nonMediaContent(fields, body, raw), providerMessageId: sid, metadata } }];
}

function nonMediaContent(fields: Record<string, string>, body: string, raw: JsonObject): MessageContent {
  const latitude = fields['Latitude'];
  const longitude = fields['Longitude'];
  if (latitude !== undefined && longitude !== undefined) {
    const label = fields['Label'];
    const address = fields['Address'];
    return {
      type: 'location',
      latitude: Number(latitude),
      longitude: Number(longitude),
      ...(label ? { name: label } : {}),
      ...(address ? { address } : {}),
    };
  }
  const buttonPayload = fields['ButtonPayload'] || undefined;
  const buttonText = fields['ButtonText'] || undefined;
  if (buttonPayload !== undefined || buttonText !== undefined) {
    return {
      type: 'interactive',
      replyId: (buttonPayload ?? buttonText) as string,
      title: (buttonText ?? buttonPayload) as string,
    };
  }
  if (body !== '') return { type: 'text', text: body };
  // Nothing we can show (an empty SMS, or a WhatsApp type Twilio passes without a Body): kept whole, not dropped.
  return { type: 'unsupported', providerType: fields['MessageType'] || 'empty', raw };
}

function statusUpdates(params: URLSearchParams, now: () => number): DeliveryStatusUpdate[] {
  const fields = twilioFields(params);
  validateTwilioFields(statusSchema, fields);
  const twilioStatus = (fields['MessageStatus'] ?? fields['SmsStatus'] ?? '').toLowerCase();
  const status = STATUS_MAP[twilioStatus];
  if (status === undefined) return [];
  const to = fields['To'];
  const from = fields['From'];
  const recipient = to === undefined ? undefined : splitTwilioAddress(to);
  const channel = recipient?.channel ?? (from === undefined ? 'sms' : splitTwilioAddress(from).channel);
  const errorCode = fields['ErrorCode'] || undefined;
  const errorTitle = fields['ErrorMessage'] || fields['ChannelStatusMessage'] || undefined;
  // A failure always says why, at least by Twilio's status name; an ErrorCode on any status is passed on.
  let error: DeliveryStatusUpdate['error'];
  if (errorCode !== undefined || status === 'failed') {
    const title = errorTitle ?? (status === 'failed' ? twilioStatus : undefined);
    error = { ...(errorCode === undefined ? {} : { code: errorCode }), ...(title === undefined ? {} : { title }) };
  }
  return [
    {
      channel,
      providerMessageId: (fields['MessageSid'] ?? fields['SmsSid']) as string,
      status,
      // Twilio's callbacks carry no event time (RawDlrDoneDate has minute precision and no zone): receipt time.
      timestamp: now(),
      ...(recipient === undefined || recipient.address === '' ? {} : { recipient: recipient.address }),
      ...(error === undefined ? {} : { error }),
      raw: twilioParamsToJson(params),
    },
  ];
}

/**
 * A status callback describes a message we sent: it has a MessageStatus/SmsStatus but, unlike an inbound message,
 * neither a Body nor a NumMedia (inbound messages always carry both, even when empty or zero).
 */
function isStatusCallback(params: URLSearchParams): boolean {
  return !params.has('Body') && !params.has('NumMedia') && (params.has('MessageStatus') || params.has('SmsStatus'));
}

export function createTwilioSmsAdapter(options: TwilioSmsAdapterOptions): WebhookAdapter {
  if (options.authToken === '') throw new Error('createTwilioSmsAdapter: authToken must not be empty');
  const now = options.now ?? Date.now;
  return {
    name: 'twilio-sms',
    path: '/webhooks/twilio/sms',
    methods: ['POST'],
    contentTypes: ['application/x-www-form-urlencoded'],
    handle(request: WebhookRequest): WebhookOutcome {
      const params = verifyTwilioRequest(request, options.authToken);
      const response = { contentType: 'text/xml', body: EMPTY_TWIML };
      if (isStatusCallback(params)) {
        return { kind: 'events', events: [], statuses: statusUpdates(params, now), response };
      }
      return { kind: 'events', events: inboundEvents(params), statuses: [], response };
    },
  };
}
