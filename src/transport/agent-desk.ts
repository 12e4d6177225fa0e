// The agent desk's real-time side: a socket.io namespace (`/agents`) on the same uWS app, authenticated with a signed
// agent token (handshake `auth.token`). Agents receive offers with the full conversation context, accept or decline
// them, get customer messages live, reply (stored, then delivered by the channel's outbound adapter), type, transfer
// and resolve. A reconnecting agent gets their state back; a dropped agent keeps their conversations for a grace
// period (the router re-queues them after it).
//
// Client → server (each with an ack `{ok: true, …} | {ok: false, error: {code, message}}`):
//   status {status}  accept {conversationId}  decline {conversationId}  reply {conversationId, text}
//   typing {conversationId, typing}  transfer {conversationId, agentId? | skill?}  resolve {conversationId, resolved,
//   csat?}  action {conversationId, action, selected, outcome?}  context {conversationId}  queues {}
// Server → client: state, offer, offer-revoked, assigned, unassigned, customer-message, customer-typing, queue-status
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { ActorGateway } from '../actors/index.js';
import { isConversationId, OmniError, type ConversationId, type TenantId } from '../domain/index.js';
import type { RoutingService } from '../pipeline/index.js';
import type { AgentClaims, AgentTokens } from './agent-tokens.js';
import type { WebChat } from './webchat.js';

type Ack = (answer: unknown) => void;

const conversationRef = z.object({ conversationId: z.string().refine(isConversationId, 'not a conversation id') });
const schemas = {
  status: z.object({ status: z.enum(['online', 'away', 'offline']) }).strict(),
  accept: conversationRef.strict(),
  decline: conversationRef.strict(),
  reply: conversationRef.extend({ text: z.string().trim().min(1).max(65_536) }).strict(),
  typing: conversationRef.extend({ typing: z.boolean() }).strict(),
  transfer: conversationRef
    .extend({ agentId: z.string().min(1).optional(), skill: z.string().min(1).optional() })
    .strict()
    .refine((t) => t.agentId !== undefined || t.skill !== undefined, 'agentId or skill is required'),
  resolve: conversationRef.extend({ resolved: z.boolean(), csat: z.number().int().min(1).max(5).optional() }).strict(),
  action: conversationRef
    .extend({
      action: z.string().min(1).max(64),
      selected: z.boolean(),
      outcome: z.enum(['success', 'failure']).optional(),
    })
    .strict(),
  context: conversationRef.strict(),
  queues: z.object({}).strict(),
};
type Command = keyof typeof schemas;

export interface AgentDeskOptions {
  io: Server;
  gateway: ActorGateway;
  routing: RoutingService;
  tokens: AgentTokens;
  webchat?: WebChat;
  logger: Logger;
  /** Wakes the delivery engine after an agent reply was queued. */
  onReplyQueued?: () => void;
}

const agentRoom = (tenant: TenantId, agentId: string) => `agent:${tenant}:${agentId}`;
const tenantRoom = (tenant: TenantId) => `tenant:${tenant}`;

export class AgentDesk {
  readonly namespace: Namespace;
  /** Web-chat visitors whose messages reached an agent: visitor id → where their typing goes. */
  private readonly visitors = new Map<string, { tenant: TenantId; conversationId: ConversationId }>();

  constructor(private readonly options: AgentDeskOptions) {
    const { io, routing } = options;
    this.namespace = io.of('/agents');
    this.namespace.use((socket, next) => {
      options.tokens.verify((socket.handshake.auth as { token?: unknown }).token).then(
        (claims) => {
          if (!routing.hasAgent(claims.tenant, claims.agentId)) {
            next(Object.assign(new Error('agent not registered'), { data: { code: 'AGENT_NOT_FOUND' } }));
            return;
          }
          socket.data = claims;
          next();
        },
        (error: unknown) => {
          const typed = OmniError.from(error);
          next(Object.assign(new Error(typed.message), { data: { code: typed.code } }));
        },
      );
    });
    this.namespace.on('connection', (socket) => this.connected(socket));
    routing.events.on('event', (tenant: TenantId, event: import('../routing/index.js').RouterEvent) =>
      this.forward(tenant, event),
    );
    routing.events.on(
      'customer-message',
      (
        tenant: TenantId,
        agentId: string,
        payload: { channel: string; from: string; conversationId: ConversationId },
      ) => {
        if (payload.channel === 'webchat') {
          this.visitors.delete(payload.from); // re-inserted: the map stays in recency order, bounded below
          this.visitors.set(payload.from, { tenant, conversationId: payload.conversationId });
          if (this.visitors.size > 100_000) this.visitors.delete(this.visitors.keys().next().value as string);
        }
        this.namespace.to(agentRoom(tenant, agentId)).emit('customer-message', payload);
      },
    );
    options.webchat?.events.on('typing', (visitorId: string, typing: boolean) => this.visitorTyping(visitorId, typing));
  }

  private connected(socket: Socket): void {
    const claims = socket.data as AgentClaims;
    const { tenant, agentId } = claims;
    const router = this.options.routing.router(tenant);
    void socket.join([agentRoom(tenant, agentId), tenantRoom(tenant)]);
    const view = router.agentReconnected(agentId, Date.now());
    socket.emit('state', { agent: view, queues: router.queues(Date.now()) });
    for (const command of Object.keys(schemas) as Command[]) {
      socket.on(command, (payload: unknown, ack?: Ack) => {
        const answer: Ack = typeof ack === 'function' ? ack : () => undefined;
        this.run(claims, command, payload).then(
          (result) => answer({ ok: true, ...(result as object) }),
          (error: unknown) => {
            const typed = OmniError.from(error);
            if (typed.httpStatus >= 500)
              this.options.logger.error({ err: error, agentId, command }, 'desk command failed');
            answer({ ok: false, error: { code: typed.code, message: typed.message } });
          },
        );
      });
    }
    socket.on('disconnect', () => {
      void this.namespace
        .in(agentRoom(tenant, agentId))
        .fetchSockets()
        .then((left) => {
          // Another tab is still open: the agent is still here.
          if (left.length === 0) this.options.routing.router(tenant).agentDisconnected(agentId, Date.now());
        });
    });
  }

