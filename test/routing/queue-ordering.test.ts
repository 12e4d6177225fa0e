// Queue order by urgency with aging, FIFO within an urgency, positions and wait estimates, through the real Router:
// every offer an agent gets from the queue must be the waiting conversation a reference model ranks first.
import fc from 'fast-check';
import { Router, type RouterEvent, type WorkItem } from '../../src/routing/index.js';
import { recordEvents } from './routing-fixtures.js';

const RUNS = { numRuns: 100 };
const AGING = 60_000;

interface Ref {
  id: string;
  urgency: number;
  at: number;
  seq: number;
}

/** The reference rule: highest urgency + waited / agingMs, then the longest wait, then arrival order. */
function refBest(waiting: Ref[], now: number): Ref | undefined {
  let best: Ref | undefined;
  for (const r of waiting) {
    if (best === undefined) {
      best = r;
      continue;
    }
    const er = r.urgency + (now - r.at) / AGING;
    const eb = best.urgency + (now - best.at) / AGING;
    if (er > eb + 1e-9 || (Math.abs(er - eb) <= 1e-9 && (r.at < best.at || (r.at === best.at && r.seq < best.seq))))
      best = r;
  }
  return best;
}

const item = (id: string, urgency: number): WorkItem => ({
  conversationId: id,
  customerId: `cus-${id}`,
  channel: 'webchat',
  urgency,
  intent: 'get_refund',
  language: 'en',
});

/**
 * Runs a random schedule of arrivals and service completions against one queue served by `agents` agents and
 * checks every offer taken from the queue against the reference.
 */
function runSchedule(
  steps: Array<{ op: 'arrive'; urgency: number; dt: number } | { op: 'serve'; dt: number }>,
  agents: number,
  capacity: number,
): void {
  // No relaxation and no timeouts in the way: this is about order.
  const router = new Router({ relaxAfterMs: [], offerTimeoutMs: 1e12 });
  const events = recordEvents(router);
  for (let i = 0; i < agents; i++) {
    router.upsertAgent(
      { id: `a${i}`, name: `a${i}`, skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity },
      0,
    );
  }
  let now = 0;
  let seq = 0;
  let waiting: Ref[] = [];
  const assigned: Array<[string, string]> = [];
  const takeOffers = (source: 'arrival' | 'service', arrived?: string): void => {
    for (const e of events.splice(0) as RouterEvent[]) {
      if (e.type !== 'offer') continue;
      const id = e.item.conversationId;
      if (source === 'arrival' && id === arrived) {
        // Offered on arrival: only possible when nothing else was waiting (same queue, an agent had room).
        expect(waiting.filter((w) => w.id !== id)).toHaveLength(0);
      } else {
        expect(id).toBe(refBest(waiting, now)?.id);
      }
      waiting = waiting.filter((w) => w.id !== id);
      router.accept(e.agentId, id, now);
      assigned.push([e.agentId, id]);
    }
  };
  for (let i = 0; i < agents; i++) router.setStatus(`a${i}`, 'online', 0);
  for (const s of steps) {
    now += s.dt;
    router.tick(now);
    if (s.op === 'arrive') {
      const id = `c${seq}`;
      waiting.push({ id, urgency: s.urgency, at: now, seq: seq++ });
      router.enqueue(item(id, s.urgency), now);
      takeOffers('arrival', id);
    } else if (assigned.length > 0) {
      const [agentId, id] = assigned.shift() as [string, string];
      router.resolve(agentId, id, { resolved: true }, now);
      takeOffers('service');
    }
    // Positions agree with the reference order too.
    const sorted: Ref[] = [];
    const rest = [...waiting];
    while (rest.length > 0) {
      const b = refBest(rest, now) as Ref;
      sorted.push(b);
      rest.splice(rest.indexOf(b), 1);
    }
    sorted.forEach((r, i) => expect(router.position(r.id, now)?.position).toBe(i + 1));
  }
}

const stepArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('arrive' as const),
      urgency: fc.integer({ min: 1, max: 10 }),
      dt: fc.integer({ min: 0, max: 90_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('serve' as const), dt: fc.integer({ min: 0, max: 120_000 }) }) },
);

