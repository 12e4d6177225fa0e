// The JSON contract of POST /v1/agents: an agent's routing profile (skills with levels 1-5, languages, capacity,
// per-channel weights). The answer carries the agent's desk token.
import { z } from 'zod';
import { CHANNEL_TYPES, OmniError } from '../domain/index.js';
import type { AgentProfile } from '../routing/index.js';
import { parseJsonBody } from './json-body.js';

const agentSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'id: 1-64 letters, digits, _ . : -'),
    name: z.string().trim().min(1).max(256),
    skills: z
      .array(z.object({ skill: z.string().min(1).max(64), level: z.number().int().min(1).max(5) }).strict())
      .max(50),
    languages: z
      .array(z.string().regex(/^[a-z]{2,3}$/, 'ISO 639-1 code, e.g. en'))
      .min(1)
      .max(20),
    capacity: z.number().int().min(1).max(100).optional(),
    channelWeights: z.partialRecord(z.enum(CHANNEL_TYPES), z.number().int().min(1).max(100)).optional(),
  })
  .strict();

export function parseAgentRequest(body: Buffer): AgentProfile {
  const parsed = agentSchema.safeParse(parseJsonBody(body));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  const { capacity, channelWeights, ...rest } = parsed.data;
  return {
    ...rest,
    ...(capacity === undefined ? {} : { capacity }),
    ...(channelWeights === undefined ? {} : { channelWeights }),
  };
}
