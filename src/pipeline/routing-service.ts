// The decide-and-route step of the pipeline (main thread). One Router (agent and queue actors, in memory) per
// tenant; every analysed message is decided (automate / escalate / route) there, every decision is stored with its
// reasons, router events go out to agents (offers, assignments) and to customers (expected wait, on their own
// channel). A tick timer drives offer timeouts, skill relaxation, disconnect grace periods and queue ageing.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ActorGateway } from '../actors/index.js';
import {
  ERROR_CODES,
  OmniError,
  type ChannelType,
  type ConversationId,
  type ConversationWithMessages,
  type CustomerProfile,
  type ErrorCode,
  type MessageAnalysis,
  type TenantId,
} from '../domain/index.js';
import type { NodeMetrics } from '../observability/index.js';
import type { RoutingStore } from '../persistence/index.js';
import {
  RecentMap,
  Router,
  type AgentProfile,
  type AgentView,
  type RouterEvent,
  type RoutingDecision,
  type RoutingPolicy,
  type WorkItem,
} from '../routing/index.js';
import type { AnalysedEvent, MessageRef } from './analysis-pipeline.js';

/** Conversations whose automated answers in a row are remembered (about 100 bytes each). */
const MAX_BOT_ATTEMPTS_REMEMBERED = 100_000;

/** Everything an agent needs when a conversation is offered (Requirement 10.3): history, analysis, profile, bot. */
export interface ConversationContext {
  conversation: ConversationWithMessages;
  customer: CustomerProfile;
  analysis?: MessageAnalysis;
  botAttempts: number;
  decisions: RoutingDecision[];
  recommendations: ReturnType<Router['recommendActions']>;
}

export interface RoutingServiceOptions {
  gateway: ActorGateway;
  store: RoutingStore;
  logger: Logger;
  policy?: Partial<RoutingPolicy>;
  /** Timer period for offer timeouts, relaxation and grace periods. @default 100 */
  tickMs?: number;
  /** Wakes the delivery engine after a system message (expected wait) was queued. */
  onReplyQueued?: () => void;
  metrics?: NodeMetrics;
}

/** A router's error (stable code) as the API's typed error. */
export function toOmniError(error: unknown): OmniError {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (!(error instanceof OmniError) && typeof code === 'string' && code in ERROR_CODES)
    return new OmniError(code as ErrorCode, (error as Error).message);
  return OmniError.from(error);
}

export class RoutingService {
  /** `event` (tenant, RouterEvent) for the agent desk; `customer-message` (tenant, agentId, payload). */
  readonly events = new EventEmitter();
  private readonly routers = new Map<TenantId, Router>();
  /**
   * Automated answers in a row per conversation: failed automation attempts when the customer keeps writing. Only
   * the most recent conversations are remembered (an entry stayed forever for every conversation automation ever
   * answered); a forgotten one starts again from zero, which at worst gives the bot one more try.
   */
  private readonly botAttempts = new RecentMap<string, number>(MAX_BOT_ATTEMPTS_REMEMBERED);
  private timer: NodeJS.Timeout | undefined;
  private decisionCount = 0;

  constructor(private readonly options: RoutingServiceOptions) {}

