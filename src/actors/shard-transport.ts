// How the actor gateway reaches the shards. The worker-thread ShardPool is the production transport; an in-process
// transport runs the same ShardRuntimes on the calling thread (property tests, tools). A NATS transport for the
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
}
