// Inbound adapter for Twilio Programmable Voice: answers an incoming call with TwiML that greets the caller and
// listens (<Gather input="speech">), turns each speech result Twilio posts back into a 'voice_transcript' draft, and
// keeps listening until the caller hangs up.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JsonObject } from '../../domain/index.js';
import { twilioFields, twilioParamsToJson, validateTwilioFields, verifyTwilioRequest } from './twilio-signature.js';
import type { InboundEvent, WebhookAdapter, WebhookOutcome, WebhookRequest } from './webhook-adapter.js';

export interface TwilioVoiceAdapterOptions {
  /** The Twilio account's auth token: the key Twilio signs webhooks with. */
  authToken: string;
  /** Where Twilio posts speech results and comes back after a silent <Gather> (relative to the call's URL). */
  actionPath?: string;
  /** What the caller hears on answer. */
  greeting: string;
  /** BCP-47 language of the caller's speech, for Twilio's recognizer. */
  language?: string;
}

/** Header Twilio puts on every webhook, unchanged on its retries of the same one. */
export const TWILIO_IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

/** Call statuses after which the call is over: Twilio is only reporting, no TwiML will be executed. */
const ENDED_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Characters XML 1.0 cannot carry at all, not even as character references: dropped so the TwiML stays parseable. */
const NON_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const XML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // In attribute values a parser would turn these into spaces; as references they survive as themselves.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escapes text for XML character data. */
export function xmlText(text: string): string {
  return text.replace(NON_XML_CHARS, '').replace(/[&<>"']/g, (c) => XML_ENTITIES[c] as string);
}

/** Escapes text for a double-quoted XML attribute value. */
export function xmlAttribute(text: string): string {
  return text.replace(NON_XML_CHARS, '').replace(/[&<>"'\t\n\r]/g, (c) => XML_ENTITIES[c] as string);
}

const callSchema = z.looseObject({
  CallSid: z.string().min(1),
  SpeechResult: z.string().optional(),
  Confidence: z
    .string()
    .refine((s) => s === '' || (s.trim() !== '' && Number(s) >= 0 && Number(s) <= 1), {
      message: 'must be a number between 0 and 1',
    })
    .optional(),
});

const speechSchema = callSchema.extend({ From: z.string().min(1) });

/**
 * The id that lets the store recognise a retried speech callback. Twilio sends I-Twilio-Idempotency-Token on every
 * webhook and repeats it on retries, so it is exactly "this callback": preferred. Without it we derive the id from
 * what the callback says: the call, the utterance, its confidence (and SequenceNumber, should Twilio add one), so a
 * retry maps to the same id. The price of the fallback is that the same words recognised with the same confidence
 * twice in one call count as one message; a Gather result carries no per-turn counter that could tell them apart.
 */
function speechMessageId(request: WebhookRequest, fields: Record<string, string>): string {
  const token = request.headers[TWILIO_IDEMPOTENCY_HEADER];
  if (token !== undefined && token !== '') return token;
  const digest = createHash('sha256')
    .update(JSON.stringify([fields['SpeechResult'], fields['Confidence'] ?? null, fields['SequenceNumber'] ?? null]))
    .digest('hex');
  return `${fields['CallSid'] as string}:${digest}`;
}

export function createTwilioVoiceAdapter(options: TwilioVoiceAdapterOptions): WebhookAdapter {
  const { authToken, greeting } = options;
  const actionPath = options.actionPath ?? '/webhooks/twilio/voice';
  const language = options.language ?? 'en-US';
  if (authToken === '') throw new Error('createTwilioVoiceAdapter: authToken must not be empty');
  if (actionPath === '') throw new Error('createTwilioVoiceAdapter: actionPath must not be empty');

  const gatherAttributes =
    `input="speech" action="${xmlAttribute(actionPath)}" method="POST" speechTimeout="auto" ` +
    `language="${xmlAttribute(language)}"`;
  // After a <Gather> that heard nothing Twilio moves to the next verb: the <Redirect> brings the call back here,
  // where it is answered with another <Gather>, so the line keeps listening until the caller hangs up.
  const redirect = `<Redirect method="POST">${xmlText(actionPath)}</Redirect>`;
  const greetTwiml =
    `${XML_DECLARATION}<Response><Gather ${gatherAttributes}><Say>${xmlText(greeting)}</Say></Gather>` +
    `${redirect}</Response>`;
  const listenTwiml = `${XML_DECLARATION}<Response><Gather ${gatherAttributes}/>${redirect}</Response>`;
  const endedTwiml = `${XML_DECLARATION}<Response></Response>`;
  const twiml = (body: string) => ({ contentType: 'text/xml', body });

  return {
    name: 'twilio-voice',
    path: '/webhooks/twilio/voice',
    methods: ['POST'],
    contentTypes: ['application/x-www-form-urlencoded'],
    handle(request: WebhookRequest): WebhookOutcome {
      const params = verifyTwilioRequest(request, authToken);
      const fields = twilioFields(params);
      validateTwilioFields(callSchema, fields);
      const speech = fields['SpeechResult'];
      const callStatus = fields['CallStatus'];

      if (speech !== undefined && speech !== '') {
        validateTwilioFields(speechSchema, fields);
        const confidence = fields['Confidence'];
        const metadata: JsonObject = {
          provider: 'twilio',
          callSid: fields['CallSid'] as string,
          ...(fields['To'] === undefined ? {} : { to: fields['To'] }),
          ...(callStatus === undefined ? {} : { callStatus }),
          ...(fields['AccountSid'] ? { accountSid: fields['AccountSid'] } : {}),
          ...(fields['Direction'] ? { direction: fields['Direction'] } : {}),
          raw: twilioParamsToJson(params),
        };
        const callerName = fields['CallerName'];
        const event: InboundEvent = {
          draft: {
            channel: 'voice',
            from: fields['From'] as string,
            // A result without a score is treated as the least certain, so confidence thresholds downstream hold.
            content: {
              type: 'voice_transcript',
              text: speech,
              confidence: confidence === undefined || confidence === '' ? 0 : Number(confidence),
            },
            providerMessageId: speechMessageId(request, fields),
            ...(callerName ? { name: callerName } : {}),
            metadata,
          },
        };
        return { kind: 'events', events: [event], statuses: [], response: twiml(listenTwiml) };
      }
      if (callStatus !== undefined && ENDED_CALL_STATUSES.has(callStatus)) {
        return { kind: 'events', events: [], statuses: [], response: twiml(endedTwiml) };
      }
      // The incoming-call webhook comes while the call is still ringing; anything later without speech is the
      // <Redirect> after a silent <Gather> (or an empty result): listen again without repeating the greeting.
      const answering = speech === undefined && (callStatus === undefined || callStatus === 'ringing');
      return { kind: 'events', events: [], statuses: [], response: twiml(answering ? greetTwiml : listenTwiml) };
    },
  };
}
