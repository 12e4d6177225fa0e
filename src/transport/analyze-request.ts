// The JSON contract of POST /v1/analyze: {text, customerId?}. Text is required and non-blank; up to 100,000
// characters are accepted (the models read the first MAX_ANALYSED_CHARS of it).
import { z } from 'zod';
import { isCustomerId, OmniError, type CustomerId } from '../domain/index.js';
import { parseJsonBody } from './json-body.js';

const analyzeSchema = z
  .object({
    text: z
      .string()
      .max(100_000, 'text is limited to 100,000 characters')
      .refine((t) => t.trim() !== '', 'text must not be empty'),
    customerId: z.string().refine(isCustomerId, 'not a customer id (cus_…)').optional(),
  })
  .strict();

export function parseAnalyzeRequest(body: Buffer): { text: string; customerId?: CustomerId } {
  const parsed = analyzeSchema.safeParse(parseJsonBody(body));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  const { text, customerId } = parsed.data;
  return customerId === undefined ? { text } : { text, customerId: customerId as CustomerId };
}
