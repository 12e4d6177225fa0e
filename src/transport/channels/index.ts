// Builds the inbound webhook adapters a node's configuration enables. A channel without its secret is not served:
// its path answers 404 CHANNEL_NOT_CONFIGURED rather than accepting requests it cannot verify.
import { randomBytes } from 'node:crypto';
import type { OmniConfig } from '../../config/index.js';
import { createInstagramAdapter, createMessengerAdapter } from './messenger.js';
import { createTelegramAdapter } from './telegram.js';
import { createTwilioSmsAdapter } from './twilio-sms.js';
import { createTwilioVoiceAdapter } from './twilio-voice.js';
import { DEFAULT_TENANT, parseTenantId, type TenantId } from '../../domain/index.js';
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

/** A webhook route: the adapter, where it is served, and the tenant its messages belong to. */
export interface WebhookRoute {
  adapter: WebhookAdapter;
  path: string;
  tenant: TenantId;
}

interface Secrets {
  whatsapp: { appSecret?: string | undefined; verifyToken?: string | undefined };
  meta: { appSecret?: string | undefined; verifyToken?: string | undefined };
  twilio: { authToken?: string | undefined };
  telegram: { secretToken?: string | undefined };
}

/** The adapters one set of secrets enables, served under `prefix`, for `tenant`. */
function routesFor(
  config: OmniConfig,
  secrets: Secrets,
  prefix: string,
  tenant: TenantId,
): { routes: WebhookRoute[]; unconfigured: string[] } {
  const { whatsapp, meta, twilio, telegram } = secrets;
  const routes: WebhookRoute[] = [];
  const unconfigured: string[] = [];
  const add = (enabled: boolean, path: string, make: () => WebhookAdapter) => {
    if (enabled) routes.push({ adapter: make(), path: prefix + path, tenant });
    else unconfigured.push(prefix + path);
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
      actionPath: prefix + WEBHOOK_PATHS.twilioVoice,
      greeting: config.channels.twilio.voiceGreeting,
      language: config.channels.twilio.voiceLanguage,
    }),
  );
  add(telegram.secretToken !== undefined, WEBHOOK_PATHS.telegram, () =>
    createTelegramAdapter({ secretToken: telegram.secretToken! }),
  );
  return { routes, unconfigured };
}

/**
 * Every webhook route of a node: the node-wide secrets serve the `default` tenant at /webhooks/…; a tenant with its
 * own `webhooks` secrets is served at /t/<tenant>/webhooks/…, and its messages land in that tenant only.
 */
export function buildWebhookAdapters(config: OmniConfig): { routes: WebhookRoute[]; unconfigured: string[] } {
  const all = routesFor(config, config.channels, '', DEFAULT_TENANT);
  for (const tenant of config.tenants) {
    // A tenant without its own secrets still gets its paths, answering CHANNEL_NOT_CONFIGURED.
    const own = routesFor(
      config,
      {
        whatsapp: tenant.webhooks?.whatsapp ?? {},
        meta: tenant.webhooks?.meta ?? {},
        twilio: tenant.webhooks?.twilio ?? {},
        telegram: tenant.webhooks?.telegram ?? {},
      },
      `/t/${tenant.id}`,
      parseTenantId(tenant.id),
    );
    all.routes.push(...own.routes);
    all.unconfigured.push(...own.unconfigured);
  }
  return all;
}

export type { WebhookAdapter };