test('Feature: omnichannel-cx-platform, Property 21: Queue Ordering by Urgency', () => {
  // Everyone waits from the same moment: pure urgency order, FIFO within an urgency.
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 40 }), (urgencies) => {
      const router = new Router({ relaxAfterMs: [] });
      const events = recordEvents(router);
      router.upsertAgent(
        { id: 'a', name: 'a', skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity: 1 },
        0,
      );
      urgencies.forEach((u, i) => router.enqueue(item(`c${i}`, u), 1000));
      const expected = urgencies
        .map((u, i) => ({ u, i }))
        .sort((a, b) => b.u - a.u || a.i - b.i)
        .map((x) => `c${x.i}`);
      router.setStatus('a', 'online', 1000);
      const served: string[] = [];
      for (let k = 0; k < urgencies.length; k++) {
        const offer = events.find((e) => e.type === 'offer' && !served.includes(e.item.conversationId));
        expect(offer?.type).toBe('offer');
        if (offer?.type !== 'offer') return;
        served.push(offer.item.conversationId);
        router.accept('a', offer.item.conversationId, 1000);
        router.resolve('a', offer.item.conversationId, { resolved: true }, 1000);
      }
      expect(served).toEqual(expected);
    }),
    RUNS,
  );
});

test('Feature: omnichannel-cx-platform, Property 45: Queue Urgency Ordering', () => {
  // Under load, with aging: random arrivals and completions, several agents.
  fc.assert(
    fc.property(
      fc.array(stepArb, { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      (steps, agents, capacity) => runSchedule(steps, agents, capacity),
    ),
    RUNS,
  );
  // Aging: a low-urgency item overtakes a high-urgency one that arrived (Δurgency × agingMs) or more later.
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 50_000 }),
      (low, delta, extra) => {
        const high = Math.min(10, low + delta);
        const gap = (high - low) * AGING + extra;
        const router = new Router({ relaxAfterMs: [] });
        const events = recordEvents(router);
        router.upsertAgent(
          { id: 'a', name: 'a', skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity: 1 },
          0,
        );
        router.enqueue(item('old-low', low), 0);
        router.enqueue(item('new-high', high), gap);
        router.setStatus('a', 'online', gap + 1);
        const first = events.find((e) => e.type === 'offer');
        expect(first?.type === 'offer' ? first.item.conversationId : undefined).toBe('old-low');
      },
    ),
    RUNS,
  );
});

test('wait estimates: monotone in position, told on queueing and on material change', () => {
  const router = new Router({ relaxAfterMs: [] });
  const events = recordEvents(router);
  router.upsertAgent(
    { id: 'a', name: 'a', skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity: 2 },
    0,
  );
  // 'a' stays offline: nobody serves the queue yet (the estimate assumes one server).
  for (let i = 0; i < 20; i++) router.enqueue(item(`c${i}`, 1 + (i % 10)), i);
  const told = events.filter((e) => e.type === 'wait-estimate');
  expect(told).toHaveLength(20);
  const estimates = Array.from(
    { length: 20 },
    (_, i) => router.position(`c${i}`, 100) as { position: number; waitEstimateMs: number },
  );
  const byPosition = [...estimates].sort((a, b) => a.position - b.position);
  expect(byPosition.map((e) => e.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  for (let i = 1; i < byPosition.length; i++) {
    expect((byPosition[i] as { waitEstimateMs: number }).waitEstimateMs).toBeGreaterThanOrEqual(
      (byPosition[i - 1] as { waitEstimateMs: number }).waitEstimateMs,
    );
  }
  const q = router.queues(100).find((s) => s.id === 'billing:en');
  expect(q).toMatchObject({ depth: 20, agentsOnline: 0 });
  expect(q?.oldestWaitMs).toBe(100);
  // An agent with capacity 10 comes online: it takes ten offers, the ten left move up and are served by ten slots
  // instead of one; the next sweep tells those whose estimate moved materially (≥ 30 % and ≥ 30 s), downwards.
  const before = new Map(
    told.map((e) => (e.type === 'wait-estimate' ? [e.conversationId, e.waitEstimateMs] : ['', 0])),
  );
  events.length = 0;
  router.upsertAgent(
    { id: 'b', name: 'b', skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity: 10 },
    200,
  );
  router.setStatus('b', 'online', 200);
  expect(router.agent('b')?.offers).toHaveLength(10);
  router.tick(10_000);
  const changed = events.filter((e) => e.type === 'wait-estimate');
  const toldNow = new Set(changed.map((e) => (e.type === 'wait-estimate' ? e.conversationId : '')));
  for (let i = 0; i < 20; i++) {
    const p = router.position(`c${i}`, 10_000);
    if (p === undefined) continue; // offered to b
    const last = before.get(`c${i}`) as number;
    const change = Math.abs(p.waitEstimateMs - last);
    expect(toldNow.has(`c${i}`)).toBe(change >= 0.3 * last && change >= 30_000);
    if (toldNow.has(`c${i}`)) expect(p.waitEstimateMs).toBeLessThan(last);
  }
  expect(toldNow.size).toBeGreaterThan(5);
  // No change, no message.
  events.length = 0;
  router.tick(20_000);
  expect(events.filter((e) => e.type === 'wait-estimate')).toHaveLength(0);
});
