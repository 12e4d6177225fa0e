// Router: the per-tenant coordinator of the routing core (Requirements 5.3, 6, 7.1, 8, 10, 12.2). It owns the
// AgentActors, the QueueActors (one per skill × language) and the conversations handed to humans, and runs one
// command at a time to completion: a capacity check and its claim can never interleave with another command, which
// is what makes claims atomic without locks. There is no I/O and no clock: every command takes `now`, and the host
// calls tick(now) from a timer (e.g. every 100 ms) for offer timeouts, relaxation, skip expiry, disconnect grace and
// wait-estimate updates. Events are buffered during a command and delivered when it has finished, so a listener
// always sees a consistent router (listeners must not throw; see RouterOptions.onListenerError).
//
// Matching keeps one invariant after every command: no waiting conversation is eligible for an agent who has room
// for it. Two directions restore it cheaply after each change:
//   - a conversation that starts waiting (or becomes eligible for more agents by relaxation or a skip expiring)
//     looks at the indexed set of available agents its relaxation level allows and takes the best-scoring one;
//   - an agent who gains room (online, reconnect, decline, timeout, resolve, transfer) takes the waiting conversation
//     with the highest effective priority it may serve, looking only at bucket heads (see queue-actor.ts).
// Scores: weights.skill·(level/5 + language match) + weights.workload·(1 − load/capacity) +
// weights.performance·performance + weights.continuity·(served this customer before). The default continuity weight
// (1) outweighs all the others together, so an eligible previous agent with room always wins.
//
// Capacity: an offer reserves the conversation's weight on the agent; accept converts it; decline, timeout and
// revocation release it. reserved + assigned ≤ capacity always holds (AgentActor.reserve refuses otherwise).
import { AgentActor } from './agent-actor.js';
import { AgentAssist } from './agent-assist.js';
import { AgentIndex, queueKey } from './agent-index.js';
import { BinaryHeap } from './binary-heap.js';
import { DecisionLog } from './decision-log.js';
import { EscalationDetector } from './escalation.js';
import { MAX_PRIORITY, MIN_PRIORITY, QueueActor } from './queue-actor.js';
import type { RoutedConversation } from './routed-conversation.js';
import { RoutingError } from './routing-error.js';
import {
  resolvePolicy,
  type ActionLogEntry,
  type ActionOutcomeEntry,
  type AgentProfile,
  type AgentView,
  type QueueStatus,
  type RecommendationContext,
  type RecommendedAction,
  type RevokeReason,
  type RouterEvent,
  type RoutingDecision,
  type RoutingEventKind,
  type RoutingPolicy,
  type WorkItem,
} from './routing-types.js';
import { erlangCWaitMs, positionWaitMs } from './wait-estimate.js';
import { RecentMap } from './recent-map.js';

export interface RouterOptions {
  /** Prefix of decision ids (default 'rd_'). */
  idPrefix?: string;
  /**
   * Size of the in-memory decision log; default 10,000. Every decision is also stored (RoutingStore), which is what
   * a conversation's history is read from: this log only has to cover writes still in flight, and `decisions()`.
   */
  maxDecisionsKept?: number;
  /** Size of the agent-assist action log (outcomes the recommendations learn from); default 100,000. */
  maxActionsKept?: number;
  /** Called with an error a listener threw (default: rethrown asynchronously, so it is not lost). */
  onListenerError?: (error: unknown) => void;
}

export interface DecideInput {
  item: WorkItem;
  confidence: number;
  outOfScope: boolean;
  text: string;
  failedAutomationAttempts: number;
  vip?: boolean;
}

type TimerKind = 'offer' | 'relax' | 'skip' | 'grace';
interface Timer {
  at: number;
  seq: number;
  kind: TimerKind;
  key: string;
  token: number;
}

/** How many items of one urgency bucket an agent looks past (skips, channel weights) before giving up on it. */
const SCAN_LIMIT = 64;
const MAX_CANDIDATES_LOGGED = 5;
const SWEEP_BATCH = 2_000;
const MAX_INTENTS_REMEMBERED = 100_000;
const EPSILON = 1e-9;

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

export class Router {
  readonly policy: RoutingPolicy;
  private readonly agentMap = new Map<string, AgentActor>();
  private readonly queueMap = new Map<string, QueueActor>();
  private readonly nonEmpty = new Set<QueueActor>();
  private readonly convs = new Map<string, RoutedConversation>();
  private readonly index = new AgentIndex();
  private readonly timers = new BinaryHeap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private readonly log: DecisionLog;
  private readonly assist: AgentAssist;
  private readonly escalation: EscalationDetector;
  private readonly listeners: Array<(e: RouterEvent) => void> = [];
  private readonly onListenerError: (error: unknown) => void;
  private readonly idPrefix: string;
  private readonly intents = new RecentMap<string, string>(MAX_INTENTS_REMEMBERED);
  private pending: RouterEvent[] = [];
  private depth = 0;
  private seq = 0;
  private decisionSeq = 0;
  private tokenSeq = 0;
  private nextEstimateSweepAt = -Infinity;
  private sweep: Iterator<RoutedConversation> | undefined;
  private nextQueueStatusAt = -Infinity;

  constructor(policy?: Partial<RoutingPolicy>, options: RouterOptions = {}) {
    this.policy = resolvePolicy(policy);
    this.idPrefix = options.idPrefix ?? 'rd_';
    this.log = new DecisionLog(options.maxDecisionsKept ?? 10_000);
    this.assist = new AgentAssist(
      options.maxActionsKept ?? options.maxDecisionsKept ?? 100_000,
      this.policy.humanUrgency,
    );
    this.escalation = new EscalationDetector(this.policy.escalationKeywords);
    this.onListenerError =
      options.onListenerError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
  }

  onEvent(listener: (e: RouterEvent) => void): void {
    this.listeners.push(listener);
  }

  // ---------------------------------------------------------------- agents

