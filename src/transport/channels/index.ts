// Builds the inbound webhook adapters a node's configuration enables. A channel without its secret is not served:
// its path answers 404 CHANNEL_NOT_CONFIGURED rather than accepting requests it cannot verify.
import { randomBytes } from 'node:crypto';
import type { OmniConfig } from '../../config/index.js';
import { createInstagramAdapter, createMessengerAdapter } from './messenger.js';
import { createTelegramAdapter } from './telegram.js';
import { createTwilioSmsAdapter } from './twilio-sms.js';
import { createTwilioVoiceAdapter } from './twilio-voice.js';
import type { WebhookAdapter } from './webhook-adapter.js';
import { createWhatsAppAdapter } from './whatsapp.js';

export const WEBHOOK_PATHS = {
  whatsapp: '/webhooks/whatsapp',
  messenger: '/webhooks/messenger',
  instagram: '/webhooks/instagram',
  twilioSms: '/webhooks/twilio/sms',
  twilioVoice: '/webhooks/twilio/voice',
  telegram: '/webhooks/telegram',
} as const;

export function buildWebhookAdapters(config: OmniConfig): { adapters: WebhookAdapter[]; unconfigured: string[] } {
  const { whatsapp, meta, twilio, telegram } = config.channels;
  const adapters: WebhookAdapter[] = [];
  const unconfigured: string[] = [];
  const add = (enabled: boolean, path: string, make: () => WebhookAdapter) => {
    if (enabled) adapters.push(make());
    else unconfigured.push(path);
  };
  // POST needs only the app secret. A missing verify token falls back to the other Meta token, and without any a random
  // one, so GET subscription checks fail closed instead of disabling message delivery.
  const unguessable = randomBytes(24).toString('hex');
  const waVerify = whatsapp.verifyToken ?? meta.verifyToken ?? unguessable;
  const metaVerify = meta.verifyToken ?? whatsapp.verifyToken ?? unguessable;
  add(whatsapp.appSecret !== undefined, WEBHOOK_PATHS.whatsapp, () =>
    createWhatsAppAdapter({ appSecret: whatsapp.appSecret!, verifyToken: waVerify }),
  );
  // Messenger and Instagram are the same Meta app as WhatsApp by default: its secret signs their webhooks too.
  const metaSecret = meta.appSecret ?? whatsapp.appSecret;
  const metaSecrets = () => ({ appSecret: metaSecret!, verifyToken: metaVerify });
  add(metaSecret !== undefined, WEBHOOK_PATHS.messenger, () => createMessengerAdapter(metaSecrets()));
  add(metaSecret !== undefined, WEBHOOK_PATHS.instagram, () => createInstagramAdapter(metaSecrets()));
  add(twilio.authToken !== undefined, WEBHOOK_PATHS.twilioSms, () =>
    createTwilioSmsAdapter({ authToken: twilio.authToken! }),
  );
  add(twilio.authToken !== undefined, WEBHOOK_PATHS.twilioVoice, () =>
    createTwilioVoiceAdapter({
      authToken: twilio.authToken!,
      actionPath: WEBHOOK_PATHS.twilioVoice,
      greeting: twilio.voiceGreeting,
      language: twilio.voiceLanguage,
    }),
  );
  add(telegram.secretToken !== undefined, WEBHOOK_PATHS.telegram, () =>
    createTelegramAdapter({ secretToken: telegram.secretToken! }),
  );
  return { adapters, unconfigured };
}

export type { WebhookAdapter };
