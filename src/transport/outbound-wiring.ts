// Builds the outbound adapters a node's configuration enables: a channel without credentials has no adapter, and
// its deliveries fail at once (non-retryable, logged) instead of retrying forever. Every provider call goes through
// one keep-alive node:http client with the configured timeout (media downloads keep the fetch-based one).
import nodemailer from 'nodemailer';
import type { OmniConfig } from '../config/index.js';
import type { ChannelType } from '../domain/index.js';
import {
  createEmailAdapter,
  createMetaSendAdapter,
  createTelegramAdapter,
  createTwilioSmsAdapter,
  createTwilioVoiceAdapter,
  createWebchatAdapter,
  createWhatsAppAdapter,
  keepAliveHttpClient,
  type HttpClient,
  type OutboundAdapter,
} from './outbound/index.js';
import type { WebChat } from './webchat.js';

export function timedFetch(timeoutMs: number): HttpClient {
  return (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

export function buildOutboundAdapters(
  config: OmniConfig,
  deps: { webchat: WebChat },
): Partial<Record<ChannelType, OutboundAdapter>> {
  const http = keepAliveHttpClient({ timeoutMs: config.outbox.requestTimeoutMs });
  const { whatsapp, meta, twilio, telegram, email } = config.channels;
  const adapters: Partial<Record<ChannelType, OutboundAdapter>> = {
    webchat: createWebchatAdapter({}, (visitorId, event, payload) =>
      deps.webchat.emitToVisitor(visitorId, event, payload),
    ),
  };
  if (whatsapp.accessToken !== undefined && whatsapp.phoneNumberId !== undefined) {
    adapters.whatsapp = createWhatsAppAdapter(
      {
        baseUrl: whatsapp.apiBaseUrl,
        apiVersion: whatsapp.apiVersion,
        phoneNumberId: whatsapp.phoneNumberId,
        accessToken: whatsapp.accessToken,
      },
      http,
    );
  }
  if (meta.pageAccessToken !== undefined) {
    for (const channel of ['messenger', 'instagram'] as const) {
      adapters[channel] = createMetaSendAdapter(
        { channel, baseUrl: meta.apiBaseUrl, apiVersion: meta.apiVersion, pageAccessToken: meta.pageAccessToken },
        http,
      );
    }
  }
  if (twilio.accountSid !== undefined && twilio.authToken !== undefined) {
    if (twilio.fromNumber !== undefined) {
      adapters.sms = createTwilioSmsAdapter(
        {
          baseUrl: twilio.apiBaseUrl,
          accountSid: twilio.accountSid,
          authToken: twilio.authToken,
          from: twilio.fromNumber,
        },
        http,
      );
    }
    adapters.voice = createTwilioVoiceAdapter(
      {
        baseUrl: twilio.apiBaseUrl,
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        language: twilio.voiceLanguage,
        gatherActionUrl: `${(config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/$/, '')}/webhooks/twilio/voice`,
      },
      http,
    );
  }
  if (telegram.botToken !== undefined) {
    adapters.telegram = createTelegramAdapter({ baseUrl: telegram.apiBaseUrl, botToken: telegram.botToken }, http);
  }
  if (email.smtpHost !== undefined) {
    const transport = nodemailer.createTransport({
      host: email.smtpHost,
      port: email.smtpPort,
      secure: email.smtpSecure,
      ...(email.smtpUser === undefined ? {} : { auth: { user: email.smtpUser, pass: email.smtpPass ?? '' } }),
      connectionTimeout: config.outbox.requestTimeoutMs,
      greetingTimeout: config.outbox.requestTimeoutMs,
      socketTimeout: config.outbox.requestTimeoutMs,
    });
    const parsed = /^\s*(?:"?([^"<]*)"?\s*)?<([^>]+)>\s*$/.exec(email.from);
    const from =
      parsed === null
        ? { address: email.from.trim() }
        : { address: parsed[2]!.trim(), ...(parsed[1]?.trim() ? { name: parsed[1].trim() } : {}) };
    adapters.email = createEmailAdapter({ from, messageIdDomain: email.messageIdDomain }, transport);
  }
  return adapters;
}
