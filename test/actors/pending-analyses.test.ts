// The write-behind overlay: analyses answered before their commit are visible to reads served from LMDB, per tenant
// and conversation, until the commit settles; stored analyses are never replaced by pending ones.
import { PendingAnalyses } from '../../src/actors/pending-analyses';
import type { ConversationId, MessageAnalysis, TenantId, UnifiedMessage } from '../../src/domain';

const T = 'acme' as TenantId;
const C = 'cnv_1' as ConversationId;

function analysis(intent: string): MessageAnalysis {
  return {
    status: 'analysed',
    intent,
    confidence: 0.9,
    lowConfidence: false,
    outOfScope: false,
    intents: [{ intent, confidence: 0.9 }],
    sentiment: { score: -0.5, label: 'negative' },
    entities: [],
    language: 'en',
    urgency: { score: 6, factors: [] } as unknown as MessageAnalysis['urgency'],
    analysedAt: 1,
  };
}

function message(seq: number, stored?: MessageAnalysis): UnifiedMessage {
  return { seq, ...(stored === undefined ? {} : { analysis: stored }) } as unknown as UnifiedMessage;
}

test('pending analyses overlay unanalysed messages and the sentiment head until settled', () => {
  const pending = new PendingAnalyses();
  const trend = { history: [{ seq: 2, score: -0.5, at: 1 }], trend: 0, deteriorating: false };
  pending.add(T, C, 2, analysis('get_refund'), trend);
  const stored = analysis('track_order');
  const read = pending.overlay(T, C, { sentiment: undefined }, [message(1, stored), message(2), message(3)]);
  expect(read.messages.map((m) => m.analysis?.intent)).toEqual(['track_order', 'get_refund', undefined]);
  expect(read.conversation.sentiment).toEqual(trend);
  expect(pending.get(T, C, 2)?.intent).toBe('get_refund');
  // Another tenant's conversation with the same id sees nothing.
  expect(pending.overlay('other' as TenantId, C, {}, [message(2)]).messages[0]?.analysis).toBeUndefined();
  pending.settle(T, C, 2);
  expect(pending.get(T, C, 2)).toBeUndefined();
  expect(pending.size).toBe(0);
  const after = [message(2)];
  expect(pending.overlay(T, C, {}, after).messages).toBe(after);
});

test('a stored analysis wins over a pending one (the commit already landed)', () => {
  const pending = new PendingAnalyses();
  pending.add(T, C, 1, analysis('get_refund'), undefined);
  const read = pending.overlay(T, C, {}, [message(1, analysis('track_order'))]);
  expect(read.messages[0]?.analysis?.intent).toBe('track_order');
});
