// Prometheus metrics for the main thread (prom-client), served at GET /metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ShardStats } from '../actors/index.js';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'omnicx_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'omnicx_http_request_duration_seconds',
    help: 'HTTP request latency by route, from first byte to answer',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly messagesIngested = new Counter({
    name: 'omnicx_messages_ingested_total',
    help: 'Inbound messages durably stored, by channel; duplicates are provider retries answered from the store',
    labelNames: ['channel', 'result'] as const,
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'omnicx_webhooks_total',
    help: 'Provider webhook requests by channel and answered status',
    labelNames: ['channel', 'status'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'omnicx_outbound_deliveries_total',
    help: 'Outbound delivery attempts by channel and outcome (sent, retry, failed)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly shardRestarts = new Counter({
    name: 'omnicx_shard_restarts_total',
    help: 'Shard worker restarts after an unexpected exit',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });
  readonly shardsReady = new Gauge({
    name: 'omnicx_shards_ready',
    help: 'Shard workers currently ready',
    registers: [this.registry],
  });

  readonly pipelineStep = new Histogram({
    name: 'omnicx_pipeline_step_seconds',
    help: 'Time spent per pipeline step after a message is stored: inference, record (analysis + urgency), decide',
    labelNames: ['step'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly analysisOutcomes = new Counter({
    name: 'omnicx_analysis_total',
    help: 'Analysis attempts by outcome (analysed, failed, circuit_open, dead_lettered)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly inferenceBatchSize = new Histogram({
    name: 'omnicx_inference_batch_size',
    help: 'Texts per inference batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly inferenceBatchSeconds = new Histogram({
    name: 'omnicx_inference_batch_seconds',
    help: "Time from posting a batch to its answer (the worker's own time plus the hops between threads)",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly inferenceWorkSeconds = new Histogram({
    name: 'omnicx_inference_work_seconds',
    help: "The inference worker's time per batch from its arrival (features, ONNX run, entities, language; with two batches held it can include part of the other's); the rest of a round trip is thread scheduling and hand-offs",
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly ingestRefused = new Counter({
    name: 'omnicx_ingest_refused_total',
    help: 'Inbound messages refused with OVERLOADED (not stored; providers retry), by reason: in_flight (the fixed cap), latency (commits queueing past the target)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly routingDecisions = new Counter({
    name: 'omnicx_routing_decisions_total',
    help: 'Routing decisions by kind (automated, escalated, queued, offered, accepted, resolved, …)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /**
   * Gauges (or, with `kind` 'counter', counters of totals kept elsewhere, e.g. the kernel's per-thread figures, which
   * `read` must never let go down) read at scrape time from whoever owns the number.
   */
  observe(
    name: string,
    help: string,
    read: () => Array<{ labels?: Record<string, string>; value: number }>,
    labelNames: string[] = [],
    kind: 'gauge' | 'counter' = 'gauge',
  ): void {
    const options = { name, help, labelNames, registers: [this.registry] };
    if (kind === 'gauge')
      new Gauge({
        ...options,
        collect() {
          this.reset();
          for (const sample of read()) this.set(sample.labels ?? {}, sample.value);
        },
      });
    else
      new Counter({
        ...options,
        collect() {
          this.reset();
          for (const sample of read()) this.inc(sample.labels ?? {}, sample.value);
        },
      });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'omnicx_' });
  }

  /** Registers gauges read from the shards at scrape time (actors in memory, heap per shard). */
  observeShards(read: () => Promise<ShardStats[]>): void {
    let latest: Promise<ShardStats[]> | undefined;
    // Both gauges are collected in one scrape: share one round of requests to the shards.
    const stats = () => (latest ??= read().finally(() => setImmediate(() => (latest = undefined))));
    new Gauge({
      name: 'omnicx_actors_in_memory',
      help: 'Actors currently in memory (not passivated), by shard and kind',
      labelNames: ['shard', 'kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of await stats().catch(() => [])) {
          for (const [kind, count] of Object.entries(s.actors)) this.set({ shard: String(s.shard), kind }, count);
        }
      },
    });
    // One value per shard, read from the same round of stats.
    const perShard = (name: string, help: string, value: (s: ShardStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['shard'] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const s of await stats().catch(() => [])) this.set({ shard: String(s.shard) }, value(s));
        },
      });
    perShard(
      'omnicx_actors_evicted',
      'Actors passivated early since start because their shard was over its live-actor cap (MAX_LIVE_ACTORS)',
      (s) => s.evicted,
    );
    perShard('omnicx_shard_heap_used_bytes', 'V8 heap used by each shard worker', (s) => s.heapUsed);
    perShard(
      'omnicx_shard_event_loop_lag_p99_seconds',
      'p99 event-loop delay of each shard worker since the previous scrape',
      (s) => s.eventLoopLagP99Ms / 1000,
    );
  }
}
