// An in-process ShardTransport: N ShardRuntimes on the calling thread. With `isolate` (tests, tools) every request and
// answer goes through the same msgpackr framing as the worker transport, so what crosses is exactly what would cross a
// thread; the node's inline shard mode passes objects as they are (both sides treat them as immutable messages).
import type { Logger } from 'pino';
import { OmniError, type TenantId } from '../domain/index.js';
import type { Storage } from '../persistence/index.js';
import { decodeFrame, encodeFrame } from './frame-codec.js';
import type {
  ShardAnalysisOptions,
  ShardRequest,
  ShardRequestMap,
  ShardRequestType,
  ShardResponse,
} from './protocol.js';
import { ShardRuntime, shardActorCap } from './shard-runtime.js';
import { PendingAnalyses } from './pending-analyses.js';
import { shardOf } from './shard-router.js';
import type { ShardTransport } from './shard-transport.js';

export interface InProcessShardsOptions {
  shards: number;
  storage: Storage;
  passivateAfterMs: number;
  /** The node's cap on actors in memory, split evenly between the shards; undefined or 0: none. */
  maxLiveActors?: number;
  archiveAfterMs: number;
  analysis?: ShardAnalysisOptions;
  /** Round-trip requests, answers and errors through the thread frame codec. @default true */
  isolate?: boolean;
  logger: Logger;
}

export class InProcessShards implements ShardTransport {
  readonly runtimes: ShardRuntime[];
  private readonly isolate: boolean;

  constructor(options: InProcessShardsOptions) {
    this.isolate = options.isolate ?? true;
    // One overlay for all: a read may be served by any shard, and here they all share this thread.
    const pending = new PendingAnalyses();
    const { maxLiveActors, ...shared } = options;
    this.runtimes = Array.from(
      { length: options.shards },
      (_, shard) =>
        new ShardRuntime({
          ...shared,
          ...shardActorCap(maxLiveActors, options.shards),
          shard,
          pending,
          logger: options.logger.child({ shard }),
        }),
    );
  }

  get shards(): number {
    return this.runtimes.length;
  }

  shardFor(tenant: TenantId, key: string): number {
    return shardOf(tenant, key, this.runtimes.length);
  }

  async request<K extends ShardRequestType>(
    shard: number,
    body: { type: K } & ShardRequestMap[K]['req'],
  ): Promise<ShardResponse<K>> {
    const runtime = this.runtimes[shard];
    if (runtime === undefined) throw new OmniError('INTERNAL', `no shard ${shard}`);
    if (!this.isolate) {
      try {
        return (await runtime.handle(body as ShardRequest)) as ShardResponse<K>;
      } catch (error) {
        throw OmniError.from(error);
      }
    }
    const request = decodeFrame<ShardRequest>(encodeFrame(body));
    try {
      const answer = await runtime.handle(request);
      return decodeFrame<ShardResponse<K>>(encodeFrame(answer));
    } catch (error) {
      throw OmniError.fromWire(decodeFrame(encodeFrame(OmniError.from(error).toWire())));
    }
  }

  /** Passivates every idle actor now (as if the passivation period had passed). */
  passivateAll(): number {
    return this.runtimes.reduce((n, r) => n + r.host.passivateIdle(Number.MAX_SAFE_INTEGER), 0);
  }

  close(): void {
    for (const runtime of this.runtimes) runtime.close();
  }
}
