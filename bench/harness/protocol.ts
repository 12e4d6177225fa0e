// Shared by the end-to-end harness (bench/harness.ts) and its child processes: the provider webhook formats the
// simulated customers speak (signed as the providers sign them), the send-time marker carried in each message text,
// and the messages exchanged over the IPC channel.
import { createHmac } from 'node:crypto';

export const CHANNELS = ['whatsapp', 'sms', 'telegram', 'messenger'] as const;
export type BenchChannel = (typeof CHANNELS)[number];

export const SECRETS = {
  whatsapp: 'bench-harness-whatsapp-secret',
  meta: 'bench-harness-meta-secret',
  twilio: 'bench-harness-twilio-token',
  telegram: 'bench-harness-telegram-secret',
};

/** Environment that enables the webhooks the harness uses. */
export function webhookEnv(base: string): Record<string, string> {
  return {
    WHATSAPP_APP_SECRET: SECRETS.whatsapp,
    META_APP_SECRET: SECRETS.meta,
    TWILIO_AUTH_TOKEN: SECRETS.twilio,
    TELEGRAM_SECRET_TOKEN: SECRETS.telegram,
    PUBLIC_URL: base,
  };
}

/** The stored channel name for each harness channel (Twilio SMS is stored as `sms`). */
export const STORED_CHANNEL: Record<BenchChannel, string> = {
  whatsapp: 'whatsapp',
  sms: 'sms',
  telegram: 'telegram',
  messenger: 'messenger',
};

const WEBHOOK_PATH: Record<BenchChannel, string> = {
  whatsapp: '/webhooks/whatsapp',
  sms: '/webhooks/twilio/sms',
  telegram: '/webhooks/telegram',
  messenger: '/webhooks/messenger',
};

/** The send time (ms since the epoch, 0.1 ms) travels in the text, so the agents' process can time the offer. */
export const MARKER = /\[t(\d+(?:\.\d+)?)\]/;
export function sentAtOf(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = MARKER.exec(text);
  return m === null ? undefined : Number(m[1]);
}

const NORMAL_TEXTS = [
  (k: number) => `Where is my order #A${100000 + k}? It has not arrived yet`,
  () => 'How do I reset the password of my account?',
  (k: number) => `I was charged twice on invoice INV-${2000 + k}, please refund`,
  () => 'What time does the delivery usually arrive?',
];

export function messageText(human: boolean, k: number, sentAt: number): string {
  const base = human
    ? `I need to talk to a human agent about my order ${100000 + k}`
    : (NORMAL_TEXTS[k % NORMAL_TEXTS.length] as (k: number) => string)(k);
  return `${base} [t${sentAt.toFixed(1)}]`;
}

/** Deterministic: is customer `idx` one who asks for a human (fraction `escalate`)? */
export function isHumanSeeker(idx: number, escalate: number): boolean {
  const h = Math.imul(idx ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return h / 2 ** 32 < escalate;
}

export interface Webhook {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** Stored channel and provider message id. */
  channel: string;
  providerMessageId: string;
}

function metaSign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function twilioSign(url: string, form: URLSearchParams): string {
  const sorted = [...form].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHmac('sha1', SECRETS.twilio)
    .update(url + sorted.map(([key, value]) => key + value).join(''))
    .digest('base64');
}

export interface MessageSpec {
  channel: BenchChannel;
  /** Customer index: one distinct phone number / user id each. */
  idx: number;
  /** Message number, unique per customer within one harness invocation (run offsets keep steps apart). */
  k: number;
  runId: string;
  text: string;
  sentAt: number;
  publicUrl: string;
}

const phone = (idx: number) => `1555${String(idx).padStart(7, '0')}`;

/** One inbound customer message in its provider's webhook format, signed. */
export function buildWebhook(m: MessageSpec): Webhook {
  const seconds = Math.floor(m.sentAt / 1000);
  switch (m.channel) {
    case 'whatsapp': {
      const id = `wamid.${m.runId}.${m.idx}.${m.k}`;
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
                  contacts: [{ profile: { name: `Customer ${m.idx}` }, wa_id: phone(m.idx) }],
                  messages: [
                    { from: phone(m.idx), id, timestamp: String(seconds), type: 'text', text: { body: m.text } },
                  ],
                },
              },
            ],
          },
        ],
      });
      return {
        path: WEBHOOK_PATH.whatsapp,
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(SECRETS.whatsapp, body) },
        channel: 'whatsapp',
        providerMessageId: id,
      };
    }
    case 'sms': {
      const sid = `SM${m.runId}${m.idx.toString(16).padStart(8, '0')}${m.k.toString(16).padStart(8, '0')}`;
      const form = new URLSearchParams({
        ToCountry: 'US',
        SmsMessageSid: sid,
        NumMedia: '0',
        SmsSid: sid,
        SmsStatus: 'received',
        Body: m.text,
        To: '+15550000000',
        MessageSid: sid,
        AccountSid: 'ACbenchharness00000000000000000000',
        From: `+${phone(m.idx)}`,
        ApiVersion: '2010-04-01',
      });
      const url = `${m.publicUrl.replace(/\/$/, '')}${WEBHOOK_PATH.sms}`;
      return {
        path: WEBHOOK_PATH.sms,
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSign(url, form) },
        channel: 'sms',
        providerMessageId: sid,
      };
    }
    case 'telegram': {
      const chat = 700_000_000 + m.idx;
      const body = JSON.stringify({
        update_id: m.k * 1_000_000 + m.idx,
        message: {
          message_id: m.k + 1,
          date: seconds,
          chat: { id: chat, type: 'private', first_name: `Customer${m.idx}` },
          from: { id: chat, is_bot: false, first_name: `Customer${m.idx}`, language_code: 'en' },
          text: m.text,
        },
      });
      return {
        path: WEBHOOK_PATH.telegram,
        body,
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRETS.telegram },
        channel: 'telegram',
        providerMessageId: `${chat}:${m.k + 1}`,
      };
    }
    case 'messenger': {
      const psid = String(6_000_000_000_000 + m.idx);
      const mid = `m_${m.runId}_${m.idx}_${m.k}`;
      const body = JSON.stringify({
        object: 'page',
        entry: [
          {
            id: '1234567890',
            time: Math.floor(m.sentAt),
            messaging: [
              {
                sender: { id: psid },
                recipient: { id: '1234567890' },
                timestamp: Math.floor(m.sentAt),
                message: { mid, text: m.text },
              },
            ],
          },
        ],
      });
      return {
        path: WEBHOOK_PATH.messenger,
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(SECRETS.meta, body) },
        channel: 'messenger',
        providerMessageId: mid,
      };
    }
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

