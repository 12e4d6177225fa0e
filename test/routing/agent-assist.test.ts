// Agent assist through the Router: at most three recommendations, from the context, with confidences in [0, 1]
// sorted best first, proactive suggestions when their triggers hold, and every selection and outcome logged and
// fed back into the confidences.
import fc from 'fast-check';
import { BITEXT_INTENTS, EXTRA_INTENTS } from '../../src/domain/intent.js';
import { REFUND_INTENTS, Router, actionsForIntent, type RecommendationContext } from '../../src/routing/index.js';

const RUNS = { numRuns: 100 };
const INTENTS = [...BITEXT_INTENTS, ...EXTRA_INTENTS, 'some_custom_intent'];
const ENTITY_TYPES = ['order_id', 'invoice_id', 'email', 'phone', 'money', 'datetime', 'product'];

const ctxArb: fc.Arbitrary<RecommendationContext> = fc.record({
  intent: fc.constantFrom(...INTENTS),
  sentiment: fc.double({ min: -1, max: 1, noNaN: true }).map((score) => ({
    score,
    label: score <= -0.3 ? 'negative' : score >= 0.3 ? 'positive' : 'neutral',
  })),
  entities: fc.array(fc.record({ type: fc.constantFrom(...ENTITY_TYPES), value: fc.string() }), { maxLength: 4 }),
  urgency: fc.integer({ min: 1, max: 10 }),
  history: fc.array(
    fc.record({
      intent: fc.constantFrom(...INTENTS),
      resolved: fc.boolean(),
      action: fc.option(fc.constantFrom('send_tracking_link', 'offer_refund', 'troubleshoot', 'apologize'), {
        nil: undefined,
      }),
    }),
    { maxLength: 5 },
  ),
  deteriorating: fc.boolean(),
});

const quiet = (intent: string): RecommendationContext => ({
  intent,
  sentiment: { score: 0.1, label: 'neutral' },
  entities: [],
  urgency: 3,
  history: [],
});