  upsertAgent(profile: AgentProfile, now: number): AgentView {
    return this.run(() => {
      validateProfile(profile);
      const capacity = profile.capacity ?? this.policy.maxConcurrent;
      let agent = this.agentMap.get(profile.id);
      if (agent !== undefined) {
        let assignedLoad = 0;
        for (const w of agent.assigned.values()) assignedLoad += w;
        if (assignedLoad > capacity + EPSILON) {
          throw new RoutingError(
            'OVER_CAPACITY',
            `agent ${profile.id} holds ${assignedLoad} units of conversations; capacity ${capacity} would be exceeded`,
            { agentId: profile.id, load: assignedLoad, capacity },
          );
        }
      } else {
        agent = new AgentActor(profile.id);
        this.agentMap.set(agent.id, agent);
      }
      agent.applyProfile(profile, this.policy.maxConcurrent);
      // Shrunk below the reserved load: give back the newest offers.
      const offers = [...agent.offers.keys()];
      while (agent.load > agent.capacity + EPSILON && offers.length > 0) {
        const conv = this.convs.get(offers.pop() as string);
        if (conv !== undefined) this.revokeOffer(conv, agent, now, 'capacity-changed');
      }
      for (const skill of agent.skills.keys()) for (const lang of agent.languages) this.queueFor(skill, lang);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
      return agent.view();
    });
  }

  setStatus(agentId: string, status: 'online' | 'away' | 'offline', now: number): AgentView {
    return this.run(() => {
      const agent = this.mustAgent(agentId);
      if (status !== 'online' && status !== 'away' && status !== 'offline') {
        throw new RoutingError('VALIDATION_FAILED', `unknown agent status ${String(status)}`);
      }
      agent.status = status;
      if (status === 'offline') this.revokeAllOffers(agent, now, 'agent-offline');
      this.updateGrace(agent, now);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
      return agent.view();
    });
  }

  agentDisconnected(agentId: string, now: number): void {
    this.run(() => {
      const agent = this.mustAgent(agentId);
      agent.connected = false;
      this.revokeAllOffers(agent, now, 'agent-offline');
      this.updateGrace(agent, now);
      this.index.update(agent);
    });
  }

  agentReconnected(agentId: string, now: number): AgentView {
    return this.run(() => {
      const agent = this.mustAgent(agentId);
      agent.connected = true;
      this.updateGrace(agent, now);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
      return agent.view();
    });
  }

  // ---------------------------------------------------------------- conversations

  decide(input: DecideInput, now: number): RoutingDecision {
    return this.run(() => {
      const item = this.normalizeItem(input.item, now);
      this.rememberIntent(item.conversationId, item.intent);
      const p = this.policy;
      const explicit = this.escalation.explicitRequest(input.text ?? '', item.intent);
      const failed =
        input.failedAutomationAttempts >= p.maxFailedAutomation
          ? `${input.failedAutomationAttempts} failed automation attempts (≥ ${p.maxFailedAutomation})`
          : undefined;
      const escalate = explicit ?? failed;
      const vip = input.vip === true ? ['VIP customer'] : [];

      const existing = this.convs.get(item.conversationId);
      if (existing !== undefined) return this.trackedDecision(existing, item, escalate, now);

      if (escalate !== undefined) {
        const reasons = [escalate, `escalated to a human with priority +${p.escalationPriorityBoost}`, ...vip];
        const escalated = this.record('escalated', item.conversationId, now, { reasons });
        const outcome = this.enqueueNew(item, now, [escalate, ...vip], p.escalationPriorityBoost, true);
        if (outcome.agentId !== undefined) escalated.agentId = outcome.agentId;
        escalated.waitEstimateMs = outcome.waitEstimateMs ?? 0;
        if (outcome.position !== undefined) escalated.position = outcome.position;
        escalated.reasons.push(
          outcome.kind === 'offered'
            ? `offered at once to agent ${outcome.agentId}`
            : `queued at position ${outcome.position} (estimated wait ${seconds(outcome.waitEstimateMs ?? 0)})`,
        );
        return escalated;
      }
      const urgency = item.urgency;
      if (urgency >= p.humanUrgency) {
        return this.enqueueNew(item, now, [`urgency ${urgency} ≥ ${p.humanUrgency}: always a human`, ...vip], 0, false);
      }
      if (input.outOfScope) {
        return this.enqueueNew(item, now, ['out of scope for automation', ...vip], 0, false);
      }
      if (input.confidence > p.automationMinConfidence) {
        return this.record('automated', item.conversationId, now, {
          reasons: [
            `confidence ${input.confidence.toFixed(3)} > ${p.automationMinConfidence}`,
            `urgency ${urgency} < ${p.humanUrgency}`,
            `intent ${item.intent}`,
          ],
        });
      }
      return this.enqueueNew(
        item,
        now,
        [`confidence ${Number(input.confidence).toFixed(3)} ≤ ${p.automationMinConfidence}: a human answers`, ...vip],
        0,
        false,
      );
    });
  }

  enqueue(item: WorkItem, now: number): RoutingDecision {
    return this.run(() => {
      const normalized = this.normalizeItem(item, now);
      this.rememberIntent(normalized.conversationId, normalized.intent);
      const existing = this.convs.get(normalized.conversationId);
      if (existing !== undefined) return this.trackedDecision(existing, normalized, undefined, now);
      return this.enqueueNew(normalized, now, ['sent straight to a human'], 0, false);
    });
  }

  accept(agentId: string, conversationId: string, now: number): RoutingDecision {
    return this.run(() => {
      const agent = this.mustAgent(agentId);
      const conv = this.mustOffer(agent, conversationId, now);
      agent.convert(conversationId);
      conv.state = 'assigned';
      conv.assignedAt = now;
      conv.offerToken = 0;
      agent.rememberCustomer(conv.item.customerId, now);
      this.updateGrace(agent, now);
      const d = this.record('accepted', conversationId, now, {
        agentId,
        reasons: [
          `agent ${agentId} accepted after ${seconds(now - (conv.offerExpiresAt - this.policy.offerTimeoutMs))}`,
        ],
      });
      this.emit({ type: 'assigned', agentId, conversationId });
      return d;
    });
  }

