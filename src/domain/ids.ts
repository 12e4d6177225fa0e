// Identifiers: a type prefix, then a time-ordered part and 80 random bits, so ids sort by creation time and never
// collide across shards or restarts without coordination.
import { randomBytes } from 'node:crypto';

export type CustomerId = string & { readonly __brand: 'CustomerId' };
export type ConversationId = string & { readonly __brand: 'ConversationId' };
export type MessageId = string & { readonly __brand: 'MessageId' };
export type AgentId = string & { readonly __brand: 'AgentId' };

const ID_PATTERN = /^(cus|cnv|msg|agt)_[0-9a-z]{9}[0-9A-Za-z_-]{14}$/;

function newId(prefix: string): string {
  // 9 base36 chars of milliseconds cover the years up to 5188; fixed width keeps lexicographic = chronological.
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(10).toString('base64url').slice(0, 14)}`;
}

export const newCustomerId = (): CustomerId => newId('cus') as CustomerId;
export const newConversationId = (): ConversationId => newId('cnv') as ConversationId;
export const newMessageId = (): MessageId => newId('msg') as MessageId;

export function isCustomerId(s: string): s is CustomerId {
  return s.startsWith('cus_') && ID_PATTERN.test(s);
}
export function isConversationId(s: string): s is ConversationId {
  return s.startsWith('cnv_') && ID_PATTERN.test(s);
}
