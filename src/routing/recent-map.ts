// A map that keeps only the most recently written keys: writing a key moves it to the newest end, and past
// `capacity` entries the oldest one is dropped. For per-conversation memory that is useful while a conversation is
// active and harmless to forget afterwards (its last intent, automated answers in a row), so a node that has seen
// millions of conversations holds a bounded number of them.
export class RecentMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be ≥ 1, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key); // re-inserted at the newest end
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }
}
