// The main thread's memory of which customer an identity resolved to, so a returning customer's message goes straight
// to their customer actor instead of first asking the identity actor. It is safe to be stale: entries are added only
// after a durable claim, an identity's owner changes only by a merge, and a merged customer's actor answers with a
// redirect to the survivor, which replaces the entry. Bounded by two generations of `capacity` entries each.
import type { CustomerId } from '../domain/index.js';

export class IdentityCache {
  private current = new Map<string, CustomerId>();
  private previous = new Map<string, CustomerId>();

  constructor(private readonly capacity = 100_000) {}

  get(key: string): CustomerId | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old); // promote: recently used entries survive the next rotation
    return old;
  }

  set(key: string, customerId: CustomerId): void {
    this.current.set(key, customerId);
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