test('Feature: omnichannel-cx-platform, Property 28: Action Recommendation Limit', () => {
  fc.assert(
    fc.property(ctxArb, (ctx) => {
      const recs = new Router().recommendActions(ctx);
      expect(recs.length).toBeGreaterThanOrEqual(1);
      expect(recs.length).toBeLessThanOrEqual(3);
      expect(new Set(recs.map((r) => r.action)).size).toBe(recs.length);
    }),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 29: Context-Aware Recommendations', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...INTENTS),
      fc.constantFrom('send_tracking_link', 'troubleshoot', 'send_invoice'),
      (intent, past) => {
        const router = new Router();
        // Without triggers, the recommendations are the intent's playbook.
        const plain = router.recommendActions(quiet(intent));
        for (const r of plain) expect(actionsForIntent(intent)).toContain(r.action);
        expect(plain.every((r) => !r.proactive && r.label.length > 0 && r.reason.length > 0)).toBe(true);
        // What resolved this intent for the customer before is recommended, with that reason.
        const withHistory = router.recommendActions({
          ...quiet(intent),
          history: [{ intent, resolved: true, action: past }],
        });
        const hit = withHistory.find((r) => r.action === past);
        expect(hit).toBeDefined();
        expect(hit?.reason).toContain('before');
        const before = plain.find((r) => r.action === past);
        if (before !== undefined) expect(hit?.confidence).toBeGreaterThan(before.confidence);
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 30: Recommendation Confidence Scores', () => {
  fc.assert(
    fc.property(
      ctxArb,
      fc.array(
        fc.record({
          action: fc.constantFrom('offer_refund', 'escalate_to_supervisor', 'send_tracking_link', 'troubleshoot'),
          ok: fc.boolean(),
        }),
        { maxLength: 20 },
      ),
      (ctx, outcomes) => {
        const router = new Router();
        outcomes.forEach((o, i) =>
          router.recordActionOutcome(
            {
              agentId: 'a',
              conversationId: `c${i}`,
              action: o.action,
              selected: true,
              outcome: o.ok ? 'success' : 'failure',
              intent: ctx.intent,
            },
            i,
          ),
        );
        const recs = router.recommendActions(ctx);
        for (const r of recs) {
          expect(r.confidence).toBeGreaterThanOrEqual(0);
          expect(r.confidence).toBeLessThanOrEqual(1);
          expect(Number.isFinite(r.confidence)).toBe(true);
        }
        for (let i = 1; i < recs.length; i++)
          expect(recs[i - 1]?.confidence).toBeGreaterThanOrEqual(recs[i]?.confidence as number);
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 31: Action Outcome Tracking', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...INTENTS),
      fc.array(
        fc.record({
          conv: fc.constantFrom('c1', 'c2'),
          selected: fc.boolean(),
          outcome: fc.option(fc.constantFrom('success' as const, 'failure' as const), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 15 },
      ),
      fc.constantFrom('success' as const, 'failure' as const),
      (intent, entries, last) => {
        const router = new Router();
        // c1 and c2 were routed with this intent, so outcomes without an explicit intent count for it.
        for (const c of ['c1', 'c2']) {
          router.enqueue(
            { conversationId: c, customerId: 'u', channel: 'webchat', urgency: 3, intent, language: 'en' },
            0,
          );
        }
        const action = (router.recommendActions(quiet(intent))[0] as { action: string }).action;
        entries.forEach((e, i) =>
          router.recordActionOutcome(
            { agentId: 'a', conversationId: e.conv, action, selected: e.selected, outcome: e.outcome },
            i + 1,
          ),
        );
        // Every selection and outcome is in the log, in order, per conversation.
        for (const c of ['c1', 'c2']) {
          const logged = router.actionLog(c);
          const mine = entries.filter((e) => e.conv === c);
          expect(logged.map((l) => [l.selected, l.outcome, l.action, l.intent])).toEqual(
            mine.map((e) => [e.selected, e.outcome, action, intent]),
          );
        }
        expect(router.actionLog()).toHaveLength(entries.length);
        // ... and the next outcome moves that action's confidence the right way.
        const before = router.recommendActions(quiet(intent)).find((r) => r.action === action)?.confidence as number;
        router.recordActionOutcome({ agentId: 'a', conversationId: 'c1', action, selected: true, outcome: last }, 99);
        const after = router.recommendActions(quiet(intent)).find((r) => r.action === action)?.confidence;
        if (after !== undefined) {
          if (last === 'success') expect(after).toBeGreaterThan(before);
          else expect(after).toBeLessThan(before);
        } else {
          expect(last).toBe('failure'); // dropped out of the top three after a failure
        }
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 32: Proactive Action Suggestions', () => {
  fc.assert(
    fc.property(ctxArb, (ctx) => {
      const recs = new Router().recommendActions(ctx);
      const proactive = new Map(recs.filter((r) => r.proactive).map((r) => [r.action, r]));
      const refund =
        REFUND_INTENTS.has(ctx.intent) && ctx.entities.some((e) => e.type === 'money' || e.type === 'order_id');
      const escalate =
        ctx.sentiment.score <= -0.5 ||
        (ctx.sentiment.label === 'negative' && ctx.sentiment.score < -0.3) ||
        ctx.urgency >= 8;
      const followUp = (ctx.history ?? []).some((h) => !h.resolved) || ctx.deteriorating === true;
      expect(proactive.has('offer_refund')).toBe(refund);
      expect(proactive.has('escalate_to_supervisor')).toBe(escalate);
      expect(proactive.has('schedule_follow_up')).toBe(followUp);
      expect(proactive.size).toBe([refund, escalate, followUp].filter(Boolean).length);
      for (const r of proactive.values()) expect(r.reason.length).toBeGreaterThan(0);
    }),
    RUNS,
  );
});
