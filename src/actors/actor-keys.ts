// Actor kinds and their keys. Every key starts with the tenant, like every LMDB key, so one tenant's actor can never
// be addressed with another tenant's request.
import type { ConversationId, CustomerId, TenantId } from '../domain/index.js';
import { defineKind } from './actor-host.js';
import type { ConversationMsg } from './conversation-actor.js';
import type { CustomerMsg } from './customer-actor.js';
import type { IdentityMsg } from './identity-actor.js';

export const CONVERSATION = defineKind<ConversationMsg>('conversation');
export const CUSTOMER = defineKind<CustomerMsg>('customer');
export const IDENTITY = defineKind<IdentityMsg>('identity');

const SEP = '\u0000';

export function actorKey(tenant: TenantId, id: string): string {
  return `${tenant}${SEP}${id}`;
}

export function parseActorKey<Id extends string>(key: string): { tenant: TenantId; id: Id } {
  const at = key.indexOf(SEP);
  return { tenant: key.slice(0, at) as TenantId, id: key.slice(at + 1) as Id };
}

export type { ConversationId, CustomerId };
