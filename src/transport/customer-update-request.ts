// The JSON contract of PATCH /v1/customers/:id: profile fields an integrator owns (CRM data). Value tier and VIP
// feed urgency (Requirement 5); purchases are appended to the history the agent desk shows.
import { z } from 'zod';
import { OmniError } from '../domain/index.js';
import type { CustomerUpdate } from '../actors/index.js';
import { parseJsonBody } from './json-body.js';

const purchaseSchema = z
  .object({
    orderId: z.string().min(1).max(128),
    amount: z.number().finite().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR'),
    at: z.number().int().min(0),
    items: z.array(z.string().min(1).max(256)).max(100).optional(),
  })
  .strict();

const updateSchema = z
  .object({
    name: z.string().trim().min(1).max(256).optional(),
    valueTier: z.enum(['standard', 'silver', 'gold', 'platinum']).optional(),
    vip: z.boolean().optional(),
    purchases: z.array(purchaseSchema).max(100).optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'nothing to update');

export function parseCustomerUpdate(body: Buffer): CustomerUpdate {
  const parsed = updateSchema.safeParse(parseJsonBody(body));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new OmniError('VALIDATION_FAILED', problems.join('; '), { problems });
  }
  const { purchases, ...rest } = parsed.data;
  const update: CustomerUpdate = { ...rest };
  if (purchases !== undefined)
    update.purchases = purchases.map((p) => ({ ...p, ...(p.items === undefined ? {} : { items: p.items }) }));
  return update;
}