  decline(agentId: string, conversationId: string, now: number): RoutingDecision {
    return this.run(() => {
      const agent = this.mustAgent(agentId);
      const conv = this.mustOffer(agent, conversationId, now);
      agent.releaseOffer(conversationId);
      this.addSkip(conv, agentId, now);
      const d = this.record('declined', conversationId, now, {
        agentId,
        reasons: [`agent ${agentId} declined: skipped for this conversation for ${seconds(this.policy.skipAgentMs)}`],
      });
      this.emit({ type: 'offer-revoked', agentId, conversationId, reason: 'declined' });
      this.requeue(conv, now, [`re-offered after agent ${agentId} declined`]);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
      return d;
    });
  }

  resolve(
    agentId: string,
    conversationId: string,
    outcome: { resolved: boolean; csat?: number; handleTimeMs?: number },
    now: number,
  ): RoutingDecision {
    return this.run(() => {
      const agent = this.mustAgent(agentId);
      const conv = this.mustAssigned(agent, conversationId);
      agent.releaseAssigned(conversationId);
      this.convs.delete(conversationId);
      agent.recordOutcome(outcome, this.policy.performanceAlpha);
      const handle = outcome.handleTimeMs ?? now - conv.assignedAt;
      this.queueMap.get(conv.queueId)?.recordHandleTime(handle);
      const reasons = [
        outcome.resolved ? 'resolved' : 'closed unresolved',
        `handle time ${seconds(handle)}`,
        `performance score of ${agentId} now ${agent.performanceScore.toFixed(3)}`,
      ];
      if (outcome.csat !== undefined) reasons.splice(1, 0, `CSAT ${outcome.csat}`);
      const d = this.record('resolved', conversationId, now, { agentId, reasons });
      this.emit({ type: 'unassigned', agentId, conversationId, reason: 'resolved' });
      this.updateGrace(agent, now);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
      return d;
    });
  }

  transfer(
    agentId: string,
    conversationId: string,
    target: { agentId?: string; skill?: string },
    now: number,
  ): RoutingDecision {
    return this.run(() => {
      const agent = this.mustAgent(agentId);
      const conv = this.mustAssigned(agent, conversationId);
      let targetAgent: AgentActor | undefined;
      if (target.agentId !== undefined) {
        if (target.agentId === agentId) {
          throw new RoutingError('VALIDATION_FAILED', 'a conversation cannot be transferred to its own agent');
        }
        targetAgent = this.mustAgent(target.agentId);
        if (!targetAgent.available) {
          throw new RoutingError('AGENT_UNAVAILABLE', `agent ${target.agentId} is not online`, {
            agentId: target.agentId,
            status: targetAgent.status,
          });
        }
        const w = targetAgent.weightFor(conv.item.channel);
        if (w > targetAgent.free + EPSILON) {
          throw new RoutingError('OVER_CAPACITY', `agent ${target.agentId} has no room for this conversation`, {
            agentId: target.agentId,
            load: targetAgent.load,
            capacity: targetAgent.capacity,
          });
        }
      }
      if (target.skill !== undefined && (typeof target.skill !== 'string' || target.skill.length === 0)) {
        throw new RoutingError('VALIDATION_FAILED', 'transfer skill must be a non-empty string');
      }

      agent.releaseAssigned(conversationId);
      this.emit({ type: 'unassigned', agentId, conversationId, reason: 'transferred' });
      const reasons = [`transferred by agent ${agentId}`];
      if (target.skill !== undefined) {
        conv.skill = target.skill;
        conv.item = { ...conv.item, requiredSkill: target.skill };
        conv.queueId = this.queueFor(conv.skill, conv.language).id;
        reasons.push(`to skill ${target.skill}`);
      }
      if (targetAgent !== undefined) reasons.push(`to agent ${targetAgent.id}`);
      const d = this.record('transferred', conversationId, now, { agentId, reasons });
      conv.state = 'waiting';
      conv.agentId = undefined;
      conv.weight = 0;
      if (targetAgent !== undefined) {
        this.offer(conv, targetAgent, now, [`transfer from agent ${agentId} to the agent they chose`], undefined, true);
      } else {
        // A fresh wait in the (possibly new) queue, keeping its priority; the transferring agent is skipped.
        conv.enqueuedAt = now;
        conv.relaxLevel = 0;
        this.addSkip(conv, agentId, now);
        this.requeue(conv, now, [`re-queued after transfer by agent ${agentId}`]);
      }
      this.updateGrace(agent, now);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
      return d;
    });
  }

  /** Addition: the customer left, or the conversation was closed elsewhere; it stops waiting / is unassigned. */
  withdraw(conversationId: string, now: number): RoutingDecision | undefined {
    return this.run(() => {
      const conv = this.convs.get(conversationId);
      if (conv === undefined) return undefined;
      const agent = conv.agentId === undefined ? undefined : this.agentMap.get(conv.agentId);
      if (conv.state === 'waiting') {
        this.removeFromQueue(conv);
      } else if (conv.state === 'offered' && agent !== undefined) {
        agent.releaseOffer(conversationId);
        this.emit({ type: 'offer-revoked', agentId: agent.id, conversationId, reason: 'withdrawn' });
      } else if (conv.state === 'assigned' && agent !== undefined) {
        agent.releaseAssigned(conversationId);
        this.emit({ type: 'unassigned', agentId: agent.id, conversationId, reason: 'resolved' });
      }
      this.convs.delete(conversationId);
      const d = this.record('resolved', conversationId, now, {
        agentId: agent?.id,
        reasons: [`withdrawn while ${conv.state}`],
      });
      if (agent !== undefined) {
        this.updateGrace(agent, now);
        this.index.update(agent);
        this.dispatchAgent(agent, now);
      }
      return d;
    });
  }

  tick(now: number): void {
    this.run(() => {
      for (let timer = this.timers.peek(); timer !== undefined && timer.at <= now; timer = this.timers.peek()) {
        this.timers.pop();
        this.fire(timer, now);
      }
      this.sweepEstimates(now);
      if (this.policy.queueStatusIntervalMs > 0 && this.listeners.length > 0 && now >= this.nextQueueStatusAt) {
        this.nextQueueStatusAt = now + this.policy.queueStatusIntervalMs;
        this.emit({ type: 'queue-status', queues: this.queueStatuses(now) });
      }
    });
  }

