// The JSON contract of POST /v1/messages, validated with zod. Unknown fields are refused (rather than silently
// dropped), unknown channels get their own error code, timestamps accept epoch seconds, epoch ms or ISO 8601.
import { z } from 'zod';
import { parseJsonBody } from './json-body.js';
import { CHANNEL_TYPES, isChannelType, OmniError, type JsonObject } from '../domain/index.js';
import type { InboundDraft } from '../actors/index.js';

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const messageSchema = z
  .object({
    channel: z.string(),
    from: z.string().trim().min(1).max(320),
    text: z.string().min(1).max(65_536),
    providerMessageId: z.string().min(1).max(256).optional(),
    timestamp: z.union([z.number().nonnegative(), z.string().min(1)]).optional(),
    name: z.string().trim().min(1).max(256).optional(),
    email: z.string().max(320).optional(),
    phone: z.string().max(64).optional(),
    metadata: z.record(z.string(), jsonValue).optional(),
  })
  .strict();

/** Epoch seconds (as providers such as WhatsApp send), epoch ms, or an ISO 8601 string → epoch ms. */
export function parseTimestamp(value: number | string): number | undefined {
  if (typeof value === 'number') return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  if (/^\d+(\.\d+)?$/.test(value)) return parseTimestamp(Number(value));
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseMessageRequest(body: Buffer): InboundDraft {
  const json = parseJsonBody(body);
  if (typeof json === 'object' && json !== null && 'channel' in json) {
    const channel = (json as { channel: unknown }).channel;
    if (typeof channel === 'string' && !isChannelType(channel)) {
      throw new OmniError(
        'UNKNOWN_CHANNEL',
        `unknown channel "${channel}"; expected one of ${CHANNEL_TYPES.join(', ')}`,
      );
    }
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  const m = parsed.data;
  if (!isChannelType(m.channel)) throw new OmniError('UNKNOWN_CHANNEL', `unknown channel "${m.channel}"`);
  let timestamp: number | undefined;
  if (m.timestamp !== undefined) {
    timestamp = parseTimestamp(m.timestamp);
    if (timestamp === undefined)
      throw new OmniError('VALIDATION_FAILED', `timestamp: "${String(m.timestamp)}" is not a time`);
  }
  return {
    channel: m.channel,
    from: m.from,
    content: { type: 'text', text: m.text },
    ...(m.providerMessageId === undefined ? {} : { providerMessageId: m.providerMessageId }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(m.name === undefined ? {} : { name: m.name }),
    ...(m.email === undefined ? {} : { email: m.email }),
    ...(m.phone === undefined ? {} : { phone: m.phone }),
    ...(m.metadata === undefined ? {} : { metadata: m.metadata as JsonObject }),
  };
}
