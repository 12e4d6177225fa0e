// Email reply through an injected nodemailer transport (the caller builds it from the SMTP settings). The reply threads
// in the customer's mail client per RFC 5322 §3.6.4: In-Reply-To is their Message-ID, References their References plus
// that id, the subject gets "Re: ". The Message-ID is derived from the outbox id, so a retried send is recognisably the
// same message (idempotency key), and it is the provider message id we report.
import type { SendMailOptions } from 'nodemailer';
import { requireText, unsupportedContent } from './content-errors.js';
import { DeliveryError, type OutboundAdapter, type OutboundMessage } from './outbound-adapter.js';

/** The part of a nodemailer Transporter this adapter uses. */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<unknown>;
}

export interface EmailConfig {
  from: { address: string; name?: string };
  /** Right-hand side of the Message-IDs we generate; defaults to the domain of the from address. */
  messageIdDomain?: string;
  /** Subject when the conversation has none to reply to. */
  defaultSubject?: string;
}

/** RFC 5322 atext plus '.', less '=' (our escape): what may stand unquoted left of the '@' in a msg-id. */
const ID_LEFT_SAFE = /[A-Za-z0-9!#$%&'*+/?^_`{|}~.-]/;

/** `<${id}@${domain}>`, with characters a msg-id cannot hold written as =XX so distinct ids stay distinct. */
export function emailMessageId(outboxId: string, domain: string): string {
  let left = '';
  for (const char of outboxId) {
    left += ID_LEFT_SAFE.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')].map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return `<${left}@${domain}>`;
}

/** Message-IDs found in header-ish values: "<a@b> <c@d>", "a@b", with or without brackets. */
export function parseMessageIds(values: readonly string[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    const bracketed = value.match(/<[^<>\s]+>/g);
    if (bracketed) ids.push(...bracketed);
    else
      ids.push(
        ...value
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((id) => `<${id}>`),
      );
  }
  return ids;
}

/** The References chain of a reply: the parent's References, then the parent's Message-ID, each id once, in order. */
export function replyReferences(references: readonly string[], inReplyTo: string | undefined): string[] {
  const parent = inReplyTo === undefined ? undefined : parseMessageIds([inReplyTo])[0];
  const chain = [...new Set(parseMessageIds(references))].filter((id) => id !== parent);
  return parent === undefined ? chain : [...chain, parent];
}

export function replySubject(subject: string | undefined, fallback: string): string {
  const original = subject?.trim();
  if (!original) return fallback;
  return /^re\s*:/i.test(original) ? original : `Re: ${original}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The plain text as minimal HTML: paragraphs at blank lines, <br> at single line breaks. */
export function textToHtml(text: string): string {
  const paragraphs = text
    .split(/\r?\n(?:[ \t]*\r?\n)+/)
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\r?\n/g, '<br>\n')}</p>`);
  return `<!DOCTYPE html><html><body>\n${paragraphs.join('\n')}\n</body></html>`;
}

/** Nodemailer error codes that mean the connection failed, not that the server refused the message. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EMAXLIMIT',
  'EFETCH',
]);

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  permanent?: unknown;
  message?: unknown;
}

/**
 * SMTP replies decide when there is one: 4yz is transient, 5yz permanent (RFC 5321 §4.2.1), except that nodemailer
 * marks 503 (bad sequence, a session problem) as not permanent and we follow its `permanent` flag. Without a reply,
 * connection-level failures are retryable and anything else (bad address, bad configuration) is not.
 */
export function smtpDeliveryError(error: unknown): DeliveryError {
  const failure: SmtpFailure = typeof error === 'object' && error !== null ? error : {};
  const message = `email: ${typeof failure.message === 'string' ? failure.message : String(error)}`;
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  if (typeof failure.responseCode === 'number') {
    const permanent =
      typeof failure.permanent === 'boolean'
        ? failure.permanent
        : failure.responseCode >= 500 && failure.responseCode < 600;
    return new DeliveryError(message, !permanent, String(failure.responseCode));
  }
  return new DeliveryError(message, code !== undefined && TRANSIENT_CODES.has(code), code ?? 'SMTP_ERROR');
}

/** The nodemailer message for one outbound message. */
export function emailMail(config: EmailConfig, message: OutboundMessage): SendMailOptions {
  const email = message.context.email ?? {};
  const references = replyReferences(email.references ?? [], email.inReplyTo);
  const inReplyTo = email.inReplyTo === undefined ? undefined : parseMessageIds([email.inReplyTo])[0];
  const mail: SendMailOptions = {
    from: config.from.name ? { name: config.from.name, address: config.from.address } : config.from.address,
    to: message.to,
    subject: replySubject(email.subject, config.defaultSubject ?? ''),
    messageId: emailMessageId(message.id, messageIdDomain(config)),
  };
  if (inReplyTo !== undefined) mail.inReplyTo = inReplyTo;
  if (references.length > 0) mail.references = references;

  const content = message.content;
  switch (content.type) {
    case 'text': {
      const text = requireText('email', content.text);
      return { ...mail, text, html: textToHtml(text) };
    }
    case 'media': {
      const text = content.caption ?? '';
      const attachment = content.fileName ? { filename: content.fileName, href: content.url } : { href: content.url };
      return { ...mail, text, html: textToHtml(text), attachments: [attachment] };
    }
    case 'template':
      throw unsupportedContent('email', content);
  }
}

function messageIdDomain(config: EmailConfig): string {
  return config.messageIdDomain ?? config.from.address.slice(config.from.address.lastIndexOf('@') + 1);
}

export function createEmailAdapter(config: EmailConfig, transport: MailTransport): OutboundAdapter {
  if (!messageIdDomain(config)) throw new Error('email: configure messageIdDomain or a from address with a domain');
  return {
    channel: 'email',
    async send(message) {
      const mail = emailMail(config, message);
      try {
        await transport.sendMail(mail);
      } catch (error) {
        throw smtpDeliveryError(error);
      }
      const messageId = mail.messageId ?? emailMessageId(message.id, messageIdDomain(config));
      return { providerMessageIds: [messageId], details: { messageId } };
    },
  };
}
