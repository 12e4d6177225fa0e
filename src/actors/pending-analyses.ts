// Analyses a conversation actor has answered but not yet committed (write-behind, see ConversationActor), shared by
// all the shards of one thread (any of them may serve a read), so that reads served straight from LMDB (an agent's
// offer context, GET /v1/conversations/:id) already show them. An entry lives for one commit: a few milliseconds.
import type { ConversationId, MessageAnalysis, SentimentTrend, TenantId, UnifiedMessage } from '../domain/index.js';

interface Pending {
  analyses: Map<number, MessageAnalysis>;
  sentiment: SentimentTrend | undefined;
}

export class PendingAnalyses {
  private readonly byConversation = new Map<string, Pending>();

  private static key(tenant: TenantId, conversationId: ConversationId): string {
    return `${tenant}\u0000${conversationId}`;
  }

  add(
    tenant: TenantId,
    conversationId: ConversationId,
    seq: number,
    analysis: MessageAnalysis,
    sentiment: SentimentTrend | undefined,
  ): void {
    const key = PendingAnalyses.key(tenant, conversationId);
    let pending = this.byConversation.get(key);
    if (pending === undefined) {
      pending = { analyses: new Map(), sentiment };
      this.byConversation.set(key, pending);
    }
    pending.analyses.set(seq, analysis);
    pending.sentiment = sentiment;
  }

  /** Called once the commit has settled (either way: on failure the actor reloads from LMDB). */
  settle(tenant: TenantId, conversationId: ConversationId, seq: number): void {
    const key = PendingAnalyses.key(tenant, conversationId);
    const pending = this.byConversation.get(key);
    if (pending === undefined) return;
    pending.analyses.delete(seq);
    if (pending.analyses.size === 0) this.byConversation.delete(key);
  }

  get(tenant: TenantId, conversationId: ConversationId, seq: number): MessageAnalysis | undefined {
    return this.byConversation.get(PendingAnalyses.key(tenant, conversationId))?.analyses.get(seq);
  }

  /** The stored head and messages with the analyses still in flight applied. */
  overlay<C extends { sentiment?: SentimentTrend }>(
    tenant: TenantId,
    conversationId: ConversationId,
    conversation: C,
    messages: UnifiedMessage[],
  ): { conversation: C; messages: UnifiedMessage[] } {
    const pending = this.byConversation.get(PendingAnalyses.key(tenant, conversationId));
    if (pending === undefined) return { conversation, messages };
    return {
      conversation: pending.sentiment === undefined ? conversation : { ...conversation, sentiment: pending.sentiment },
      messages: messages.map((m) => {
        const analysis = m.analysis === undefined ? pending.analyses.get(m.seq) : undefined;
        return analysis === undefined ? m : { ...m, analysis };
      }),
    };
  }

  get size(): number {
    return this.byConversation.size;
  }
}
