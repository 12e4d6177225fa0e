// The routing core's public types and its default policy (Requirements 5.3, 6, 7.1, 8, 10). Everything here is
// plain data: the Router takes profiles, work items and a policy, and answers with decisions and events that the host
// forwards to sockets and customers. Times are epoch milliseconds passed in by the caller (no clock is read here).
import type { ChannelType } from '../domain/channel.js';
import type { AgentStatus } from '../domain/agent.js';

export interface AgentProfile {
  id: string;
  name: string;
  skills: Array<{ skill: string; level: number }>;
  languages: string[];
  /** Concurrent capacity in weighted units (default: policy.maxConcurrent, 5). */
  capacity?: number;
  /** Units one conversation on a channel uses; default 1 each, voice = the whole capacity. */
  channelWeights?: Partial<Record<ChannelType, number>>;
}

export interface WorkItem {
  conversationId: string;
  customerId: string;
  channel: ChannelType;
  /** 1-10 (Requirement 5.1); rounded and clamped for queueing. */
  urgency: number;
  intent: string;
  /** ISO 639-1, or 'und' (undetermined: any language matches). */
  language: string;
  /** Derived from the intent through policy.skillByIntent when absent. */
  requiredSkill?: string;
  /** Minimum skill level (1-5) before relaxation level 1; default policy.minSkillLevel. */
  minSkillLevel?: number;
  /** When the customer started waiting (default: the time of the enqueue call). */
  enqueuedAt?: number;
}

export type RoutingEventKind =
  | 'automated'
  | 'queued'
  | 'offered'
  | 'accepted'
  | 'declined'
  | 'offer-timeout'
  | 'requeued'
  | 'relaxed'
  | 'resolved'
  | 'transferred'
  | 'escalated';

export interface RoutingDecision {
  id: string;
  at: number;
  conversationId: string;
  kind: RoutingEventKind;
  agentId?: string;
  reasons: string[];
  /** The best candidates considered for an offer (at most 5), best first, with the parts of their score. */
  candidates?: Array<{ agentId: string; score: number; parts: Record<string, number> }>;
  waitEstimateMs?: number;
  relaxLevel?: number;
  /** Position in the queue (1 = next) for 'queued' / 'requeued' / 'escalated' decisions that left it waiting. */
  position?: number;
  /** An offer made to an agent named by a person (a transfer), not chosen by skill matching. */
  directed?: boolean;
}

export interface RoutingPolicy {
  /** Default agent capacity in weighted units (Requirement 6.4). */
  maxConcurrent: number;
  /** Automate only when confidence is strictly above this (Requirement 7.1). */
  automationMinConfidence: number;
  /** Urgency at or above this always goes to a human (Requirement 5.3). */
  humanUrgency: number;
  /** An offer not accepted within this is revoked, the agent skipped, the conversation re-offered. */
  offerTimeoutMs: number;
  /** Waits after which the requirements relax: level 1 ignores skill level, 2 the skill, 3 the language. */
  relaxAfterMs: number[];
  /** Aging: one urgency point per agingMs of waiting (effective priority = urgency + waitedMs / agingMs). */
  agingMs: number;
  /** How long a disconnected (or offline) agent keeps their conversations before they are re-queued. */
  disconnectGraceMs: number;
  /** Words or phrases that ask for a human (Requirement 10.1), matched case- and accent-insensitively on word edges. */
  escalationKeywords: string[];
  /** Failed automation attempts after which the conversation goes to a human (Requirement 10.2). */
  maxFailedAutomation: number;
  /** Intent → skill. */
  skillByIntent: Record<string, string>;
  /** Score weights for agent matching; the default continuity weight outweighs all others together. */
  weights: { skill: number; workload: number; performance: number; continuity: number };
  // ---- additions (all optional in the constructor's Partial) ----
  /** Skill used when an intent has no mapping. */
  defaultSkill: string;
  /** Minimum skill level required before relaxation level 1 (1 = any level). */
  minSkillLevel: number;
  /** Urgency points added to escalated conversations (clamped to 10). */
  escalationPriorityBoost: number;
  /** How long an agent who declined or let an offer expire is skipped for that conversation. */
  skipAgentMs: number;
  /** A 'wait-estimate' event is re-sent when the estimate moved by at least this fraction ... */
  waitEstimateChangeRatio: number;
  /** ... and at least this many milliseconds. */
  waitEstimateChangeMs: number;
  /** How often tick() re-computes the estimates of waiting conversations. */
  waitEstimateIntervalMs: number;
  /** How often tick() emits a 'queue-status' event (0: never). */
  queueStatusIntervalMs: number;
  /** Mean handle time assumed before a queue has observed any (5 min). */
  defaultHandleTimeMs: number;
  /** EWMA weight of a new outcome in an agent's performance score. */
  performanceAlpha: number;
  /** EWMA weight of a new observation in a queue's handle time and inter-arrival time. */
  serviceAlpha: number;
}

/** Bitext's intents (and our extra ones) mapped to the six skills. */
export const DEFAULT_SKILL_BY_INTENT: Readonly<Record<string, string>> = {
  check_invoice: 'billing',
  get_invoice: 'billing',
  check_payment_methods: 'billing',
  payment_issue: 'billing',
  get_refund: 'billing',
  track_refund: 'billing',
  check_refund_policy: 'billing',
  check_cancellation_fee: 'billing',
  cancel_order: 'orders',
  change_order: 'orders',
  place_order: 'orders',
  track_order: 'shipping',
  change_shipping_address: 'shipping',
  set_up_shipping_address: 'shipping',
  delivery_options: 'shipping',
  delivery_period: 'shipping',
  create_account: 'accounts',
  delete_account: 'accounts',
  edit_account: 'accounts',
  recover_password: 'accounts',
  registration_problems: 'accounts',
  switch_account: 'accounts',
  newsletter_subscription: 'accounts',
  technical_issue: 'technical',
  complaint: 'general',
  contact_customer_service: 'general',
  contact_human_agent: 'general',
  review: 'general',
  greeting: 'general',
  thanks: 'general',
  other: 'general',
};

