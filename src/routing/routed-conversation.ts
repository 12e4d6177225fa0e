// The router's record of one conversation handed to humans: waiting in a queue, offered to one agent (capacity
// reserved), or assigned to one agent. A conversation is in exactly one of these states, with exactly one agent when
// offered or assigned; resolving it removes the record.
import type { WorkItem } from './routing-types.js';

export type RoutedState = 'waiting' | 'offered' | 'assigned';

export interface RoutedConversation {
  item: WorkItem;
  skill: string;
  language: string;
  queueId: string;
  state: RoutedState;
  /** Queue bucket: urgency (plus an escalation boost), rounded and clamped to 1..10. */
  priority: number;
  /** Start of the wait used for aging and relaxation (kept across re-offers). */
  enqueuedAt: number;
  /** Tie-breaker: arrival order. */
  seq: number;
  relaxLevel: number;
  /** Agents skipped for this conversation (declined or let the offer expire), until the given time. */
  skips: Map<string, number> | undefined;
  agentId: string | undefined;
  /** Weighted units reserved / held on agentId. */
  weight: number;
  /** Identifies the live offer (its timer entries carry it). */
  offerToken: number;
  offerExpiresAt: number;
  assignedAt: number;
  escalated: boolean;
  /** The last estimate told to the customer. */
  lastEstimateMs: number | undefined;
  /** Identifies the pending relaxation timer. */
  relaxToken: number;
}
