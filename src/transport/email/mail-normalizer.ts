// Turns a parsed MIME message (mailparser) into an inbound draft: sender and display name, the body as text (the
// plain part, or the HTML part reduced to text), RFC 2047 subjects decoded, the Message-ID as provider id, and the
// threading headers (In-Reply-To, References) kept so replies thread on both sides.
import type { AddressObject, ParsedMail } from 'mailparser';
import { normalizeEmail, OmniError, type JsonObject } from '../../domain/index.js';
import type { InboundDraft } from '../../actors/index.js';

export interface NormalizedMail {
  draft: InboundDraft;
  /** Message-IDs this mail refers to, oldest first (References then In-Reply-To). */
  references: string[];
  attachments: Array<{ content: Buffer; mimeType: string; fileName?: string }>;
}

export function normalizeMail(parsed: ParsedMail, rawSha256: string): NormalizedMail {
  const sender = parsed.from?.value[0];
  const address = sender?.address === undefined ? undefined : normalizeEmail(sender.address);
  if (address === undefined) throw new OmniError('INVALID_SENDER', 'mail has no valid From address');
  const references = [...toArray(parsed.references), ...toArray(parsed.inReplyTo)].filter(
    (id, i, all) => all.indexOf(id) === i,
  );
  const text = (parsed.text ?? (typeof parsed.html === 'string' ? htmlToText(parsed.html) : '')).trim();
  const subject = parsed.subject ?? '';
  const email: JsonObject = {
    subject,
    ...(parsed.messageId === undefined ? {} : { messageId: parsed.messageId }),
    ...(parsed.inReplyTo === undefined ? {} : { inReplyTo: parsed.inReplyTo }),
    references,
  };
  const metadata: JsonObject = {
    provider: 'smtp',
    email,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
    attachments: parsed.attachments.map((a) => ({
      fileName: a.filename ?? null,
      mimeType: a.contentType,
      size: a.size,
    })),
  };
  const draft: InboundDraft = {
    channel: 'email',
    from: address,
    // The subject carries meaning ("Refund for order 123") when the body is short or empty.
    content: { type: 'text', text: text.length > 0 ? text : subject.length > 0 ? subject : '(empty message)' },
    // A retried delivery of the same mail carries the same Message-ID; without one, the raw bytes identify it.
    providerMessageId: parsed.messageId ?? `sha256:${rawSha256}`,
    ...(parsed.date === undefined ? {} : { timestamp: parsed.date.getTime() }),
    ...(sender?.name ? { name: sender.name } : {}),
    metadata,
  };
  return {
    draft,
    references,
    attachments: parsed.attachments.map((a) => ({
      content: a.content,
      mimeType: a.contentType,
      ...(a.filename === undefined ? {} : { fileName: a.filename }),
    })),
  };
}

function toArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : value.split(/\s+/)).map((v) => v.trim()).filter((v) => v.length > 0);
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a.length > 0);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A plain-text rendering of an HTML body: line breaks kept, tags and scripts dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
      if (entity.startsWith('#x') || entity.startsWith('#X'))
        return String.fromCodePoint(parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
      return ENTITIES[entity.toLowerCase()] ?? match;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
