// An OmniCX node: checks the data directory, starts the shards (inline or worker threads), the actor gateway and the
// HTTP server, and stops them in the right order. main.ts is the command-line wrapper; tests and benchmarks start
// nodes through this.
import * as path from 'node:path';
import { ActorGateway, InProcessShards, ShardPool, type ShardTransport } from './actors/index.js';
import type { OmniConfig } from './config/index.js';
import { createLogger, EventLoopUtilization, NodeMetrics, ThreadStats, type Logger } from './observability/index.js';
import { Storage } from './persistence/index.js';
import { Server as SocketIoServer } from 'socket.io';
import { messageText, type ChannelType, type ConversationId, type TenantId } from './domain/index.js';
import { InferencePool } from './inference/index.js';
import { AdmissionControl, AnalysisPipeline, AnalyzeService, RoutingService } from './pipeline/index.js';
import {
  buildOutboundAdapters,
  buildMediaFetchers,
  buildWebhookAdapters,
  DeliveryEngine,
  MediaDownloader,
  HttpServer,
  SmtpIngress,
  TenantResolver,
  timedFetch,
  WebChat,
  type OutboundAdapter,
} from './transport/index.js';
import { AgentDesk } from './transport/agent-desk.js';
import { AgentTokens } from './transport/agent-tokens.js';

export class OmniNode {
  readonly logger: Logger;
  readonly metrics = new NodeMetrics();
  /** The main thread's event-loop utilization (0-1): a gauge, and when inference batches wait to fill. */
  private readonly loopUtilization = new EventLoopUtilization();
  private pool: ShardPool | undefined;
  private inlineShards: InProcessShards | undefined;
  private server: HttpServer | undefined;
  private gatewayInstance: ActorGateway | undefined;
  private stopping: Promise<void> | undefined;
  private storage: Storage | undefined;
  private engine: DeliveryEngine | undefined;
  private smtp: SmtpIngress | undefined;
  private media: MediaDownloader | undefined;
  private io: SocketIoServer | undefined;
  private webchat: WebChat | undefined;
  private inference: InferencePool | undefined;
  private analysisPipeline: AnalysisPipeline | undefined;
  private routingService: RoutingService | undefined;
  private agentDesk: AgentDesk | undefined;