  start(): void {
    for (const { tenant, profile } of this.options.store.allAgents<AgentProfile>()) {
      this.router(tenant).upsertAgent(profile, Date.now());
    }
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const router of this.routers.values()) router.tick(now);
    }, this.options.tickMs ?? 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  get decisionsMade(): number {
    return this.decisionCount;
  }

  /** Every tenant's router (metrics, dashboards). */
  allRouters(): Array<[TenantId, Router]> {
    return [...this.routers.entries()];
  }

  router(tenant: TenantId): Router {
    let router = this.routers.get(tenant);
    if (router === undefined) {
      router = new Router(this.options.policy);
      router.onEvent((event) => this.onRouterEvent(tenant, event));
      this.routers.set(tenant, router);
    }
    return router;
  }

  /** Registers or updates an agent (persisted, so a restarted node knows its agents). */
  async registerAgent(tenant: TenantId, profile: AgentProfile): Promise<AgentView> {
    const view = this.router(tenant).upsertAgent(profile, Date.now());
    await this.options.store.putAgent(tenant, profile);
    return view;
  }

  hasAgent(tenant: TenantId, agentId: string): boolean {
    return this.routers.get(tenant)?.agent(agentId) !== undefined;
  }

  /** An analysed customer message: forward it to the agent who holds the conversation, or decide what to do. */
  onAnalysed(event: AnalysedEvent): void {
    const { ref, analysis, text, origin } = event;
    const channel = origin.channel;
    const router = this.router(ref.tenant);
    const holder = router.customerMessage(ref.conversationId);
    if (holder.agentId !== undefined) {
      this.events.emit('customer-message', ref.tenant, holder.agentId, { ...ref, ...origin, text, analysis });
      return;
    }
    if (router.position(ref.conversationId, Date.now()) !== undefined) return; // already waiting for an agent
    const key = `${ref.tenant}\u0000${ref.conversationId}`;
    const attempts = this.botAttempts.get(key) ?? 0;
    const item: WorkItem = {
      conversationId: ref.conversationId,
      customerId: ref.customerId,
      channel,
      urgency: analysis.urgency.score,
      intent: analysis.intent,
      language: analysis.language,
    };
    const decision = this.apply(ref.tenant, () =>
      router.decide(
        {
          item,
          confidence: analysis.confidence,
          outOfScope: analysis.outOfScope,
          text,
          failedAutomationAttempts: attempts,
        },
        Date.now(),
      ),
    );
    if (decision.kind === 'automated') this.botAttempts.set(key, attempts + 1);
    else this.botAttempts.delete(key);
  }

  /** A message that could not be analysed (inference down): straight to a human, marked as such. */
  onNotAnalysed(ref: MessageRef, channel: ChannelType): void {
    const router = this.router(ref.tenant);
    if (router.customerMessage(ref.conversationId).agentId !== undefined) return;
    if (router.position(ref.conversationId, Date.now()) !== undefined) return;
    this.apply(ref.tenant, () =>
      router.enqueue(
        {
          conversationId: ref.conversationId,
          customerId: ref.customerId,
          channel,
          urgency: 5,
          intent: 'not_analysed',
          language: 'und',
        },
        Date.now(),
      ),
    );
  }

  /** Runs a router command, stores the decision it returns, and maps router errors to typed API errors. */
  apply(tenant: TenantId, command: () => RoutingDecision): RoutingDecision {
    let decision: RoutingDecision;
    try {
      decision = command();
    } catch (error) {
      throw toOmniError(error);
    }
    this.persist(tenant, decision);
    return decision;
  }

  private persist(tenant: TenantId, decision: RoutingDecision): void {
    this.decisionCount++;
    this.options.metrics?.routingDecisions.inc({ kind: decision.kind });
    this.options.store.recordDecision(tenant, decision).catch((error: unknown) => {
      this.options.logger.error({ err: error, decision: decision.id }, 'routing decision not stored');
    });
  }

  /** The conversation's routing history (stored decisions; includes those made before a restart). */
  decisions(tenant: TenantId, conversationId: string): RoutingDecision[] {
    // Stored ones (from before a restart too) plus the router's live log, whose newest writes may still be in flight.
    const stored = this.options.store.decisions<RoutingDecision>(tenant, conversationId);
    const seen = new Set(stored.map((d) => d.id));
    const live = this.routers.get(tenant)?.decisions(conversationId) ?? [];
    return [...stored, ...live.filter((d) => !seen.has(d.id))].sort((a, b) => a.at - b.at);
  }

  async context(tenant: TenantId, conversationId: ConversationId): Promise<ConversationContext> {
    const conversation = await this.options.gateway.getConversation(tenant, conversationId);
    const customer = await this.options.gateway.getCustomer(tenant, conversation.customerId);
    const lastInbound = [...conversation.messages].reverse().find((m) => m.direction === 'inbound' && m.analysis);
    const analysis = lastInbound?.analysis;
    const history = customer.previousIssues.map((issue) => ({
      intent: issue.intent ?? 'other',
      resolved: issue.resolved,
    }));
    const recommendations =
      analysis === undefined
        ? []
        : this.router(tenant).recommendActions({
            intent: analysis.intent,
            sentiment: analysis.sentiment,
            entities: analysis.entities,
            urgency: analysis.urgency.score,
            history,
          });
    return {
      conversation,
      customer,
      ...(analysis === undefined ? {} : { analysis }),
      botAttempts: conversation.messages.filter((m) => m.direction === 'outbound' && m.sender.kind === 'bot').length,
      decisions: this.decisions(tenant, conversationId),
      recommendations,
    };
  }

  private onRouterEvent(tenant: TenantId, event: RouterEvent): void {
    if (event.type === 'wait-estimate') void this.tellExpectedWait(tenant, event);
    // Decisions the router makes on its own (timeouts, re-offers, relaxation) are stored like the others.
    if (event.type === 'offer') this.persist(tenant, event.decision);
    this.events.emit('event', tenant, event);
  }

  /** Tells the waiting customer, on their own channel, how long the wait should be (Requirement 10.4). */
  private async tellExpectedWait(tenant: TenantId, event: Extract<RouterEvent, { type: 'wait-estimate' }>) {
    // A tenant without any agent has no desk: promising "an agent will be with you" would be false.
    if (this.router(tenant).agents().length === 0) return;
    const minutes = Math.max(1, Math.round(event.waitEstimateMs / 60_000));
    const text =
      `Thanks for your patience. An agent will be with you in about ${minutes} minute${minutes === 1 ? '' : 's'}` +
      (event.position > 0 ? ` (you are number ${event.position} in the queue).` : '.');
    try {
      await this.options.gateway.reply(tenant, event.conversationId as ConversationId, {
        content: { type: 'text', text },
        channel: event.channel,
        sender: { kind: 'system' },
        metadata: { kind: 'wait-estimate', waitEstimateMs: event.waitEstimateMs, position: event.position },
      });
      this.options.onReplyQueued?.();
    } catch (error) {
      this.options.logger.warn(
        { err: error, conversationId: event.conversationId },
        'could not send the expected wait',
      );
    }
  }
}