  // ---------------------------------------------------------------- queries

  customerMessage(conversationId: string): { agentId?: string } {
    const conv = this.convs.get(conversationId);
    return conv !== undefined && conv.state === 'assigned' && conv.agentId !== undefined
      ? { agentId: conv.agentId }
      : {};
  }

  agents(): AgentView[] {
    return [...this.agentMap.values()].map((a) => a.view());
  }

  agent(id: string): AgentView | undefined {
    return this.agentMap.get(id)?.view();
  }

  queues(now: number): QueueStatus[] {
    return this.queueStatuses(now);
  }

  position(
    conversationId: string,
    _now: number,
  ): { queue: string; position: number; waitEstimateMs: number } | undefined {
    const conv = this.convs.get(conversationId);
    if (conv === undefined || conv.state !== 'waiting') return undefined;
    const { position, waitEstimateMs } = this.estimate(conv);
    return { queue: conv.queueId, position, waitEstimateMs };
  }

  /** Addition: where a conversation is (undefined: not with humans, or resolved), with its work item as routed. */
  state(
    conversationId: string,
  ):
    | { state: 'waiting' | 'offered' | 'assigned'; agentId?: string; relaxLevel: number; queue: string; item: WorkItem }
    | undefined {
    const conv = this.convs.get(conversationId);
    if (conv === undefined) return undefined;
    const out = { state: conv.state, relaxLevel: conv.relaxLevel, queue: conv.queueId, item: conv.item };
    return conv.agentId === undefined ? out : { ...out, agentId: conv.agentId };
  }

  /** Addition: counts for dashboards and benchmarks. */
  counts(): { agents: number; waiting: number; offered: number; assigned: number } {
    let waiting = 0;
    let offered = 0;
    let assigned = 0;
    for (const c of this.convs.values()) {
      if (c.state === 'waiting') waiting++;
      else if (c.state === 'offered') offered++;
      else assigned++;
    }
    return { agents: this.agentMap.size, waiting, offered, assigned };
  }

  decisions(conversationId?: string, limit?: number): RoutingDecision[] {
    return this.log.query(conversationId, limit);
  }

  // ---------------------------------------------------------------- agent assist

  recommendActions(ctx: RecommendationContext): RecommendedAction[] {
    return this.assist.recommend(ctx);
  }

  recordActionOutcome(entry: ActionOutcomeEntry, now: number): void {
    if (typeof entry.action !== 'string' || entry.action.length === 0) {
      throw new RoutingError('VALIDATION_FAILED', 'action must be a non-empty string');
    }
    const intent =
      entry.intent ??
      this.intents.get(entry.conversationId) ??
      this.convs.get(entry.conversationId)?.item.intent ??
      '*';
    this.assist.record({ ...entry, intent, at: now });
  }

  actionLog(conversationId?: string): ActionLogEntry[] {
    return this.assist.entries(conversationId);
  }

  /** Addition: outcome statistics behind a recommendation's confidence. */
  actionStats(intent: string, action: string): { trials: number; successes: number } {
    return this.assist.outcomeStats(intent, action);
  }

  // ---------------------------------------------------------------- internals: commands and events

