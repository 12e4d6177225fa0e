// The bounded, queryable log of routing decisions ("every decision is an event with its reasons"): a ring of the
// newest `max` decisions plus a per-conversation index, so a conversation's decisions are read without a scan. When
// the ring evicts a decision, it is also dropped from its conversation's list (always that list's oldest).
import type { RoutingDecision } from './routing-types.js';

export class DecisionLog {
  private readonly ring: Array<RoutingDecision | undefined>;
  private next = 0;
  private count = 0;
  private readonly byConversation = new Map<string, RoutingDecision[]>();

  constructor(private readonly max: number) {
    this.ring = new Array<RoutingDecision | undefined>(Math.max(1, max));
  }

  add(decision: RoutingDecision): void {
    const evicted = this.ring[this.next];
    if (evicted !== undefined) {
      const list = this.byConversation.get(evicted.conversationId);
      if (list !== undefined) {
        if (list[0] === evicted) list.shift();
        if (list.length === 0) this.byConversation.delete(evicted.conversationId);
      }
    }
    this.ring[this.next] = decision;
    this.next = (this.next + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
    let list = this.byConversation.get(decision.conversationId);
    if (list === undefined) this.byConversation.set(decision.conversationId, (list = []));
    list.push(decision);
  }

  /** Newest last; `limit` keeps the newest `limit`. */
  query(conversationId?: string, limit?: number): RoutingDecision[] {
    let out: RoutingDecision[];
    if (conversationId !== undefined) {
      out = [...(this.byConversation.get(conversationId) ?? [])];
    } else {
      out = [];
      const n = this.ring.length;
      for (let i = 0; i < this.count; i++) {
        const d = this.ring[(this.next - this.count + i + n) % n];
        if (d !== undefined) out.push(d);
      }
    }
    return limit !== undefined && limit >= 0 && out.length > limit ? out.slice(out.length - limit) : out;
  }
}
