// Automation vs human, escalation, skill matching and continuity, through the real Router.
import fc from 'fast-check';
import { ESCALATION_INTENT } from '../../src/domain/intent.js';
import { DEFAULT_ROUTING_POLICY, Router, type RoutingDecision, type WorkItem } from '../../src/routing/index.js';
import { LANGS, SKILLS, agentArb, itemArb, recordEvents, INTENT_FOR_SKILL } from './routing-fixtures.js';

const RUNS = { numRuns: 100 };
const HUMAN_KINDS: ReadonlyArray<RoutingDecision['kind']> = ['offered', 'queued', 'escalated'];
// Filler words that contain no escalation keyword.
const filler = fc.array(fc.constantFrom('where', 'is', 'my', 'order', 'please', 'refund', 'now', 'thanks', 'the'), {
  maxLength: 8,
});
const plainText = filler.map((w) => w.join(' '));

function withAgents(
  n: number,
): fc.Arbitrary<Array<ReturnType<typeof agentArb> extends fc.Arbitrary<infer T> ? T : never>> {
  return fc.tuple(...Array.from({ length: n }, (_, i) => agentArb(`a${i}`)));
}

test('Feature: omnichannel-cx-platform, Property 17: High Urgency Agent Routing', () => {
  fc.assert(
    fc.property(
      withAgents(3),
      fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      itemArb('c1'),
      fc.integer({ min: 8, max: 10 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.boolean(),
      plainText,
      fc.integer({ min: 0, max: 5 }),
      (agents, online, base, urgency, confidence, outOfScope, text, failed) => {
        const router = new Router();
        agents.forEach((a, i) => {
          router.upsertAgent(a, 0);
          if (online[i]) router.setStatus(a.id, 'online', 0);
        });
        const item: WorkItem = { ...base, urgency };
        const d = router.decide({ item, confidence, outOfScope, text, failedAutomationAttempts: failed }, 1);
        expect(HUMAN_KINDS).toContain(d.kind);
        expect(d.kind).not.toBe('automated');
        const state = router.state('c1');
        expect(state).toBeDefined();
        expect(['waiting', 'offered']).toContain(state?.state);
        if (state?.state === 'offered') expect(router.agent(state.agentId as string)?.offers).toContain('c1');
        expect(router.decisions('c1').some((x) => x.kind === 'automated')).toBe(false);
      },
    ),
    RUNS,
  );
  // The converse (Requirement 7.1): confident, low urgency, in scope → automated, nobody's capacity touched.
  fc.assert(
    fc.property(
      itemArb('c2'),
      fc.integer({ min: 1, max: 7 }),
      fc.double({ min: 0.851, max: 1, noNaN: true }),
      plainText,
      (base, urgency, confidence, text) => {
        const router = new Router();
        const d = router.decide(
          {
            item: { ...base, urgency, intent: 'track_order' },
            confidence,
            outOfScope: false,
            text,
            failedAutomationAttempts: 0,
          },
          1,
        );
        expect(d.kind).toBe('automated');
        expect(router.state('c2')).toBeUndefined();
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 36: Explicit Escalation Request', () => {
  const keywords = DEFAULT_ROUTING_POLICY.escalationKeywords;
  fc.assert(
    fc.property(
      itemArb('c1'),
      fc.integer({ min: 1, max: 7 }),
      fc.double({ min: 0.86, max: 1, noNaN: true }),
      fc.oneof(
        fc.record({
          kind: fc.constant('keyword' as const),
          keyword: fc.constantFrom(...keywords),
          upper: fc.boolean(),
          before: filler,
          after: filler,
        }),
        fc.record({ kind: fc.constant('intent' as const), text: plainText }),
        fc.record({ kind: fc.constant('custom' as const), before: filler }),
      ),
      (base, urgency, confidence, how) => {
        const router = new Router(how.kind === 'custom' ? { escalationKeywords: ['xyzzy agent'] } : {});
        let text: string;
        let intent = 'track_order';
        if (how.kind === 'keyword') {
          const k = how.upper ? how.keyword.toUpperCase() : how.keyword;
          text = [...how.before, k, ...how.after].join(' ') + '!';
        } else if (how.kind === 'intent') {
          text = how.text;
          intent = ESCALATION_INTENT;
        } else {
          text = [...how.before, 'XYZZY   Agent'].join(' ');
        }
        const d = router.decide(
          { item: { ...base, urgency, intent }, confidence, outOfScope: false, text, failedAutomationAttempts: 0 },
          5,
        );
        expect(d.kind).toBe('escalated');
        expect(d.reasons.join(' ')).toMatch(/human/);
        expect(d.waitEstimateMs).toBeGreaterThanOrEqual(0);
        expect(router.state('c1')).toBeDefined();
        // The escalated conversation is queued with a raised priority and the customer hears the wait.
        const kinds = router.decisions('c1').map((x) => x.kind);
        expect(kinds[0]).toBe('escalated');
        expect(kinds).toContain('queued');
      },
    ),
    RUNS,
  );
  // Word edges: "humanity" is not a request for a human.
  const router = new Router();
  const d = router.decide(
    {
      item: { conversationId: 'x', customerId: 'u', channel: 'sms', urgency: 2, intent: 'track_order', language: 'en' },
      confidence: 0.95,
      outOfScope: false,
      text: 'for humanity, where is my parcel',
      failedAutomationAttempts: 0,
    },
    1,
  );
  expect(d.kind).toBe('automated');
});

test('Feature: omnichannel-cx-platform, Property 37: Automatic Escalation Threshold', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 8 }),
      itemArb('c1'),
      fc.integer({ min: 1, max: 7 }),
      fc.double({ min: 0.86, max: 1, noNaN: true }),
      plainText,
      (max, failed, base, urgency, confidence, text) => {
        const router = new Router(max === 3 ? {} : { maxFailedAutomation: max });
        const d = router.decide(
          {
            item: { ...base, urgency, intent: 'track_order' },
            confidence,
            outOfScope: false,
            text,
            failedAutomationAttempts: failed,
          },
          1,
        );
        if (failed >= max) {
          expect(d.kind).toBe('escalated');
          expect(d.reasons[0]).toContain(`${failed} failed automation attempts`);
          expect(router.state('c1')).toBeDefined();
        } else {
          expect(d.kind).toBe('automated');
          expect(router.state('c1')).toBeUndefined();
        }
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 20: Agent Skill Matching', () => {
  const step = fc.oneof(
    fc.record({ op: fc.constant('item' as const), urgency: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1_000, max: 100_000 }) }),
    fc.record({ op: fc.constant('resolve' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('decline' as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(
      withAgents(4),
      fc.array(fc.tuple(itemArb('?'), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 30 }),
      fc.array(step, { minLength: 1, maxLength: 60 }),
      (agents, items, steps) => {
        const router = new Router();
        const events = recordEvents(router);
        const profiles = new Map(agents.map((a) => [a.id, a]));
        let now = 1_000;
        const pending = [...items];
        let n = 0;
        for (const a of agents) {
          router.upsertAgent(a, now);
          router.setStatus(a.id, 'online', now);
        }
        const checkOffers = (): void => {
          for (const e of events.splice(0)) {
            if (e.type !== 'offer') continue;
            const level = e.decision.relaxLevel ?? 0;
            const p = profiles.get(e.agentId);
            expect(p).toBeDefined();
            const skill = p?.skills.find((s) => s.skill === e.item.requiredSkill);
            if (level < 2) expect(skill).toBeDefined();
            if (level < 1) expect(skill?.level ?? 0).toBeGreaterThanOrEqual(e.item.minSkillLevel ?? 1);
            if (level < 3 && e.item.language !== 'und') expect(p?.languages).toContain(e.item.language);
            // The relaxation level recorded is one the wait allows.
            const waited = now - (e.item.enqueuedAt ?? now);
            const allowed = DEFAULT_ROUTING_POLICY.relaxAfterMs.filter((t) => waited >= t).length;
            expect(level).toBeLessThanOrEqual(allowed);
          }
        };
        for (const s of steps) {
          if (s.op === 'item' && pending.length > 0) {
            const [base, min] = pending.shift() as [WorkItem, number];
            const item = { ...base, conversationId: `c${n++}`, urgency: s.urgency, minSkillLevel: min };
            router.enqueue(item, now);
          } else if (s.op === 'wait') {
            now += s.ms;
            router.tick(now);
          } else if (s.op === 'resolve' || s.op === 'decline') {
            const held = router
              .agents()
              .flatMap((a) => (s.op === 'resolve' ? a.conversations : a.offers).map((c) => [a.id, c] as const));
            const pick = held[s.pick % Math.max(1, held.length)];
            if (pick !== undefined) {
              if (s.op === 'resolve') router.resolve(pick[0], pick[1], { resolved: true }, now);
              else router.decline(pick[0], pick[1], now);
            }
            // Accept whatever is offered so capacity keeps moving.
            for (const a of router.agents())
              for (const c of a.offers) if (s.pick % 2 === 0) router.accept(a.id, c, now);
          }
          checkOffers();
        }
      },
    ),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 23: Agent Continuity Preference', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }),
      fc.nat(),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 6, maxLength: 6 }),
      fc.constantFrom(...SKILLS),
      fc.constantFrom(...LANGS),
      fc.boolean(),
      (count, prevPick, loads, csats, skill, language, full) => {
        const router = new Router();
        let now = 0;
        let n = 0;
        const ids = Array.from({ length: count }, (_, i) => `a${i}`);
        for (const id of ids) {
          router.upsertAgent({ id, name: id, skills: [{ skill, level: 3 }], languages: [language], capacity: 4 }, now);
        }
        const prev = ids[prevPick % count] as string;
        const item = (customerId: string): WorkItem => ({
          conversationId: `c${n++}`,
          customerId,
          channel: 'webchat',
          urgency: 5,
          intent: INTENT_FOR_SKILL[skill] as string,
          language,
        });
        // Only `prev` online: it serves customer C, then everyone comes online.
        router.setStatus(prev, 'online', now);
        const first = router.enqueue(item('C'), ++now);
        expect(first.agentId).toBe(prev);
        router.accept(prev, first.conversationId, ++now);
        router.resolve(prev, first.conversationId, { resolved: true, csat: csats[0] as number }, ++now);
        for (const id of ids) router.setStatus(id, 'online', now);
        // Random loads and performance for everyone (others' customers), prev stays with room unless `full`.
        ids.forEach((id, i) => {
          const want = id === prev ? (full ? 4 : Math.min(3, loads[i] as number)) : (loads[i] as number);
          for (let k = 0; k < want; k++) {
            const c = item(`other-${id}-${k}`);
            router.upsertAgent(
              { id, name: id, skills: [{ skill, level: 3 }], languages: [language], capacity: 4 },
              now,
            );
            // Offer directly to this agent by taking the others offline for a moment.
            for (const o of ids) if (o !== id) router.setStatus(o, 'away', now);
            const d = router.enqueue(c, ++now);
            if (d.agentId === id) router.accept(id, c.conversationId, ++now);
            for (const o of ids) router.setStatus(o, 'online', now);
          }
        });
        const prevView = router.agent(prev);
        const prevHasRoom = (prevView?.load ?? 4) < (prevView?.capacity ?? 4);
        const again = router.enqueue(item('C'), ++now);
        if (prevHasRoom) {
          expect(again.kind).toBe('offered');
          expect(again.agentId).toBe(prev);
          expect(again.reasons.join(' ')).toContain('continuity');
          expect(again.candidates?.[0]?.parts.continuity).toBe(1);
        } else {
          expect(again.agentId).not.toBe(prev);
        }
      },
    ),
    RUNS,
  );
});