  constructor(
    readonly config: OmniConfig,
    logger?: Logger,
    /** Outbound adapters by channel; default: built from the configuration. Tests inject their own. */
    private readonly outboundAdapters?: Partial<Record<ChannelType, OutboundAdapter>>,
  ) {
    this.logger = logger ?? createLogger(config.logLevel, { thread: 'main' });
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** The SMTP ingress port (0 when disabled). */
  get smtpPort(): number {
    return this.smtp?.port ?? 0;
  }

  private async threadOutboundMail(tenant: TenantId, conversationId: ConversationId, messageId: string): Promise<void> {
    try {
      const conversation = await this.gateway.getConversationHead(tenant, conversationId);
      await this.storage?.emailThreads.record(tenant, messageId, conversation.customerId);
    } catch (error) {
      this.logger.warn({ err: error, messageId }, 'could not record the thread of an outbound mail');
    }
  }

  /**
   * Per-thread CPU and run-queue wait by role (Linux): how much of each second the main thread ran, and how long it
   * was ready but had no core because LMDB's commit threads, the inference worker or V8's helpers held them.
   */
  private observeThreads(): void {
    if (!ThreadStats.available()) return;
    const stats = new ThreadStats((tid) => {
      if (tid === process.pid) return 'main';
      if (this.inference?.threadIds().includes(tid) === true) return 'inference';
      if (this.pool?.threadIds().includes(tid) === true) return 'shard';
      return 'other';
    });
    this.metrics.observe(
      'omnicx_thread_cpu_seconds_total',
      "CPU time of this process's threads by role (main, inference, shard, other: LMDB commits, V8 helpers, libuv)",
      () => stats.sample().map((t) => ({ labels: { thread: t.role }, value: t.cpuSeconds })),
      ['thread'],
      'counter',
    );
    this.metrics.observe(
      'omnicx_thread_runqueue_wait_seconds_total',
      'Time threads were ready to run but waited for a CPU, by role: high for `main` means the box is oversubscribed',
      () => stats.sample().map((t) => ({ labels: { thread: t.role }, value: t.waitSeconds })),
      ['thread'],
      'counter',
    );
  }

  /** The analysis step (undefined when inference is disabled). */
  get analysis(): AnalysisPipeline | undefined {
    return this.analysisPipeline;
  }

  /** Agents, queues and routing decisions. */
  get routing(): RoutingService {
    if (this.routingService === undefined) throw new Error('node not started');
    return this.routingService;
  }

  get gateway(): ActorGateway {
    if (this.gatewayInstance === undefined) throw new Error('node not started');
    return this.gatewayInstance;
  }

  /** Starts everything; resolves once the node answers /health with 200. */
  async start(): Promise<void> {
    const { config, logger } = this;
    const started = Date.now();
    const dataDir = path.resolve(config.dataDir);
    // Creates the directory and format marker on first start; refuses an incompatible directory (throws). The main
    // thread keeps the environment open for the outbox, whose delivery engine (network I/O) runs here.
    const storage = Storage.open(dataDir, { create: true });
    this.storage = storage;

    const tenants = new TenantResolver(config.tenants);
    const analysisOptions = { enabled: config.inference.enabled, repeatWindowMs: config.urgency.repeatWindowMs };
    let shards: ShardTransport;
    if (config.shardMode === 'inline') {
      // On a 1-2 core box the shards run on the main thread: a thread hop per request (post, wake, context switch)
      // costs more than the parallelism it buys there (docs/architecture.md, "Shard mode").
      const inline = new InProcessShards({
        shards: config.shards,
        storage,
        passivateAfterMs: config.passivateAfterMs,
        maxLiveActors: config.maxLiveActors,
        archiveAfterMs: config.archiveAfterMs,
        analysis: analysisOptions,
        isolate: false,
        logger: logger.child({ module: 'shards' }),
      });
      this.inlineShards = inline;
      this.metrics.shardsReady.set(config.shards);
      shards = inline;
    } else {
      const pool = new ShardPool({
        shards: config.shards,
        dataDir,
        requestTimeoutMs: config.requestTimeoutMs,
        passivateAfterMs: config.passivateAfterMs,
        maxLiveActors: config.maxLiveActors,
        archiveAfterMs: config.archiveAfterMs,
        faultInjection: config.faultInjection,
        analysis: analysisOptions,
        logLevel: config.logLevel,
        logger: logger.child({ module: 'shard-pool' }),
      });
      pool.onEvent((event) => {
        if (event.type === 'shard.exited') {
          this.metrics.shardsReady.dec();
          if (this.stopping === undefined) this.metrics.shardRestarts.inc({ shard: String(event.shard) });
        } else this.metrics.shardsReady.inc();
      });
      this.pool = pool;
      await pool.start();
      shards = pool;
    }
    this.gatewayInstance = new ActorGateway(shards, logger.child({ module: 'gateway' }));
    const gateway = this.gatewayInstance;
    this.metrics.observeShards(() => gateway.stats());

    const routing = new RoutingService({
      gateway,
      store: storage.routing,
      logger: logger.child({ module: 'routing' }),
      policy: {
        maxConcurrent: config.routing.maxConcurrent,
        offerTimeoutMs: config.routing.offerTimeoutMs,
        relaxAfterMs: config.routing.relaxAfterMs,
        disconnectGraceMs: config.routing.disconnectGraceMs,
        escalationKeywords: config.routing.escalationKeywords,
        maxFailedAutomation: config.routing.maxFailedAutomation,
      },
      onReplyQueued: () => this.engine?.kick(),
      metrics: this.metrics,
    });
    this.routingService = routing;
    this.observeRouting(routing);
    routing.start();

    this.observeThreads();
    this.metrics.observe(
      'omnicx_event_loop_utilization',
      "The main thread's event-loop utilization over the last 0.5 s (0 idle, 1 never idle)",
      () => [{ value: this.loopUtilization.current }],
    );
    let analyzer: AnalyzeService | undefined;
    if (config.inference.enabled) {
      const inference = new InferencePool({
        modelsDir: path.resolve(config.inference.modelsDir),
        workers: config.inference.workers,
        intraOpNumThreads: config.inference.intraOpNumThreads,
        maxBatch: config.inference.maxBatch,
        pipelineDepth: config.inference.pipelineDepth,
        maxWaitMs: config.inference.maxWaitMs,
        waitWhen: () => this.loopUtilization.current > config.inference.waitAboveUtilization,
        maxQueue: config.inference.maxQueue,
        warmUpTexts: config.inference.warmUpTexts,
        products: config.inference.products,
        defaultCurrency: config.inference.defaultCurrency,
        customIntents: config.inference.customIntents,
        embeddings: false,
        onBatch: (size, seconds, workSeconds) => {
          this.metrics.inferenceBatchSize.observe(size);
          this.metrics.inferenceBatchSeconds.observe(seconds);
          this.metrics.inferenceWorkSeconds.observe(workSeconds);
        },
        logger: logger.child({ module: 'inference' }),
      });
      this.inference = inference;
      await inference.start();
      const pipeline = new AnalysisPipeline({
        pool: inference,
        gateway,
        storage,
        logger: logger.child({ module: 'analysis' }),
        metrics: this.metrics,
        maxInFlight: config.admission.maxAnalysisBacklog,
      });
      this.metrics.observe(
        'omnicx_inference_event_loop_lag_p99_seconds',
        'p99 event-loop delay of each inference worker since the previous scrape',
        () => inference.takeEventLoopLag().map((ms, i) => ({ labels: { worker: String(i) }, value: ms / 1000 })),
        ['worker'],
      );
      this.metrics.observe('omnicx_inference_queue', 'Texts waiting for an inference worker', () => [
        { value: inference.stats.queued },
      ]);
      this.metrics.observe('omnicx_inference_mean_batch_size', 'Mean texts per inference batch since start', () => [
        { value: inference.stats.items / Math.max(1, inference.stats.batches) },
      ]);
      this.metrics.observe('omnicx_inference_circuit_open', '1 while the inference circuit is open', () => [
        { value: pipeline.circuit === 'open' ? 1 : 0 },
      ]);
      this.analysisPipeline = pipeline;
      gateway.onStored((tenant, draft, result) =>
        pipeline.submit(
          { tenant, conversationId: result.conversationId, customerId: result.customerId, seq: result.seq },
          { channel: draft.channel, from: draft.from },
          messageText(draft.content),
          Date.now(),
        ),
      );
      pipeline.onAnalysed((event) => routing.onAnalysed(event));
      pipeline.onNotAnalysed((ref, origin) => routing.onNotAnalysed(ref, origin.channel));
      pipeline.start();
      analyzer = new AnalyzeService(inference, gateway, config.urgency.repeatWindowMs);
    } else {
      // Without inference every conversation goes to a human (marked "not analysed").
      gateway.onStored((tenant, draft, result) =>
        routing.onNotAnalysed(
          { tenant, conversationId: result.conversationId, customerId: result.customerId, seq: result.seq },
          draft.channel,
        ),
      );
    }

    // Overload behaviour: past maxInFlight commits in flight, or once commits queue past targetLatencyMs, inbound
    // messages are refused (OVERLOADED, 503 + Retry-After) before anything is stored, so providers retry later. (The
    // analysis backlog is bounded by the pipeline itself, which defers instead of refusing.)
    const admission = new AdmissionControl({
      maxInFlight: config.admission.maxInFlight,
      targetLatencyMs: config.admission.targetLatencyMs,
    });
    admission.onRefused((reason) => this.metrics.ingestRefused.inc({ reason }));
    this.metrics.observe('omnicx_ingest_in_flight', 'Inbound messages being committed now', () => [
      { value: admission.stats.inFlight },
    ]);
    this.metrics.observe(
      'omnicx_ingest_limit',
      'Inbound messages the node takes at once now (the fixed cap, or lower while commits queue past the target)',
      () => [{ value: admission.stats.limit }],
    );
    gateway.setAdmission(admission);

    const io = new SocketIoServer({ serveClient: false, cors: { origin: true } });
    this.io = io;
    const webchat = new WebChat(io, gateway, this.metrics, logger.child({ module: 'webchat' }));
    this.webchat = webchat;

    const engine = new DeliveryEngine({
      store: storage.outbox,
      adapters: this.outboundAdapters ?? buildOutboundAdapters(config, { webchat }),
      policy: config.outbox,
      concurrency: config.outbox.concurrency,
      logger: logger.child({ module: 'delivery' }),
      onOutcome: (record) => {
        this.metrics.deliveries.inc({
          channel: record.channel,
          outcome: record.state === 'pending' ? 'retry' : record.state,
        });
        if (record.state !== 'sent') return;
        for (const id of record.providerMessageIds) {
          void storage.deliveries.link(record.tenant, record.channel, id, record.id, record.conversationId, record.seq);
          // Our own Message-IDs thread the customer's answers back here, whatever address they reply from.
          if (record.channel === 'email') void this.threadOutboundMail(record.tenant, record.conversationId, id);
        }
      },
    });
    this.engine = engine;
    engine.start();

    const media = new MediaDownloader({
      queue: storage.mediaJobs,
      store: storage.media,
      gateway,
      fetchers: buildMediaFetchers(config, timedFetch(config.outbox.requestTimeoutMs)),
      policy: config.outbox,
      concurrency: 8,
      logger: logger.child({ module: 'media' }),
    });
    this.media = media;
    media.start();

    const tokens = AgentTokens.open(dataDir, config.routing.tokenSecret, config.routing.tokenTtlSeconds);
    this.agentDesk = new AgentDesk({
      io,
      gateway,
      routing,
      tokens,
      webchat,
      logger: logger.child({ module: 'agent-desk' }),
      onReplyQueued: () => engine.kick(),
    });
    const webhooks = buildWebhookAdapters(config);
    const server = new HttpServer({
      host: config.host,
      port: config.port,
      maxBodyBytes: config.maxBodyBytes,
      gateway: this.gatewayInstance,
      shards,
      tenants,
      metrics: this.metrics,
      logger: logger.child({ module: 'http' }),
      faultInjection: config.faultInjection,
      ...(analyzer === undefined ? {} : { analyzer }),
      routing: { service: routing, tokens },
      ...(this.analysisPipeline === undefined
        ? {}
        : { deadLetters: { store: storage.deadLetters, pipeline: this.analysisPipeline } }),
      outbox: storage.outbox,
      onReplyQueued: () => engine.kick(),
      io,
      webhooks: {
        ...webhooks,
        deliveries: storage.deliveries,
        // A media job is durable before the provider is answered: a crash after the 200 cannot lose the file.
        onCommitted: async (tenant, event, result) => {
          if (event.media !== undefined) await media.enqueue(tenant, event.draft.channel, result, event.media);
        },
        publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
      },
    });
    this.server = server;
    const port = await server.listen();
    const email = config.channels.email;
    if (email.ingressPort !== null) {
      const smtp = new SmtpIngress({
        host: email.ingressHost,
        port: email.ingressPort,
        maxBytes: Math.max(config.maxBodyBytes, 25 * 1024 * 1024),
        gateway,
        media: storage.media,
        threads: storage.emailThreads,
        metrics: this.metrics,
        logger: logger.child({ module: 'smtp' }),
      });
      await smtp.listen();
      this.smtp = smtp;
    }
    logger.info(
      {
        host: config.host,
        port,
        shards: config.shards,
        shardMode: config.shardMode,
        dataDir,
        tenants: tenants.multiTenant ? config.tenants.length : 'default',
        smtpPort: this.smtp?.port ?? null,
        webhooks: webhooks.routes.map((r) => r.path),
        readyMs: Date.now() - started,
      },
      'OmniCX node ready',
    );
  }

  /** Scrape-time gauges: agents by status, queue depths, messages waiting for analysis, dead letters, outbox. */
  private observeRouting(routing: RoutingService): void {
    const storage = this.storage as Storage;
    this.metrics.observe(
      'omnicx_agents',
      'Agents by tenant and status',
      () =>
        routing.allRouters().flatMap(([tenant, router]) => {
          const counts = new Map<string, number>();
          for (const agent of router.agents()) counts.set(agent.status, (counts.get(agent.status) ?? 0) + 1);
          return [...counts].map(([status, value]) => ({ labels: { tenant, status }, value }));
        }),
      ['tenant', 'status'],
    );
    this.metrics.observe(
      'omnicx_queue_depth',
      'Conversations waiting for an agent, by tenant and queue',
      () =>
        routing
          .allRouters()
          .flatMap(([tenant, router]) =>
            router.queues(Date.now()).map((q) => ({ labels: { tenant, queue: q.id }, value: q.depth })),
          ),
      ['tenant', 'queue'],
    );
    this.metrics.observe('omnicx_analysis_waiting', 'Stored messages waiting for analysis', () => [
      { value: storage.analysisDue.size },
    ]);
    this.metrics.observe('omnicx_dead_letters', 'Messages whose analysis was dead-lettered', () => [
      { value: storage.deadLetters.size },
    ]);
    this.metrics.observe('omnicx_outbox_backlog', 'Outbound deliveries pending', () => [
      { value: storage.outbox.backlog() },
    ]);
  }

  /** Graceful stop: refuse new requests, let in-flight ones finish, flush and close the shards. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping');
      await this.server?.drain(10_000);
      await this.smtp?.close();
      // io.close() assumes a Node http.Server; on uWS, disconnect the clients and close the engine ourselves.
      this.io?.disconnectSockets(true);
      this.io?.engine?.close();
      await this.engine?.stop();
      await this.media?.stop();
      this.analysisPipeline?.stop();
      this.routingService?.stop();
      await this.inference?.close();
      await this.pool?.close();
      this.inlineShards?.close();
      this.loopUtilization.stop();
      await this.storage?.flushed();
      this.storage?.close();
      this.logger.info('stopped');
    })();
    return this.stopping;
  }
}