// ---- IPC ----

export interface CustomersConfig {
  base: string;
  target: 'node' | 'bare';
  channels: BenchChannel[];
  conversations: number;
  /**
   * Message n goes to customer (customerOffset + n) mod conversations: find-max steps start where the previous one
   * stopped, so each step meets customers it has not written to (a returning customer is a repeat contact with an
   * answered conversation, which routing treats differently, and would change the mix between steps).
   */
  customerOffset: number;
  rate: number;
  durationSec: number;
  escalate: number;
  runId: string;
  /** Added to each customer's message number (keeps provider ids of successive steps apart). */
  kOffset: number;
  connections: number;
  maxInflight: number;
  /** Keep retrying a 5xx / connection error for this long (a provider's retry policy). */
  retryForMs: number;
}

export interface VerifyRequest {
  type: 'verify';
  analysis: boolean;
  /** Resend this many acknowledged webhooks as they were (a provider retry): each must be deduplicated. */
  resend: number;
  /** Verify at most this many customers (0 = all). */
  sampleCustomers: number;
  analysisWaitMs: number;
}

export interface CustomerTick {
  type: 'tick';
  t: number;
  sent: number;
  acked: number;
  errors: number;
  retries: number;
  inflight: number;
  ackP50: number;
  ackP99: number;
}

export interface CustomersDone {
  type: 'done';
  sent: number;
  acked: number;
  unacked: number;
  /** Refused (4xx) or given up after retrying. */
  failed: number;
  retries: number;
  errors: Record<string, number>;
  ack: string;
  /** The accepted attempt's own send → 2xx (compressed histogram, µs). */
  ackAttempt: string;
  /** Attempts refused with 503 OVERLOADED + Retry-After: send → refusal (compressed histogram, µs). */
  refusal: string;
  /** Attempts refused with 503 OVERLOADED + Retry-After. */
  overloaded: number;
  /** Messages acknowledged on their first attempt. */
  firstAttemptAcked: number;
  elapsedSec: number;
  scheduleLagMax: number;
  behind: number;
}

export interface VerifyResult {
  type: 'verified';
  checkedMessages: number;
  checkedCustomers: number;
  lost: number;
  duplicated: number;
  notAnalysed: number;
  resent: number;
  resendNon2xx: number;
  resendDuplicated: number;
  lostSamples: string[];
  duplicateSamples: string[];
  elapsedMs: number;
}

export interface AgentsConfig {
  base: string;
  agents: number;
  handleMs: number;
  acceptDelayMs: number;
  capacity: number;
}

/** Harness → agents: start a new step's counts; offers for messages sent before `since` count as stale. */
export interface AgentsReset {
  type: 'reset';
  since: number;
}

export interface AgentTick {
  type: 'tick';
  t: number;
  offers: number;
  accepted: number;
  resolved: number;
  live: number;
  errors: number;
  connected: number;
  offerP50: number;
  offerP99: number;
  liveP99: number;
}

export interface AgentsDone {
  type: 'done';
  offers: number;
  offersTimed: number;
  /** Offers whose triggering message was sent before the step began (a previous step's backlog): not timed. */
  offersStale: number;
  accepted: number;
  acceptFailed: Record<string, number>;
  replies: number;
  resolved: number;
  live: number;
  revoked: number;
  disconnects: number;
  errors: number;
  offer: string;
  live_: string;
  acceptRtt: string;
  steps: { ingest: string; analysis: string; decision: string; delivery: string };
}
