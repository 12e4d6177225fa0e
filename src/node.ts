// An OmniCX node: checks the data directory, starts the shard workers, the actor gateway and the HTTP server, and
// stops them in the right order. main.ts is the command-line wrapper; tests and benchmarks start nodes through this.
import * as path from 'node:path';
import { ActorGateway, ShardPool } from './actors/index.js';
import type { OmniConfig } from './config/index.js';
import { createLogger, NodeMetrics, type Logger } from './observability/index.js';
import { Storage } from './persistence/index.js';
import type { ChannelType } from './domain/index.js';
import {
  buildOutboundAdapters,
  DeliveryEngine,
  HttpServer,
  TenantResolver,
  type OutboundAdapter,
} from './transport/index.js';

export class OmniNode {
  readonly logger: Logger;
  readonly metrics = new NodeMetrics();
  private pool: ShardPool | undefined;
  private server: HttpServer | undefined;
  private gatewayInstance: ActorGateway | undefined;
  private stopping: Promise<void> | undefined;
  private storage: Storage | undefined;
  private engine: DeliveryEngine | undefined;

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
    const pool = new ShardPool({
      shards: config.shards,
      dataDir,
      requestTimeoutMs: config.requestTimeoutMs,
      passivateAfterMs: config.passivateAfterMs,
      archiveAfterMs: config.archiveAfterMs,
      faultInjection: config.faultInjection,
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
    this.gatewayInstance = new ActorGateway(pool, logger.child({ module: 'gateway' }));
    const gateway = this.gatewayInstance;
    this.metrics.observeShards(() => gateway.stats());

    const engine = new DeliveryEngine({
      store: storage.outbox,
      adapters: this.outboundAdapters ?? buildOutboundAdapters(config),
      policy: config.outbox,
      concurrency: config.outbox.concurrency,
      logger: logger.child({ module: 'delivery' }),
    });
    this.engine = engine;
    engine.start();

    const server = new HttpServer({
      host: config.host,
      port: config.port,
      maxBodyBytes: config.maxBodyBytes,
      gateway: this.gatewayInstance,
      pool,
      tenants,
      metrics: this.metrics,
      logger: logger.child({ module: 'http' }),
      faultInjection: config.faultInjection,
      outbox: storage.outbox,
      onReplyQueued: () => engine.kick(),
    });
    this.server = server;
    const port = await server.listen();
    logger.info(
      {
        host: config.host,
        port,
        shards: config.shards,
        dataDir,
        tenants: tenants.multiTenant ? config.tenants.length : 'default',
        readyMs: Date.now() - started,
      },
      'OmniCX node ready',
    );
  }

  /** Graceful stop: refuse new requests, let in-flight ones finish, flush and close the shards. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping');
      await this.server?.drain(10_000);
      await this.engine?.stop();
      await this.pool?.close();
      await this.storage?.flushed();
      this.storage?.close();
      this.logger.info('stopped');
    })();
    return this.stopping;
  }
}
