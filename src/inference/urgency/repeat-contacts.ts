// Repeat contacts (Requirement 5.4): how many times this customer raised the same intent within the window, and the
// bounded memory of recent intents kept on the customer's profile to answer that.
import type { RecentIntent } from '../../domain/index.js';

/** Recent intents kept per customer (older ones fall off; the window bounds them anyway). */
export const RECENT_INTENTS_KEPT = 20;

export function countRepeatContacts(recent: readonly RecentIntent[], intent: string, now: number, windowMs: number) {
  return recent.filter((r) => r.intent === intent && r.at <= now && now - r.at <= windowMs).length;
}

/** The memory with this contact added, pruned to the window and to RECENT_INTENTS_KEPT entries. */
export function rememberIntent(
  recent: readonly RecentIntent[],
  intent: string,
  now: number,
  windowMs: number,
): RecentIntent[] {
  return [...recent.filter((r) => now - r.at <= windowMs), { intent, at: now }].slice(-RECENT_INTENTS_KEPT);
}
