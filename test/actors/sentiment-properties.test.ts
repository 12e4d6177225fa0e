// Properties 9 and 10 over the real conversation actors and LMDB: each message's sentiment is recorded in its
// conversation (history in message order, trend), survives passivation and restarts, and a drop of more than 0.3
// below the recent average is flagged as deterioration.
import fc from 'fast-check';
import { DETERIORATION_DROP, DETERIORATION_WINDOW, HISTORY_LIMIT } from '../../src/domain/index.js';
import { freshTenant, startInProcessNode, type InProcessNode } from '../helpers/in-process-node.js';

let node: InProcessNode;
beforeAll(() => {
  node = startInProcessNode({ shards: 2 });
});
afterAll(() => node.destroy());

// (+ 0 turns -0 into 0: the store does not keep the sign of zero, and neither does any customer's mood.)
const score = fc.double({ min: -1, max: 1, noNaN: true }).map((v) => v + 0);

async function conversationWith(scores: number[], order: number[]) {
  const tenant = freshTenant();
  const acks = [];
  for (let i = 0; i < scores.length; i++) {
    acks.push(
      await node.gateway.ingest(tenant, {
        channel: 'sms',
        from: '+15553334444',
        content: { type: 'text', text: `m${i}` },
      }),
    );
  }
  for (const i of order) await node.gateway.recordSentiment(tenant, acks[i]!, scores[i]!);
  return { tenant, conversationId: acks[0]!.conversationId };
}

test('Feature: omnichannel-cx-platform, Property 9: Sentiment History Tracking', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(score, { minLength: 1, maxLength: 12 }).chain((scores) =>
        fc.tuple(
          fc.constant(scores),
          fc.shuffledSubarray(
            scores.map((_, i) => i),
            { minLength: scores.length, maxLength: scores.length },
          ),
        ),
      ),
      fc.boolean(),
      async ([scores, order], passivate) => {
        const { tenant, conversationId } = await conversationWith(scores, order);
        if (passivate) node.shards.passivateAll();
        const head = await node.gateway.getConversationHead(tenant, conversationId);
        const history = head.sentiment!.history;
        // Every score, in message order whatever the order they were analysed in, at most HISTORY_LIMIT.
        expect(history.map((p) => p.seq)).toEqual(scores.map((_, i) => i + 1).slice(-HISTORY_LIMIT));
        expect(history.map((p) => p.score)).toEqual(scores.slice(-HISTORY_LIMIT));
        const latest = scores[scores.length - 1]!;
        const earlier = scores.slice(0, -1);
        const expectedTrend = earlier.length === 0 ? 0 : latest - earlier.reduce((s, v) => s + v, 0) / earlier.length;
        expect(head.sentiment!.trend).toBeCloseTo(expectedTrend, 9);
      },
    ),
    { numRuns: 100 },
  );
});

test('Feature: omnichannel-cx-platform, Property 10: Sentiment Deterioration Detection', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(score, { minLength: 1, maxLength: 8 }), async (scores) => {
      const { tenant, conversationId } = await conversationWith(
        scores,
        scores.map((_, i) => i),
      );
      const head = await node.gateway.getConversationHead(tenant, conversationId);
      const previous = scores.slice(0, -1).slice(-DETERIORATION_WINDOW);
      const drop =
        previous.length === 0 ? 0 : previous.reduce((s, v) => s + v, 0) / previous.length - scores[scores.length - 1]!;
      expect(head.sentiment!.deteriorating).toBe(drop > DETERIORATION_DROP);
    }),
    { numRuns: 100 },
  );
  // Plain cases: a fall from content to angry is flagged, a mild dip is not.
  const fell = await conversationWith([0.6, 0.5, -0.2], [0, 1, 2]);
  expect((await node.gateway.getConversationHead(fell.tenant, fell.conversationId)).sentiment!.deteriorating).toBe(
    true,
  );
  const dipped = await conversationWith([0.6, 0.5, 0.4], [0, 1, 2]);
  expect((await node.gateway.getConversationHead(dipped.tenant, dipped.conversationId)).sentiment!.deteriorating).toBe(
    false,
  );
});
