// Identifiers: a type prefix, then a time-ordered part and 80 random bits, so ids sort by creation time and never
// collide across shards or restarts without coordination.
import { randomFillSync } from 'node:crypto';

export type CustomerId = string & { readonly __brand: 'CustomerId' };
export type ConversationId = string & { readonly __brand: 'ConversationId' };
export type MessageId = string & { readonly __brand: 'MessageId' };
export type AgentId = string & { readonly __brand: 'AgentId' };

const ID_PATTERN = /^(cus|cnv|msg|agt|out)_[0-9a-z]{9}[0-9A-Za-z_-]{14}$/;

// Random bytes are drawn from the OS in blocks: one getrandom call per 409 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomPart(): string {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const part = pool.toString('base64url', poolOffset, poolOffset + 10).slice(0, 14);
  poolOffset += 10;
  return part;
}

function newId(prefix: string): string {
  // 9 base36 chars of milliseconds cover the years up to 5188; fixed width keeps lexicographic = chronological.
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomPart()}`;
}

export const newCustomerId = (): CustomerId => newId('cus') as CustomerId;
export const newConversationId = (): ConversationId => newId('cnv') as ConversationId;
export const newMessageId = (): MessageId => newId('msg') as MessageId;
export const newOutboxId = (): string => newId('out');

export function isCustomerId(s: string): s is CustomerId {
  return s.startsWith('cus_') && ID_PATTERN.test(s);
}
export function isConversationId(s: string): s is ConversationId {
  return s.startsWith('cnv_') && ID_PATTERN.test(s);
}
