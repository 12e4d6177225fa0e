// Routing's durable records: registered agents (so a restart knows its agents before they reconnect) and every
// routing decision with its reasons, queryable per conversation ("why did this go to Ada?"). Live routing state
// (queues, offers, load) is in-memory actor state, rebuilt from conversations and reconnecting agents.
import type { Database, Key } from 'lmdb';
import type { TenantId } from '../domain/index.js';

export class RoutingStore {
  constructor(
    private readonly agentsDb: Database<unknown, Key>,
    private readonly decisionsDb: Database<unknown, Key>,
  ) {}

  putAgent<T extends { id: string }>(tenant: TenantId, profile: T): Promise<boolean> {
    return this.agentsDb.put([tenant, profile.id], profile);
  }

  getAgent<T>(tenant: TenantId, agentId: string): T | undefined {
    return this.agentsDb.get([tenant, agentId]) as T | undefined;
  }

  /** Every registered agent of every tenant (start-up). */
  *allAgents<T>(): Generator<{ tenant: TenantId; profile: T }> {
    for (const { key, value } of this.agentsDb.getRange({})) {
      yield { tenant: (key as [TenantId])[0], profile: value as T };
    }
  }

  /** Decisions are appended (no read-modify-write), batched by lmdb-js with other writes. */
  recordDecision<T extends { id: string; at: number; conversationId: string }>(
    tenant: TenantId,
    decision: T,
  ): Promise<boolean> {
    return this.decisionsDb.put([tenant, decision.conversationId, decision.at, decision.id], decision);
  }

  /** A conversation's decisions, oldest first. */
  decisions<T>(tenant: TenantId, conversationId: string, limit = 500): T[] {
    const out: T[] = [];
    for (const { value } of this.decisionsDb.getRange({
      start: [tenant, conversationId],
      end: [tenant, conversationId, Number.MAX_SAFE_INTEGER],
      limit,
    })) {
      out.push(value as T);
    }
    return out;
  }
}
