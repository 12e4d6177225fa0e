// How the actor gateway reaches the shards. The worker-thread ShardPool and the in-process transport (the node's
// inline shard mode; property tests) run the same ShardRuntimes. A NATS transport for the
// multi-box mode plugs in here too: the gateway does not know which one it talks to.
import type { TenantId } from '../domain/index.js';
import type { ShardRequestMap, ShardRequestType, ShardResponse } from './protocol.js';

export interface ShardTransport {
  readonly shards: number;
  shardFor(tenant: TenantId, key: string): number;
  request<K extends ShardRequestType>(
    shard: number,
    body: { type: K } & ShardRequestMap[K]['req'],
  ): Promise<ShardResponse<K>>;
  /** Fault injection: kills a shard's worker thread. Only transports with worker threads have it. */
  crashShard?(shard: number): void;
}