  private run<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0 && this.pending.length > 0) this.flush();
    }
  }

  private flush(): void {
    const events = this.pending;
    this.pending = [];
    for (const e of events) {
      for (const listener of this.listeners) {
        try {
          listener(e);
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
  }

  private emit(e: RouterEvent): void {
    if (this.listeners.length > 0) this.pending.push(e);
  }

  private record(
    kind: RoutingEventKind,
    conversationId: string,
    now: number,
    fields: Partial<Omit<RoutingDecision, 'id' | 'at' | 'conversationId' | 'kind'>>,
  ): RoutingDecision {
    const d: RoutingDecision = {
      id: `${this.idPrefix}${++this.decisionSeq}`,
      at: now,
      conversationId,
      kind,
      reasons: fields.reasons ?? [],
    };
    if (fields.agentId !== undefined) d.agentId = fields.agentId;
    if (fields.candidates !== undefined) d.candidates = fields.candidates;
    if (fields.waitEstimateMs !== undefined) d.waitEstimateMs = fields.waitEstimateMs;
    if (fields.relaxLevel !== undefined) d.relaxLevel = fields.relaxLevel;
    if (fields.position !== undefined) d.position = fields.position;
    if (fields.directed !== undefined) d.directed = fields.directed;
    this.log.add(d);
    return d;
  }

  private mustAgent(agentId: string): AgentActor {
    const agent = this.agentMap.get(agentId);
    if (agent === undefined) throw new RoutingError('AGENT_NOT_FOUND', `no agent ${agentId}`, { agentId });
    return agent;
  }

  private mustOffer(agent: AgentActor, conversationId: string, now: number): RoutedConversation {
    const conv = this.convs.get(conversationId);
    if (conv === undefined || conv.state !== 'offered' || conv.agentId !== agent.id) {
      throw new RoutingError('OFFER_NOT_FOUND', `agent ${agent.id} holds no offer for ${conversationId}`, {
        agentId: agent.id,
        conversationId,
      });
    }
    if (now >= conv.offerExpiresAt) {
      throw new RoutingError('OFFER_NOT_FOUND', `the offer of ${conversationId} to agent ${agent.id} expired`, {
        agentId: agent.id,
        conversationId,
        expired: true,
      });
    }
    return conv;
  }

  private mustAssigned(agent: AgentActor, conversationId: string): RoutedConversation {
    const conv = this.convs.get(conversationId);
    if (conv === undefined || conv.state !== 'assigned' || conv.agentId !== agent.id) {
      throw new RoutingError('NOT_ASSIGNED', `${conversationId} is not assigned to agent ${agent.id}`, {
        agentId: agent.id,
        conversationId,
      });
    }
    return conv;
  }

  private normalizeItem(item: WorkItem, now: number): WorkItem {
    if (
      item === null ||
      typeof item !== 'object' ||
      typeof item.conversationId !== 'string' ||
      item.conversationId.length === 0 ||
      typeof item.customerId !== 'string'
    ) {
      throw new RoutingError('VALIDATION_FAILED', 'a work item needs a conversationId and a customerId');
    }
    const urgency = Number.isFinite(item.urgency) ? Math.min(10, Math.max(1, Math.round(item.urgency))) : 5;
    const language =
      typeof item.language === 'string' && item.language.length > 0 ? item.language.toLowerCase() : 'und';
    const requiredSkill = item.requiredSkill ?? this.policy.skillByIntent[item.intent] ?? this.policy.defaultSkill;
    return { ...item, urgency, language, requiredSkill, enqueuedAt: item.enqueuedAt ?? now };
  }

  private rememberIntent(conversationId: string, intent: string): void {
    this.intents.set(conversationId, intent);
  }

  private queueFor(skill: string, language: string): QueueActor {
    const id = queueKey(skill, language);
    let q = this.queueMap.get(id);
    if (q === undefined) {
      q = new QueueActor(
        skill,
        language,
        this.policy.agingMs,
        this.policy.defaultHandleTimeMs,
        this.policy.serviceAlpha,
      );
      this.queueMap.set(id, q);
    }
    return q;
  }

  /** A new conversation for humans: queue it, then offer it at once if someone can take it. */
  private enqueueNew(item: WorkItem, now: number, lead: string[], boost: number, escalated: boolean): RoutingDecision {
    const skill = item.requiredSkill as string;
    const queue = this.queueFor(skill, item.language);
    const enqueuedAt = Math.min(item.enqueuedAt ?? now, now);
    const conv: RoutedConversation = {
      item,
      skill,
      language: item.language,
      queueId: queue.id,
      state: 'waiting',
      priority: clampPriority(item.urgency + boost),
      enqueuedAt,
      seq: ++this.seq,
      relaxLevel: this.levelFor(now - enqueuedAt),
      skips: undefined,
      agentId: undefined,
      weight: 0,
      offerToken: 0,
      offerExpiresAt: 0,
      assignedAt: 0,
      escalated,
      lastEstimateMs: undefined,
      relaxToken: 0,
    };
    this.convs.set(item.conversationId, conv);
    queue.recordArrival(now);
    queue.insert(conv);
    this.nonEmpty.add(queue);
    this.scheduleRelax(conv);
    const offered = this.dispatchItem(conv, now, lead);
    if (offered !== undefined) return offered;
    const { position, waitEstimateMs } = this.estimate(conv);
    const reasons = [
      ...lead,
      `no eligible agent with room for ${skill}/${item.language}: queued in ${queue.id}`,
      `position ${position}, priority ${conv.priority}`,
    ];
    const d = this.record('queued', item.conversationId, now, {
      reasons,
      waitEstimateMs,
      position,
      relaxLevel: conv.relaxLevel,
    });
    this.tellWait(conv, position, waitEstimateMs);
    return d;
  }

  /** decide()/enqueue() for a conversation already with humans: no second entry; an escalation raises priority. */
  private trackedDecision(
    conv: RoutedConversation,
    item: WorkItem,
    escalate: string | undefined,
    now: number,
  ): RoutingDecision {
    const boost = escalate !== undefined ? this.policy.escalationPriorityBoost : 0;
    const wanted = clampPriority(item.urgency + boost);
    const reasons: string[] = [];
    if (wanted > conv.priority) {
      if (conv.state === 'waiting') {
        this.removeFromQueue(conv);
        conv.priority = wanted;
        this.queueFor(conv.skill, conv.language).insert(conv);
        this.nonEmpty.add(this.queueFor(conv.skill, conv.language));
      } else {
        conv.priority = wanted;
      }
      reasons.push(`priority raised to ${wanted}`);
    }
    if (escalate !== undefined) {
      conv.escalated = true;
      reasons.unshift(escalate);
    }
    const where =
      conv.state === 'waiting'
        ? this.estimate(conv)
        : { position: undefined as number | undefined, waitEstimateMs: undefined as number | undefined };
    reasons.push(
      conv.state === 'waiting'
        ? `already waiting in ${conv.queueId} at position ${where.position}`
        : `already ${conv.state} to agent ${conv.agentId}`,
    );
    const kind: RoutingEventKind =
      escalate !== undefined
        ? 'escalated'
        : conv.state === 'waiting'
          ? 'queued'
          : conv.state === 'offered'
            ? 'offered'
            : 'accepted';
    return this.record(kind, conv.item.conversationId, now, {
      agentId: conv.agentId,
      reasons,
      waitEstimateMs: where.waitEstimateMs,
      position: where.position,
      relaxLevel: conv.relaxLevel,
    });
  }

  /** Back to waiting (keeping its place unless the caller reset enqueuedAt), then offered to someone else if possible. */
  private requeue(conv: RoutedConversation, now: number, reasons: string[]): RoutingDecision {
    conv.state = 'waiting';
    conv.agentId = undefined;
    conv.weight = 0;
    conv.offerToken = 0;
    conv.relaxLevel = Math.max(conv.relaxLevel, this.levelFor(now - conv.enqueuedAt));
    const queue = this.queueFor(conv.skill, conv.language);
    conv.queueId = queue.id;
    queue.insert(conv);
    this.nonEmpty.add(queue);
    this.scheduleRelax(conv);
    const { position, waitEstimateMs } = this.estimate(conv);
    const d = this.record('requeued', conv.item.conversationId, now, {
      reasons: [...reasons, `position ${position} in ${queue.id}`],
      waitEstimateMs,
      position,
      relaxLevel: conv.relaxLevel,
    });
    if (this.dispatchItem(conv, now, reasons) === undefined) this.maybeTellWait(conv, now, false);
    return d;
  }

  private removeFromQueue(conv: RoutedConversation): void {
    const queue = this.queueMap.get(conv.queueId);
    if (queue === undefined) return;
    queue.remove(conv);
    if (queue.depth === 0) this.nonEmpty.delete(queue);
  }

  private revokeOffer(conv: RoutedConversation, agent: AgentActor, now: number, reason: RevokeReason): void {
    agent.releaseOffer(conv.item.conversationId);
    this.emit({ type: 'offer-revoked', agentId: agent.id, conversationId: conv.item.conversationId, reason });
    this.requeue(conv, now, [`offer to agent ${agent.id} revoked (${reason})`]);
  }

  private revokeAllOffers(agent: AgentActor, now: number, reason: RevokeReason): void {
    // The agent leaves the available index first so the re-queued conversations are not offered straight back.
    this.index.update(agent);
    for (const conversationId of [...agent.offers.keys()]) {
      const conv = this.convs.get(conversationId);
      if (conv !== undefined) this.revokeOffer(conv, agent, now, reason);
    }
  }

  /** Starts or cancels the disconnect grace period of an agent who holds conversations. */
  private updateGrace(agent: AgentActor, now: number): void {
    const needs = (agent.status === 'offline' || !agent.connected) && agent.assigned.size > 0;
    if (needs && agent.graceEndsAt === undefined) {
      agent.graceEndsAt = now + this.policy.disconnectGraceMs;
      agent.graceToken = ++this.tokenSeq;
      this.pushTimer(agent.graceEndsAt, 'grace', agent.id, agent.graceToken);
    } else if (!needs && agent.graceEndsAt !== undefined) {
      agent.graceEndsAt = undefined;
      agent.graceToken = 0;
    }
  }

  private addSkip(conv: RoutedConversation, agentId: string, now: number): void {
    const until = now + this.policy.skipAgentMs;
    (conv.skips ??= new Map()).set(agentId, until);
    this.pushTimer(until, 'skip', conv.item.conversationId, 0);
  }

  private levelFor(waitedMs: number): number {
    const thresholds = this.policy.relaxAfterMs;
    let level = 0;
    while (level < thresholds.length && level < 3 && waitedMs >= (thresholds[level] as number)) level++;
    return level;
  }

  private scheduleRelax(conv: RoutedConversation): void {
    const thresholds = this.policy.relaxAfterMs;
    if (conv.relaxLevel >= Math.min(3, thresholds.length)) return;
    conv.relaxToken = ++this.tokenSeq;
    this.pushTimer(
      conv.enqueuedAt + (thresholds[conv.relaxLevel] as number),
      'relax',
      conv.item.conversationId,
      conv.relaxToken,
    );
  }

  private pushTimer(at: number, kind: TimerKind, key: string, token: number): void {
    this.timers.push({ at, seq: ++this.seq, kind, key, token });
  }

  private fire(timer: Timer, now: number): void {
    if (timer.kind === 'grace') {
      const agent = this.agentMap.get(timer.key);
      if (agent === undefined || agent.graceToken !== timer.token || agent.graceEndsAt === undefined) return;
      agent.graceEndsAt = undefined;
      agent.graceToken = 0;
      const why = agent.connected ? 'went offline' : 'disconnected';
      if (!agent.connected) agent.status = 'offline';
      this.index.update(agent);
      for (const conversationId of [...agent.assigned.keys()]) {
        const conv = this.convs.get(conversationId);
        agent.releaseAssigned(conversationId);
        this.emit({ type: 'unassigned', agentId: agent.id, conversationId, reason: 'agent-disconnected' });
        if (conv !== undefined) {
          this.requeue(conv, now, [
            `agent ${agent.id} ${why} and did not return within ${seconds(this.policy.disconnectGraceMs)}`,
          ]);
        }
      }
      this.index.update(agent);
      return;
    }
    const conv = this.convs.get(timer.key);
    if (conv === undefined) return;
    if (timer.kind === 'offer') {
      if (conv.state !== 'offered' || conv.offerToken !== timer.token || conv.agentId === undefined) return;
      const agent = this.agentMap.get(conv.agentId);
      if (agent === undefined) return;
      agent.releaseOffer(conv.item.conversationId);
      this.addSkip(conv, agent.id, now);
      this.record('offer-timeout', conv.item.conversationId, now, {
        agentId: agent.id,
        reasons: [
          `agent ${agent.id} did not accept within ${seconds(this.policy.offerTimeoutMs)}`,
          `skipped for this conversation for ${seconds(this.policy.skipAgentMs)}`,
        ],
      });
      this.emit({
        type: 'offer-revoked',
        agentId: agent.id,
        conversationId: conv.item.conversationId,
        reason: 'timeout',
      });
      this.requeue(conv, now, [`re-offered after agent ${agent.id} did not answer`]);
      this.index.update(agent);
      this.dispatchAgent(agent, now);
    } else if (timer.kind === 'relax') {
      if (conv.state !== 'waiting' || conv.relaxToken !== timer.token) return;
      const level = this.levelFor(now - conv.enqueuedAt);
      if (level > conv.relaxLevel) {
        conv.relaxLevel = level;
        this.record('relaxed', conv.item.conversationId, now, {
          relaxLevel: level,
          reasons: [`waited ${seconds(now - conv.enqueuedAt)}: ${relaxText(level)}`],
        });
      }
      this.scheduleRelax(conv);
      this.dispatchItem(conv, now, [`relaxation level ${conv.relaxLevel}`]);
    } else if (timer.kind === 'skip') {
      if (conv.skips !== undefined) {
        for (const [agentId, until] of conv.skips) if (until <= now) conv.skips.delete(agentId);
        if (conv.skips.size === 0) conv.skips = undefined;
      }
      if (conv.state === 'waiting') this.dispatchItem(conv, now, ['a skipped agent may be offered it again']);
    }
  }

  // ---------------------------------------------------------------- internals: matching

  private eligible(agent: AgentActor, conv: RoutedConversation, now: number): boolean {
    if (!agent.available) return false;
    if (agent.weightFor(conv.item.channel) > agent.free + EPSILON) return false;
    if (conv.skips !== undefined) {
      const until = conv.skips.get(agent.id);
      if (until !== undefined && until > now) return false;
    }
    const level = conv.relaxLevel;
    if (level < 3 && conv.language !== 'und' && !agent.languages.has(conv.language)) return false;
    if (level < 2) {
      const skillLevel = agent.skills.get(conv.skill);
      if (skillLevel === undefined) return false;
      if (level < 1 && skillLevel < (conv.item.minSkillLevel ?? this.policy.minSkillLevel)) return false;
    }
    return true;
  }

  private score(agent: AgentActor, conv: RoutedConversation): number {
    const w = this.policy.weights;
    const skill = Math.min(1, Math.max(0, (agent.skills.get(conv.skill) ?? 0) / 5));
    const language = conv.language === 'und' || agent.languages.has(conv.language) ? 1 : 0;
    const workload = 1 - agent.load / agent.capacity;
    const continuity = agent.served.has(conv.item.customerId) ? 1 : 0;
    return (
      w.skill * (skill + language) +
      w.workload * workload +
      w.performance * agent.performanceScore +
      w.continuity * continuity
    );
  }

  private parts(agent: AgentActor, conv: RoutedConversation): Record<string, number> {
    return {
      skill: Math.min(1, Math.max(0, (agent.skills.get(conv.skill) ?? 0) / 5)),
      language: conv.language === 'und' || agent.languages.has(conv.language) ? 1 : 0,
      workload: 1 - agent.load / agent.capacity,
      performance: agent.performanceScore,
      continuity: agent.served.has(conv.item.customerId) ? 1 : 0,
    };
  }

  /** Offers a waiting conversation to the best eligible agent with room, if any. */
  private dispatchItem(conv: RoutedConversation, now: number, lead: string[]): RoutingDecision | undefined {
    if (conv.state !== 'waiting') return undefined;
    const level = conv.relaxLevel;
    const pool =
      level >= 3
        ? this.index.availableAll
        : level === 2
          ? this.index.byLanguage(conv.language)
          : this.index.bySkillLanguage(conv.skill, conv.language);
    if (pool.size === 0) return undefined;
    const top: Array<{ agent: AgentActor; score: number }> = [];
    for (const agent of pool) {
      if (!this.eligible(agent, conv, now)) continue;
      const score = this.score(agent, conv);
      if (top.length === MAX_CANDIDATES_LOGGED) {
        const last = top[MAX_CANDIDATES_LOGGED - 1] as { agent: AgentActor; score: number };
        if (!better(score, agent, last.score, last.agent)) continue;
        top.pop();
      }
      let i = top.length;
      while (
        i > 0 &&
        better(score, agent, (top[i - 1] as { score: number }).score, (top[i - 1] as { agent: AgentActor }).agent)
      )
        i--;
      top.splice(i, 0, { agent, score });
    }
    const best = top[0];
    if (best === undefined) return undefined;
    const candidates = top.map((t) => ({
      agentId: t.agent.id,
      score: round(t.score),
      parts: this.parts(t.agent, conv),
    }));
    return this.offer(conv, best.agent, now, lead, candidates, false);
  }

  /** Fills an agent's free capacity with the waiting conversations of highest effective priority it may serve. */
  private dispatchAgent(agent: AgentActor, now: number): void {
    while (agent.available && agent.free > EPSILON && this.nonEmpty.size > 0) {
      const conv = this.bestItemFor(agent, now);
      if (conv === undefined) return;
      const queue = this.queueMap.get(conv.queueId);
      const position = queue === undefined ? 1 : queue.position(conv);
      this.offer(
        conv,
        agent,
        now,
        [
          `agent ${agent.id} has room: highest effective priority it may serve`,
          `position ${position} in ${conv.queueId}, priority ${conv.priority}, waited ${seconds(now - conv.enqueuedAt)}`,
        ],
        [{ agentId: agent.id, score: round(this.score(agent, conv)), parts: this.parts(agent, conv) }],
        false,
      );
    }
  }

  private bestItemFor(agent: AgentActor, now: number): RoutedConversation | undefined {
    const aging = this.policy.agingMs;
    let best: RoutedConversation | undefined;
    let bestKey = -Infinity;
    for (const queue of this.nonEmpty) {
      const skillLevel = agent.skills.get(queue.skill);
      const langOk = queue.language === 'und' || agent.languages.has(queue.language);
      const need = !langOk ? 3 : skillLevel === undefined ? 2 : 0;
      for (let p = MAX_PRIORITY; p >= MIN_PRIORITY; p--) {
        const bucket = queue.buckets[p] as RoutedConversation[];
        const n = bucket.length;
        if (n === 0) continue;
        const limit = Math.min(n, SCAN_LIMIT);
        for (let i = 0; i < limit; i++) {
          const c = bucket[i] as RoutedConversation;
          const key = p * aging - c.enqueuedAt;
          // Later items in the bucket come after this one: none can beat the best so far.
          if (best !== undefined && (key < bestKey || (key === bestKey && !earlierThan(c, best)))) break;
          if (c.relaxLevel < need) break;
          if (!this.eligible(agent, c, now)) continue;
          best = c;
          bestKey = key;
          break;
        }
      }
    }
    return best;
  }

  private offer(
    conv: RoutedConversation,
    agent: AgentActor,
    now: number,
    lead: string[],
    candidates: RoutingDecision['candidates'],
    directed: boolean,
  ): RoutingDecision {
    const conversationId = conv.item.conversationId;
    const weight = agent.weightFor(conv.item.channel);
    const why = directed ? [] : this.matchReasons(agent, conv);
    agent.reserve(conversationId, weight);
    if (conv.state === 'waiting') this.removeFromQueue(conv);
    conv.state = 'offered';
    conv.agentId = agent.id;
    conv.weight = weight;
    conv.offerToken = ++this.tokenSeq;
    conv.offerExpiresAt = now + this.policy.offerTimeoutMs;
    this.pushTimer(conv.offerExpiresAt, 'offer', conversationId, conv.offerToken);
    this.index.update(agent);
    const reasons = [...lead, ...why, `reserved ${weight} of ${agent.capacity} units`];
    const d = this.record('offered', conversationId, now, {
      agentId: agent.id,
      reasons,
      candidates,
      relaxLevel: conv.relaxLevel,
      directed: directed ? true : undefined,
    });
    if (this.listeners.length > 0) {
      this.emit({ type: 'offer', agentId: agent.id, item: conv.item, decision: d, expiresAt: conv.offerExpiresAt });
    }
    return d;
  }

  private matchReasons(agent: AgentActor, conv: RoutedConversation): string[] {
    const reasons: string[] = [];
    const level = agent.skills.get(conv.skill);
    reasons.push(level === undefined ? `lacks skill ${conv.skill} (relaxed)` : `skill ${conv.skill} level ${level}`);
    reasons.push(
      conv.language === 'und'
        ? 'language undetermined: any'
        : agent.languages.has(conv.language)
          ? `speaks ${conv.language}`
          : `does not speak ${conv.language} (relaxed)`,
    );
    if (conv.relaxLevel > 0) reasons.push(`relaxation level ${conv.relaxLevel}: ${relaxText(conv.relaxLevel)}`);
    reasons.push(`load ${agent.load}/${agent.capacity} before this offer`);
    reasons.push(`performance ${agent.performanceScore.toFixed(3)}`);
    if (agent.served.has(conv.item.customerId))
      reasons.push(`continuity: served customer ${conv.item.customerId} before`);
    return reasons;
  }

  // ---------------------------------------------------------------- internals: wait estimates

  private servers(skill: string, language: string, channel: WorkItem['channel']): number {
    const s = this.index.servers(skill, language);
    return channel === 'voice' ? s.agents : s.capacity;
  }

  private estimate(conv: RoutedConversation): { position: number; waitEstimateMs: number } {
    const queue = this.queueFor(conv.skill, conv.language);
    const position = queue.position(conv);
    const servers = this.servers(conv.skill, conv.language, conv.item.channel);
    return { position, waitEstimateMs: positionWaitMs(position, queue.meanHandleMs, servers) };
  }

  private tellWait(conv: RoutedConversation, position: number, waitEstimateMs: number): void {
    conv.lastEstimateMs = waitEstimateMs;
    this.emit({
      type: 'wait-estimate',
      conversationId: conv.item.conversationId,
      customerId: conv.item.customerId,
      channel: conv.item.channel,
      waitEstimateMs,
      position,
    });
  }

  private maybeTellWait(conv: RoutedConversation, _now: number, force: boolean): void {
    if (this.listeners.length === 0 && !force) return;
    const { position, waitEstimateMs } = this.estimate(conv);
    const last = conv.lastEstimateMs;
    const change = last === undefined ? Infinity : Math.abs(waitEstimateMs - last);
    if (
      force ||
      last === undefined ||
      (change >= this.policy.waitEstimateChangeRatio * last && change >= this.policy.waitEstimateChangeMs)
    ) {
      this.tellWait(conv, position, waitEstimateMs);
    }
  }

  /**
   * Re-checks waiting conversations' estimates every waitEstimateIntervalMs, at most SWEEP_BATCH per tick (a sweep
   * over 10,000 waiting conversations spreads over several ticks instead of stalling one).
   */
  private sweepEstimates(now: number): void {
    if (this.sweep === undefined) {
      if (now < this.nextEstimateSweepAt || this.listeners.length === 0) return;
      this.sweep = this.convs.values();
    }
    for (let i = 0; i < SWEEP_BATCH; i++) {
      const next = this.sweep.next();
      if (next.done === true) {
        this.sweep = undefined;
        this.nextEstimateSweepAt = now + this.policy.waitEstimateIntervalMs;
        return;
      }
      if (next.value.state === 'waiting') this.maybeTellWait(next.value, now, false);
    }
  }

  private queueStatuses(now: number): QueueStatus[] {
    const out: QueueStatus[] = [];
    for (const q of this.queueMap.values()) {
      const s = this.index.servers(q.skill, q.language);
      const slots = s.capacity;
      const oldest = q.oldestEnqueuedAt();
      const positional = positionWaitMs(q.depth + 1, q.meanHandleMs, slots);
      const lambda = q.arrivalRatePerMs();
      const erlang = lambda === undefined ? undefined : erlangCWaitMs(slots, lambda, q.meanHandleMs);
      out.push({
        id: q.id,
        skill: q.skill,
        language: q.language,
        depth: q.depth,
        oldestWaitMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
        waitEstimateMs: Math.round(Math.max(positional, erlang ?? 0)),
        agentsOnline: s.agents,
        serviceRatePerMin: round((slots * 60_000) / q.meanHandleMs),
      });
    }
    return out;
  }
}

function better(score: number, agent: AgentActor, otherScore: number, other: AgentActor): boolean {
  return score > otherScore + EPSILON || (Math.abs(score - otherScore) <= EPSILON && agent.id < other.id);
}

function earlierThan(a: RoutedConversation, b: RoutedConversation): boolean {
  return a.enqueuedAt < b.enqueuedAt || (a.enqueuedAt === b.enqueuedAt && a.seq < b.seq);
}

function clampPriority(p: number): number {
  return Math.min(MAX_PRIORITY, Math.max(MIN_PRIORITY, Math.round(p)));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function relaxText(level: number): string {
  return level >= 3
    ? 'skill and language ignored'
    : level === 2
      ? 'skill ignored (language still required)'
      : 'skill level ignored';
}

function validateProfile(profile: AgentProfile): void {
  const bad = (why: string): never => {
    throw new RoutingError('VALIDATION_FAILED', `agent profile: ${why}`);
  };
  if (profile === null || typeof profile !== 'object') bad('not an object');
  if (typeof profile.id !== 'string' || profile.id.length === 0) bad('id must be a non-empty string');
  if (!Array.isArray(profile.skills) || !Array.isArray(profile.languages)) bad('skills and languages must be arrays');
  if (profile.capacity !== undefined && !(Number.isFinite(profile.capacity) && profile.capacity >= 1)) {
    bad('capacity must be a number >= 1');
  }
  for (const w of Object.values(profile.channelWeights ?? {})) {
    if (w !== undefined && !(Number.isFinite(w) && w > 0)) bad('channel weights must be numbers > 0');
  }
}
