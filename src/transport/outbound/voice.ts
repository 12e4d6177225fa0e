// Voice reply on a live Twilio call: the call's TwiML is replaced (POST {base}/2010-04-01/Accounts/{sid}/Calls/{CallSid}
// .json with Twiml=…) by <Say> of the reply followed by a speech <Gather>, so the caller hears the answer and can speak
// again; what they say comes back to the Gather action URL. message.to is the CallSid.
import { requireText, unsupportedContent } from './content-errors.js';
import { DeliveryError, type HttpClient, type OutboundAdapter } from './outbound-adapter.js';
import { asString, joinUrl, type Clock } from './provider-http.js';
import { postTwilioForm, TWILIO_BASE_URL } from './twilio-rest.js';

/** Twilio rejects inline TwiML longer than this (error 32018). */
export const TWIML_MAX_LENGTH = 4000;
const CALL_SID = /^CA[0-9a-f]{32}$/i;

export interface SayOptions {
  /** Language of the reply, for both text-to-speech and speech recognition, e.g. 'en-US'. */
  language: string;
  /** Text-to-speech voice, e.g. 'Polly.Joanna'; Twilio's default if absent. */
  voice?: string;
  /** Absolute URL Twilio POSTs the recognized speech to. */
  actionUrl: string;
  /** Silence that ends the caller's turn; 'auto' lets Twilio decide. */
  speechTimeout?: string;
}

export interface TwilioVoiceConfig extends Omit<SayOptions, 'actionUrl'> {
  /** Twilio API origin; tests point it at a local server. Defaults to https://api.twilio.com. */
  baseUrl?: string;
  accountSid: string;
  authToken: string;
  /** The Gather action URL (our voice webhook). */
  gatherActionUrl: string;
}

/**
 * Escapes text for XML content and attribute values, and drops what XML 1.0 cannot carry at all (control characters,
 * lone surrogates, U+FFFE/U+FFFF): Twilio would reject the whole document for one of them.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** TwiML that says `text` and then listens for the caller's speech. */
export function sayTwiml(text: string, options: SayOptions): string {
  const voice = options.voice ? ` voice="${escapeXml(options.voice)}"` : '';
  const language = escapeXml(options.language);
  return (
    `<Response><Say${voice} language="${language}">${escapeXml(text)}</Say>` +
    `<Gather input="speech" action="${escapeXml(options.actionUrl)}" method="POST"` +
    ` speechTimeout="${escapeXml(options.speechTimeout ?? 'auto')}" language="${language}"/></Response>`
  );
}

export function createTwilioVoiceAdapter(
  config: TwilioVoiceConfig,
  http: HttpClient,
  now: Clock = Date.now,
): OutboundAdapter {
  const callsUrl = joinUrl(
    config.baseUrl ?? TWILIO_BASE_URL,
    `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Calls`,
  );

  return {
    channel: 'voice',
    async send(message) {
      if (message.content.type !== 'text') throw unsupportedContent('voice', message.content);
      const text = requireText('voice', message.content.text);
      if (!CALL_SID.test(message.to)) {
        throw new DeliveryError(`voice: "${message.to}" is not a Twilio CallSid`, false, 'INVALID_RECIPIENT');
      }
      const twiml = sayTwiml(text, { ...config, actionUrl: config.gatherActionUrl });
      if (twiml.length > TWIML_MAX_LENGTH) {
        throw new DeliveryError(
          `voice: the reply is too long to say (${twiml.length} characters of TwiML, Twilio takes ${TWIML_MAX_LENGTH})`,
          false,
          'TWIML_TOO_LONG',
        );
      }
      const resource = await postTwilioForm(
        http,
        'twilio-voice',
        `${callsUrl}/${message.to}.json`,
        config,
        [['Twiml', twiml]],
        now,
      );
      const sid = asString(resource.sid) ?? message.to;
      return { providerMessageIds: [sid], details: { callStatus: asString(resource.status) ?? null } };
    },
  };
}
