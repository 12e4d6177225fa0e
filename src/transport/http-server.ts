// The uWebSockets.js HTTP gateway on the main thread. It only parses, validates, authenticates and hands off to the
// actor gateway; a 202 is written only after the shard reports the durable commit. Routes:
//   GET  /health                      readiness
//   GET  /metrics                     Prometheus
//   POST /v1/messages                 ingest one message
//   GET  /v1/messages?channel=&providerMessageId=   look up a stored message by provider id
//   GET  /v1/conversations/:id        a conversation with its messages, chronologically
//   GET  /v1/customers/:id            a customer profile with linked identities
//   PATCH /v1/customers/:id           set integrator-owned profile fields (value tier, VIP, name, purchases)
//   POST /v1/analyze                  intents, sentiment, entities, language and urgency of a text
//   POST /v1/agents                   register or update an agent; answers with the agent's desk token
//   GET  /v1/agents                   agents with status, load and conversations
//   GET  /v1/queues                   queue depth, oldest wait and wait estimate per skill/language
//   GET  /v1/routing/decisions?conversationId=   every routing decision for a conversation, with its reasons
//   GET  /v1/dead-letters             messages whose analysis failed too often
//   POST /v1/dead-letters/:id/replay  analyse a dead letter again
//   POST /v1/customers/:id/identities link identities to a customer (merges customers that turn out to be one)
//   POST /v1/conversations/:id/messages reply to the customer (stored, then delivered through the outbox)
//   GET  /v1/outbox/:id               delivery state of a reply
//   POST /v1/admin/shards/:n/crash    fault injection (only when enabled)
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { ActorGateway, ShardTransport } from '../actors/index.js';
import { isChannelType, isConversationId, isCustomerId, OmniError, type TenantId } from '../domain/index.js';
import type { NodeMetrics } from '../observability/index.js';
import { readBody, sendError, sendJson, watch, type ResponseState } from './http-io.js';
import { parseLinkRequest } from './link-request.js';
import { parseAnalyzeRequest } from './analyze-request.js';
import { parseCustomerUpdate } from './customer-update-request.js';
import type { AnalysisPipeline, AnalyzeService, RoutingService } from '../pipeline/index.js';
import { parseAgentRequest } from './agent-request.js';
import type { AgentTokens } from './agent-tokens.js';
import { parseMessageRequest } from './message-request.js';
import { parseReplyRequest } from './reply-request.js';
import type { DeadLetterStore, DeliveryLedger, OutboxStore } from '../persistence/index.js';
import type { Server as SocketIoServer } from 'socket.io';
import type { WebhookRoute } from './channels/index.js';
import { registerWebhookRoutes, type WebhookRoutesOptions } from './webhook-routes.js';
import type { TenantResolver } from './tenant-auth.js';
import { loadNativeUws } from './uws-native.js';

const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

export interface HttpServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  gateway: ActorGateway;
  /** The shards; `crashShard` exists only where shards are worker threads (fault injection). */
  shards: ShardTransport;
  tenants: TenantResolver;
  metrics: NodeMetrics;
  logger: Logger;
  faultInjection: boolean;
  /** POST /v1/analyze; absent when inference is disabled (the route answers 503 INFERENCE_UNAVAILABLE). */
  analyzer?: AnalyzeService;
  /** Dead letters of the analysis step (absent when inference is disabled: the routes answer an empty list / 404). */
  deadLetters?: { store: DeadLetterStore; pipeline: AnalysisPipeline };
  /** Agents, queues and routing decisions (absent: those routes answer 404). */
  routing?: { service: RoutingService; tokens: AgentTokens };
  /** The persistent outbox, for GET /v1/outbox/:id. */
  outbox?: OutboxStore;
  /** Called after a reply was queued (wakes the delivery engine). */
  onReplyQueued?: () => void;
  /** A socket.io server to attach to this app. */
  io?: SocketIoServer;
  /** Provider webhooks: adapters for configured channels, and the paths of channels left unconfigured. */
  webhooks?: {
    routes: WebhookRoute[];
    unconfigured: string[];
    deliveries: DeliveryLedger;
    publicUrl: string;
    onCommitted?: WebhookRoutesOptions['onCommitted'];
  };
}

export class HttpServer {
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | undefined;
  private inFlight = 0;
  private draining = false;
  private boundPort = 0;

  constructor(private readonly options: HttpServerOptions) {
    const uws = loadNativeUws();
    this.app = uws.App();
    this.routes();
  }

  get port(): number {
    return this.boundPort;
  }

  get activeRequests(): number {
    return this.inFlight;
  }