export const DEFAULT_ESCALATION_KEYWORDS: readonly string[] = [
  'human',
  'real person',
  'live agent',
  'an agent',
  'representative',
  'operator',
  'speak to someone',
  'talk to someone',
  'supervisor',
  'manager',
  'humano',
  'persona real',
  'un humain',
  'conseiller',
  'mensch',
  'mitarbeiter',
];

export const DEFAULT_ROUTING_POLICY: RoutingPolicy = Object.freeze({
  maxConcurrent: 5,
  automationMinConfidence: 0.85,
  humanUrgency: 8,
  offerTimeoutMs: 30_000,
  relaxAfterMs: [30_000, 90_000, 180_000],
  agingMs: 60_000,
  disconnectGraceMs: 60_000,
  escalationKeywords: [...DEFAULT_ESCALATION_KEYWORDS],
  maxFailedAutomation: 3,
  skillByIntent: { ...DEFAULT_SKILL_BY_INTENT },
  weights: { skill: 0.2, workload: 0.3, performance: 0.2, continuity: 1 },
  defaultSkill: 'general',
  minSkillLevel: 1,
  escalationPriorityBoost: 2,
  skipAgentMs: 60_000,
  waitEstimateChangeRatio: 0.3,
  waitEstimateChangeMs: 30_000,
  waitEstimateIntervalMs: 5_000,
  queueStatusIntervalMs: 1_000,
  defaultHandleTimeMs: 300_000,
  performanceAlpha: 0.1,
  serviceAlpha: 0.1,
});

/** The default policy with overrides applied; weights and skillByIntent merge key by key. */
export function resolvePolicy(overrides: Partial<RoutingPolicy> = {}): RoutingPolicy {
  const policy: RoutingPolicy = {
    ...DEFAULT_ROUTING_POLICY,
    ...overrides,
    weights: { ...DEFAULT_ROUTING_POLICY.weights, ...overrides.weights },
    skillByIntent: { ...DEFAULT_ROUTING_POLICY.skillByIntent, ...overrides.skillByIntent },
    relaxAfterMs: [...(overrides.relaxAfterMs ?? DEFAULT_ROUTING_POLICY.relaxAfterMs)].sort((a, b) => a - b),
    escalationKeywords: [...(overrides.escalationKeywords ?? DEFAULT_ROUTING_POLICY.escalationKeywords)],
  };
  if (!(policy.agingMs > 0)) throw new RangeError('routing policy: agingMs must be > 0');
  if (!(policy.maxConcurrent >= 1)) throw new RangeError('routing policy: maxConcurrent must be >= 1');
  if (!(policy.offerTimeoutMs > 0)) throw new RangeError('routing policy: offerTimeoutMs must be > 0');
  return policy;
}

export type RevokeReason = 'timeout' | 'declined' | 'agent-offline' | 'capacity-changed' | 'withdrawn';
export type UnassignReason = 'resolved' | 'transferred' | 'agent-disconnected';

/** Events the host forwards to agents' sockets and to customers. */
export type RouterEvent =
  | { type: 'offer'; agentId: string; item: WorkItem; decision: RoutingDecision; expiresAt: number }
  | { type: 'assigned'; agentId: string; conversationId: string }
  | { type: 'offer-revoked'; agentId: string; conversationId: string; reason: RevokeReason }
  | { type: 'unassigned'; agentId: string; conversationId: string; reason: UnassignReason }
  | {
      type: 'wait-estimate';
      conversationId: string;
      customerId: string;
      channel: ChannelType;
      waitEstimateMs: number;
      position: number;
    }
  | { type: 'queue-status'; queues: QueueStatus[] };

export interface QueueStatus {
  /** `${skill}:${language}` */
  id: string;
  skill: string;
  language: string;
  depth: number;
  oldestWaitMs: number;
  waitEstimateMs: number;
  agentsOnline: number;
  serviceRatePerMin: number;
}

export interface AgentView {
  id: string;
  name: string;
  status: AgentStatus;
  /** False between agentDisconnected and agentReconnected. */
  connected: boolean;
  skills: Array<{ skill: string; level: number }>;
  languages: string[];
  capacity: number;
  /** Weighted units in use: offers (reserved) + assigned conversations. */
  load: number;
  conversations: string[];
  offers: string[];
  performanceScore: number;
  customersServed: number;
  /** When the agent's conversations will be re-queued if they do not come back. */
  graceEndsAt?: number;
}

export interface RecommendationContext {
  intent: string;
  sentiment: { score: number; label: string };
  entities: Array<{ type: string; value: unknown }>;
  urgency: number;
  history?: Array<{ intent: string; resolved: boolean; action?: string }>;
  /** The conversation's sentiment deteriorated (Requirement 3.5): suggests a follow-up. */
  deteriorating?: boolean;
}

export interface RecommendedAction {
  action: string;
  label: string;
  confidence: number;
  proactive: boolean;
  reason: string;
}

export interface ActionOutcomeEntry {
  agentId: string;
  conversationId: string;
  action: string;
  selected: boolean;
  outcome?: 'success' | 'failure';
  /** The intent the action was recommended for; default: the conversation's intent as routed, else '*'. */
  intent?: string;
}

export interface ActionLogEntry extends ActionOutcomeEntry {
  at: number;
  intent: string;
}
