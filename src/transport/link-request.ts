// The JSON contract of POST /v1/customers/:id/identities: identities an integrator knows belong to this customer.
import { z } from 'zod';
import { parseJsonBody } from './json-body.js';
import { CHANNEL_TYPES, normalizeEmail, normalizePhone, OmniError, type Identity } from '../domain/index.js';

const identitySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('phone'), value: z.string().min(1).max(64) }).strict(),
  z.object({ kind: z.literal('email'), value: z.string().min(1).max(320) }).strict(),
  z
    .object({ kind: z.literal('channel'), channel: z.enum(CHANNEL_TYPES), value: z.string().trim().min(1).max(320) })
    .strict(),
]);

const linkSchema = z.object({ identities: z.array(identitySchema).min(1).max(20) }).strict();

export function parseLinkRequest(body: Buffer): Identity[] {
  const json = parseJsonBody(body);
  const parsed = linkSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  return parsed.data.identities.map((identity): Identity => {
    if (identity.kind === 'phone') {
      const value = normalizePhone(identity.value);
      if (value === undefined) throw new OmniError('VALIDATION_FAILED', `"${identity.value}" is not a phone number`);
      return { kind: 'phone', value };
    }
    if (identity.kind === 'email') {
      const value = normalizeEmail(identity.value);
      if (value === undefined) throw new OmniError('VALIDATION_FAILED', `"${identity.value}" is not an email address`);
      return { kind: 'email', value };
    }
    return { kind: 'channel', channel: identity.channel, value: identity.value };
  });
}