  private async run(claims: AgentClaims, command: Command, payload: unknown): Promise<unknown> {
    const parsed = schemas[command].safeParse(payload ?? {});
    if (!parsed.success) {
      throw new OmniError(
        'VALIDATION_FAILED',
        parsed.error.issues.map((i) => `${i.path.join('.') || command}: ${i.message}`).join('; '),
      );
    }
    const { tenant, agentId } = claims;
    const routing = this.options.routing;
    const router = routing.router(tenant);
    const now = Date.now();
    const body = parsed.data as Record<string, unknown> & { conversationId: ConversationId };
    switch (command) {
      case 'status':
        return { agent: router.setStatus(agentId, body.status as 'online' | 'away' | 'offline', now) };
      case 'accept': {
        const decision = routing.apply(tenant, () => router.accept(agentId, body.conversationId, now));
        return { decision, context: await routing.context(tenant, body.conversationId) };
      }
      case 'decline':
        return { decision: routing.apply(tenant, () => router.decline(agentId, body.conversationId, now)) };
      case 'reply': {
        if (router.customerMessage(body.conversationId).agentId !== agentId)
          throw new OmniError('NOT_ASSIGNED', `conversation ${body.conversationId} is not assigned to you`);
        const agent = router.agent(agentId);
        const result = await this.options.gateway.reply(tenant, body.conversationId, {
          content: { type: 'text', text: body.text as string },
          sender: { kind: 'agent', agentId: agentId as never, ...(agent ? { name: agent.name } : {}) },
        });
        this.options.onReplyQueued?.();
        return { reply: result };
      }
      case 'typing':
        await this.agentTyping(tenant, agentId, body.conversationId, body.typing as boolean);
        return {};
      case 'transfer': {
        const target = {
          ...(body.agentId === undefined ? {} : { agentId: body.agentId as string }),
          ...(body.skill === undefined ? {} : { skill: body.skill as string }),
        };
        return { decision: routing.apply(tenant, () => router.transfer(agentId, body.conversationId, target, now)) };
      }
      case 'resolve':
        return {
          decision: routing.apply(tenant, () =>
            router.resolve(
              agentId,
              body.conversationId,
              { resolved: body.resolved as boolean, ...(body.csat === undefined ? {} : { csat: body.csat as number }) },
              now,
            ),
          ),
        };
      case 'action':
        // Every agent-assist selection and outcome is logged (Requirement 8.4) and feeds the recommendation stats.
        this.options.logger.info(
          {
            tenant,
            agentId,
            conversationId: body.conversationId,
            action: body.action,
            selected: body.selected,
            outcome: body.outcome,
          },
          'agent-assist action',
        );
        router.recordActionOutcome(
          {
            agentId,
            conversationId: body.conversationId,
            action: body.action as string,
            selected: body.selected as boolean,
            ...(body.outcome === undefined ? {} : { outcome: body.outcome as 'success' | 'failure' }),
          },
          now,
        );
        return {};
      case 'context':
        return { context: await routing.context(tenant, body.conversationId) };
      case 'queues':
        return { queues: router.queues(now) };
    }
  }

  /** Router events to the agents they concern; offers carry the conversation's full context. */
  private forward(tenant: TenantId, event: import('../routing/index.js').RouterEvent): void {
    switch (event.type) {
      case 'offer':
        void this.options.routing.context(tenant, event.item.conversationId as ConversationId).then(
          (context) =>
            this.namespace.to(agentRoom(tenant, event.agentId)).emit('offer', {
              conversationId: event.item.conversationId,
              item: event.item,
              decision: event.decision,
              expiresAt: event.expiresAt,
              context,
            }),
          (error: unknown) => this.options.logger.warn({ err: error }, 'offer context unavailable'),
        );
        return;
      case 'assigned':
      case 'offer-revoked':
      case 'unassigned':
        this.namespace.to(agentRoom(tenant, event.agentId)).emit(event.type, event);
        return;
      case 'queue-status':
        // Only this tenant's agents: queue names and depths are the tenant's business.
        this.namespace.to(tenantRoom(tenant)).emit('queue-status', event.queues);
        return;
      case 'wait-estimate':
        return;
    }
  }

  /** Agent typing reaches a web-chat visitor live (other channels have no typing signal we can send). */
  private async agentTyping(tenant: TenantId, agentId: string, conversationId: ConversationId, typing: boolean) {
    if (this.options.routing.router(tenant).customerMessage(conversationId).agentId !== agentId)
      throw new OmniError('NOT_ASSIGNED', `conversation ${conversationId} is not assigned to you`);
    const head = await this.options.gateway.getConversationHead(tenant, conversationId);
    const visitor = head.lastInbound?.webchat?.address;
    if (visitor !== undefined && this.options.webchat !== undefined)
      await this.options.webchat.emitToVisitor(visitor, 'typing', { typing });
  }

  /** Visitor typing reaches the agent holding the visitor's conversation. */
  private visitorTyping(visitorId: string, typing: boolean): void {
    const known = this.visitors.get(visitorId);
    if (known === undefined) return;
    const agentId = this.options.routing.router(known.tenant).customerMessage(known.conversationId).agentId;
    if (agentId === undefined) return;
    this.namespace
      .to(agentRoom(known.tenant, agentId))
      .emit('customer-typing', { conversationId: known.conversationId, typing });
  }
}