  listen(): Promise<number> {
    const uws = loadNativeUws();
    return new Promise((resolve, reject) => {
      // Exclusive port: uWS otherwise sets SO_REUSEPORT, and a second node on the same port would silently share it.
      const listen = this.app.listen as unknown as (
        host: string,
        port: number,
        options: number,
        cb: (socket: us_listen_socket | false) => void,
      ) => void;
      listen.call(this.app, this.options.host, this.options.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
        if (!socket) {
          reject(new Error(`cannot listen on ${this.options.host}:${this.options.port} (in use or not permitted)`));
          return;
        }
        this.listenSocket = socket;
        this.boundPort = uws.us_socket_local_port(socket);
        resolve(this.boundPort);
      });
    });
  }

  /** Stops accepting connections and waits (bounded) for requests in flight to be answered. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.listenSocket !== undefined) {
      loadNativeUws().us_listen_socket_close(this.listenSocket);
      this.listenSocket = undefined;
    }
    const until = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }

  private routes(): void {
    const { app } = this;
    app.get('/health', (res) => {
      const state = watch(res);
      const ready = !this.draining;
      sendJson(
        res,
        state,
        ready ? 200 : 503,
        ready ? { status: 'ok', shards: this.options.shards.shards } : { status: 'stopping' },
      );
    });
    app.get('/metrics', (res) => {
      const state = watch(res);
      this.options.metrics.registry.metrics().then(
        (text) => {
          if (state.aborted) return;
          res.cork(() => res.writeHeader('content-type', this.options.metrics.registry.contentType).end(text));
        },
        (error: unknown) => sendError(res, state, OmniError.from(error)),
      );
    });

    this.handle('POST', '/v1/messages', 'messages.post', async (res, req, state, tenant) => {
      this.options.gateway.checkAdmission(); // past capacity: refused before the body is read and parsed
      const body = await this.jsonBody(res, req);
      const draft = parseMessageRequest(body);
      const result = await this.options.gateway.ingest(tenant, draft);
      this.options.metrics.messagesIngested.inc({
        channel: draft.channel,
        result: result.duplicate ? 'duplicate' : 'stored',
      });
      sendJson(res, state, 202, result);
      return 202;
    });

    this.handle('GET', '/v1/messages', 'messages.get', async (res, req, state, tenant) => {
      const query = new URLSearchParams(req.getQuery() ?? '');
      const channel = query.get('channel');
      const providerMessageId = query.get('providerMessageId');
      if (channel === null || providerMessageId === null || providerMessageId === '') {
        throw new OmniError('VALIDATION_FAILED', 'query parameters channel and providerMessageId are required');
      }
      if (!isChannelType(channel)) throw new OmniError('UNKNOWN_CHANNEL', `unknown channel "${channel}"`);
      let ref = await this.options.gateway.findByProviderId(tenant, channel, providerMessageId);
      if (ref === null && channel === 'email') {
        // Message-IDs are stored as written in the header (<id@host>); accept them with or without the brackets.
        const alternative = providerMessageId.startsWith('<')
          ? providerMessageId.replace(/^<|>$/g, '')
          : `<${providerMessageId}>`;
        ref = await this.options.gateway.findByProviderId(tenant, channel, alternative);
      }
      if (ref === null) throw new OmniError('ROUTE_NOT_FOUND', `no message ${providerMessageId} on ${channel}`);
      const conversation = await this.options.gateway.getConversation(tenant, ref.conversationId);
      const message = conversation.messages.find((m) => m.seq === ref.seq);
      sendJson(res, state, 200, message ?? ref);
      return 200;
    });

    this.handle('GET', '/v1/conversations/:id', 'conversations.get', async (_res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      if (!isConversationId(id)) throw new OmniError('CONVERSATION_NOT_FOUND', `conversation ${id} not found`);
      const query = new URLSearchParams(req.getQuery() ?? '');
      const page: { fromSeq?: number; limit?: number } = {};
      for (const [name, min] of [
        ['fromSeq', 1],
        ['limit', 1],
      ] as const) {
        const raw = query.get(name);
        if (raw === null) continue;
        const value = Number(raw);
        if (!Number.isInteger(value) || value < min)
          throw new OmniError('VALIDATION_FAILED', `${name} must be an integer ≥ ${min}`);
        page[name] = value;
      }
      sendJson(_res, state, 200, await this.options.gateway.getConversation(tenant, id, page));
      return 200;
    });

    this.handle('GET', '/v1/customers/:id', 'customers.get', async (res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      if (!isCustomerId(id)) throw new OmniError('CUSTOMER_NOT_FOUND', `customer ${id} not found`);
      sendJson(res, state, 200, await this.options.gateway.getCustomer(tenant, id));
      return 200;
    });

    this.handle('PATCH', '/v1/customers/:id', 'customers.patch', async (res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      const body = await this.jsonBody(res, req);
      if (!isCustomerId(id)) throw new OmniError('CUSTOMER_NOT_FOUND', `customer ${id} not found`);
      sendJson(res, state, 200, await this.options.gateway.updateCustomer(tenant, id, parseCustomerUpdate(body)));
      return 200;
    });

    this.handle('POST', '/v1/analyze', 'analyze', async (res, req, state, tenant) => {
      const body = await this.jsonBody(res, req);
      const analyzer = this.options.analyzer;
      if (analyzer === undefined) throw new OmniError('INFERENCE_UNAVAILABLE', 'inference is disabled on this node');
      const { text, customerId } = parseAnalyzeRequest(await body);
      sendJson(res, state, 200, await analyzer.analyze(tenant, text, customerId));
      return 200;
    });

    const routing = () => {
      if (this.options.routing === undefined) throw new OmniError('ROUTE_NOT_FOUND', 'routing is not enabled');
      return this.options.routing;
    };
    this.handle('POST', '/v1/agents', 'agents.post', async (res, req, state, tenant) => {
      const body = await this.jsonBody(res, req);
      const { service, tokens } = routing();
      const profile = parseAgentRequest(body);
      const agent = await service.registerAgent(tenant, profile);
      const token = await tokens.issue({ tenant, agentId: profile.id });
      sendJson(res, state, 201, { agent, token });
      return 201;
    });
    this.handle('GET', '/v1/agents', 'agents.get', async (res, _req, state, tenant) => {
      sendJson(res, state, 200, { agents: routing().service.router(tenant).agents() });
      return 200;
    });
    this.handle('GET', '/v1/queues', 'queues.get', async (res, _req, state, tenant) => {
      sendJson(res, state, 200, { queues: routing().service.router(tenant).queues(Date.now()) });
      return 200;
    });
    this.handle('GET', '/v1/routing/decisions', 'routing.decisions', async (res, req, state, tenant) => {
      const conversationId = new URLSearchParams(req.getQuery() ?? '').get('conversationId');
      if (conversationId === null || conversationId === '')
        throw new OmniError('VALIDATION_FAILED', 'query parameter conversationId is required');
      sendJson(res, state, 200, { decisions: routing().service.decisions(tenant, conversationId) });
      return 200;
    });

    this.handle('GET', '/v1/dead-letters', 'deadLetters.get', async (res, req, state, tenant) => {
      const limit = Number(new URLSearchParams(req.getQuery() ?? '').get('limit') ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new OmniError('VALIDATION_FAILED', 'limit must be an integer 1-1000');
      sendJson(res, state, 200, { deadLetters: this.options.deadLetters?.store.list(tenant, limit) ?? [] });
      return 200;
    });
    this.handle('POST', '/v1/dead-letters/:id/replay', 'deadLetters.replay', async (res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      const replayed = (await this.options.deadLetters?.pipeline.replay(tenant, id)) ?? false;
      if (!replayed) throw new OmniError('ROUTE_NOT_FOUND', `no dead letter ${id}`);
      sendJson(res, state, 202, { replayed: id });
      return 202;
    });

    this.handle('POST', '/v1/customers/:id/identities', 'customers.link', async (res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      const body = await this.jsonBody(res, req);
      if (!isCustomerId(id)) throw new OmniError('CUSTOMER_NOT_FOUND', `customer ${id} not found`);
      const profile = await this.options.gateway.linkIdentities(tenant, id, parseLinkRequest(body));
      sendJson(res, state, 200, profile);
      return 200;
    });

    this.handle('POST', '/v1/conversations/:id/messages', 'conversations.reply', async (res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      const body = await this.jsonBody(res, req);
      if (!isConversationId(id)) throw new OmniError('CONVERSATION_NOT_FOUND', `conversation ${id} not found`);
      const result = await this.options.gateway.reply(tenant, id, parseReplyRequest(body));
      this.options.onReplyQueued?.();
      sendJson(res, state, 202, result);
      return 202;
    });

    this.handle('GET', '/v1/outbox/:id', 'outbox.get', async (res, req, state, tenant) => {
      const id = req.getParameter(0) ?? '';
      const record = this.options.outbox?.get(tenant, id);
      if (record === undefined) throw new OmniError('ROUTE_NOT_FOUND', `no outbound delivery ${id}`);
      // The provider's delivery reports (delivered, read, failed) for each message id the provider gave us.
      const deliveries = record.providerMessageIds.map(
        (providerMessageId) => this.options.webhooks?.deliveries.get(tenant, record.channel, providerMessageId) ?? null,
      );
      sendJson(res, state, 200, { ...record, deliveries });
      return 200;
    });

    this.handle('POST', '/v1/admin/shards/:n/crash', 'admin.crash', async (res, req, state) => {
      if (!this.options.faultInjection) throw new OmniError('ROUTE_NOT_FOUND', 'fault injection is disabled');
      const shard = Number(req.getParameter(0));
      if (!Number.isInteger(shard) || shard < 0 || shard >= this.options.shards.shards) {
        throw new OmniError('VALIDATION_FAILED', `shard must be 0..${this.options.shards.shards - 1}`);
      }
      const { shards } = this.options;
      if (shards.crashShard === undefined) {
        throw new OmniError('VALIDATION_FAILED', 'shards run on the main thread (SHARD_MODE=inline): nothing to crash');
      }
      shards.crashShard(shard);
      sendJson(res, state, 202, { crashing: shard });
      return 202;
    });

    if (this.options.webhooks !== undefined) {
      registerWebhookRoutes(this.app, {
        ...this.options.webhooks,
        gateway: this.options.gateway,
        maxBodyBytes: this.options.maxBodyBytes,
        metrics: this.options.metrics,
        logger: this.options.logger.child({ module: 'webhooks' }),
        track: (delta) => (this.inFlight += delta),
      });
    }

    // socket.io (web chat now, the agent desk later) on the same app and port.
    this.options.io?.attachApp(this.app);

    for (const path of [
      '/v1/messages',
      '/v1/conversations/:id',
      '/v1/conversations/:id/messages',
      '/v1/customers/:id',
      '/v1/customers/:id/identities',
      '/v1/outbox/:id',
      '/v1/analyze',
      '/v1/agents',
      '/v1/queues',
      '/v1/routing/decisions',
      '/v1/dead-letters',
      '/v1/dead-letters/:id/replay',
      '/health',
      '/metrics',
    ]) {
      app.any(path, (res) =>
        sendError(res, watch(res), new OmniError('METHOD_NOT_ALLOWED', 'method not allowed on this route')),
      );
    }
    app.any('/*', (res, req) =>
      sendError(
        res,
        watch(res),
        new OmniError('ROUTE_NOT_FOUND', `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}`),
      ),
    );
  }

  /** Checks the content type and reads a JSON body; must be called synchronously at the start of a handler. */
  private jsonBody(res: HttpResponse, req: HttpRequest): Promise<Buffer> {
    const contentType = req.getHeader('content-type');
    const contentLength = req.getHeader('content-length');
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      // Answering before reading the body is fine: uWS discards the rest.
      return Promise.reject(
        new OmniError(
          'UNSUPPORTED_MEDIA_TYPE',
          `content-type must be application/json, got "${contentType || '(none)'}"`,
        ),
      );
    }
    return readBody(res, contentLength, this.options.maxBodyBytes);
  }

  /** Registers a /v1 route: tenant from credentials, typed errors to the stable error shape, metrics, drain tracking. */
  private handle(
    method: 'GET' | 'POST' | 'PATCH',
    pattern: string,
    route: string,
    handler: (res: HttpResponse, req: HttpRequest, state: ResponseState, tenant: TenantId) => Promise<number>,
  ): void {
    const register = (method === 'GET' ? this.app.get : method === 'POST' ? this.app.post : this.app.patch).bind(
      this.app,
    );
    register(pattern, (res, req) => {
      const state = watch(res);
      const started = process.hrtime.bigint();
      const { metrics, logger } = this.options;
      const finish = (status: number) => {
        this.inFlight--;
        metrics.httpRequests.inc({ route, status: String(status) });
        metrics.httpDuration.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      this.inFlight++;
      if (this.draining) {
        const error = new OmniError('SHUTTING_DOWN', 'node is shutting down');
        sendError(res, state, error);
        finish(error.httpStatus);
        return;
      }
      let promise: Promise<number>;
      try {
        const tenant = this.options.tenants.resolve(req.getHeader('authorization'));
        promise = handler(res, req, state, tenant);
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        (status) => finish(status),
        (error: unknown) => {
          const typed = OmniError.from(error);
          // OVERLOADED is counted by the admission metrics; logging each of thousands a second would add to the load.
          if (typed.httpStatus >= 500 && typed.code !== 'OVERLOADED')
            logger.error({ err: error, route }, 'request failed');
          else logger.debug({ code: typed.code, route, message: typed.message }, 'request refused');
          sendError(res, state, typed);
          finish(typed.httpStatus);
        },
      );
    });
  }
}
