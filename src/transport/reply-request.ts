// The JSON contract of POST /v1/conversations/:id/messages: a reply to the customer, delivered through the outbox.
import { z } from 'zod';
import {
  CHANNEL_TYPES,
  OmniError,
  type JsonObject,
  type MessageSender,
  type OutboundContent,
} from '../domain/index.js';
import type { ReplyRequest } from '../actors/index.js';
import { parseJsonBody } from './json-body.js';

const replySchema = z
  .object({
    text: z.string().min(1).max(65_536).optional(),
    template: z
      .object({
        name: z.string().min(1).max(512),
        language: z.string().min(2).max(16),
        parameters: z.array(z.string().max(1024)).max(20).default([]),
      })
      .strict()
      .optional(),
    media: z
      .object({
        kind: z.enum(['image', 'audio', 'video', 'document']),
        url: z.string().url(),
        caption: z.string().max(1024).optional(),
        fileName: z.string().max(256).optional(),
      })
      .strict()
      .optional(),
    channel: z.enum(CHANNEL_TYPES).optional(),
    sender: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('agent'),
            agentId: z.string().min(1).max(128),
            name: z.string().max(256).optional(),
          })
          .strict(),
        z.object({ kind: z.literal('bot') }).strict(),
        z.object({ kind: z.literal('api'), name: z.string().max(256).optional() }).strict(),
      ])
      .optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export function parseReplyRequest(body: Buffer): ReplyRequest {
  const parsed = replySchema.safeParse(parseJsonBody(body));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  const r = parsed.data;
  const given = [r.text, r.template, r.media].filter((x) => x !== undefined).length;
  if (given !== 1) throw new OmniError('VALIDATION_FAILED', 'exactly one of text, template or media is required');
  const content: OutboundContent =
    r.text !== undefined
      ? { type: 'text', text: r.text }
      : r.template !== undefined
        ? { type: 'template', name: r.template.name, language: r.template.language, parameters: r.template.parameters }
        : {
            type: 'media',
            mediaKind: r.media!.kind,
            url: r.media!.url,
            ...(r.media!.caption === undefined ? {} : { caption: r.media!.caption }),
            ...(r.media!.fileName === undefined ? {} : { fileName: r.media!.fileName }),
          };
  const sender: MessageSender = (r.sender as MessageSender | undefined) ?? { kind: 'api' };
  return {
    content,
    sender,
    ...(r.channel === undefined ? {} : { channel: r.channel }),
    ...(r.metadata === undefined ? {} : { metadata: r.metadata as JsonObject }),
  };
}
