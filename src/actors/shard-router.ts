// Stable shard placement: FNV-1a over the tenant and the routing key, modulo the shard count. Stable across restarts
// and processes, so a key always lands on the same shard for a given shard count.
import type { TenantId } from '../domain/index.js';

export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    // Hash UTF-16 code units as two bytes when above 0xff so every string maps deterministically.
    if (code > 0xff) {
      hash = Math.imul(hash ^ (code >>> 8), 0x01000193);
      code &= 0xff;
    }
    hash = Math.imul(hash ^ code, 0x01000193);
  }
  return hash >>> 0;
}

export function shardOf(tenant: TenantId, key: string, shards: number): number {
  return fnv1a32(`${tenant}\u0000${key}`) % shards;
}
