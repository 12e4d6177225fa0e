// Random interleavings of every Router command against a reference model: capacity is never exceeded, a
// conversation is never offered or assigned to two agents, and a conversation handed to humans is always waiting,
// offered or assigned until it is resolved — never lost. Bad commands fail with a typed RoutingError and change
// nothing that breaks these invariants.
import fc from 'fast-check';
import { Router, RoutingError, type AgentProfile } from '../../src/routing/index.js';
import { SKILLS, agentArb, checkInvariants, itemArb, recordEvents } from './routing-fixtures.js';

const AGENT_IDS = ['a0', 'a1', 'a2', 'a3'];

const commandArb = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('upsert' as const),
      profile: fc.constantFrom(...AGENT_IDS).chain((id) => agentArb(id)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('status' as const),
      agent: fc.constantFrom(...AGENT_IDS),
      status: fc.constantFrom('online' as const, 'online' as const, 'away' as const, 'offline' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const), agent: fc.constantFrom(...AGENT_IDS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reconnect' as const), agent: fc.constantFrom(...AGENT_IDS) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('decide' as const),
      item: itemArb('?'),
      reuse: fc.boolean(),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      failed: fc.integer({ min: 0, max: 4 }),
      text: fc.constantFrom('where is my order', 'I want a human', 'refund please'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('enqueue' as const), item: itemArb('?') }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('accept' as const), pick: fc.nat(), wrong: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('decline' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('resolve' as const),
      pick: fc.nat(),
      resolved: fc.boolean(),
      csat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('transfer' as const),
      pick: fc.nat(),
      to: fc.option(fc.constantFrom(...AGENT_IDS), { nil: undefined }),
      skill: fc.option(fc.constantFrom(...SKILLS), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('withdraw' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 120_000 }) }) },
);

type Command = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * The matching invariant: no waiting conversation is eligible (at its relaxation level) for an online, connected
 * agent with room for it. Only checked with skipAgentMs = 0, where no agent is ever skipped.
 */
function checkNoIdleAgent(router: Router, profiles: Map<string, AgentProfile>, ids: Iterable<string>): void {
  const agents = router.agents().filter((a) => a.status === 'online' && a.connected);
  for (const id of ids) {
    const s = router.state(id);
    if (s?.state !== 'waiting') continue;
    const { item, relaxLevel } = s;
    for (const a of agents) {
      const p = profiles.get(a.id) as AgentProfile;
      const weight = Math.min(
        a.capacity,
        p.channelWeights?.[item.channel] ?? (item.channel === 'voice' ? a.capacity : 1),
      );
      if (a.capacity - a.load < weight) continue;
      const skill = a.skills.find((x) => x.skill === item.requiredSkill);
      const langOk = relaxLevel >= 3 || item.language === 'und' || a.languages.includes(item.language);
      const skillOk = relaxLevel >= 2 || (skill !== undefined && (relaxLevel >= 1 || skill.level >= 1));
      if (langOk && skillOk) throw new Error(`${id} waits (level ${relaxLevel}) while agent ${a.id} could take it`);
    }
  }
}

function runCommands(commands: Command[], skipAgentMs = 40_000): void {
  const router = new Router(
    { offerTimeoutMs: 20_000, disconnectGraceMs: 45_000, skipAgentMs },
    { maxDecisionsKept: 500 },
  );
  const profiles = new Map<string, AgentProfile>();
  const events = recordEvents(router);
  const withHumans = new Set<string>(); // the reference: handed to humans and not yet resolved
  const known = new Set<string>();
  let now = 1_000;
  let n = 0;
  const held = (kind: 'offers' | 'conversations'): Array<[string, string]> =>
    router.agents().flatMap((a) => a[kind].map((c) => [a.id, c] as [string, string]));
  for (const cmd of commands) {
    try {
      switch (cmd.op) {
        case 'upsert':
          router.upsertAgent(cmd.profile as AgentProfile, now);
          profiles.set(cmd.profile.id, cmd.profile as AgentProfile);
          break;
        case 'status':
          router.setStatus(cmd.agent, cmd.status, now);
          break;
        case 'disconnect':
          router.agentDisconnected(cmd.agent, now);
          break;
        case 'reconnect':
          router.agentReconnected(cmd.agent, now);
          break;
        case 'decide': {
          const ids = [...known];
          const id = cmd.reuse && ids.length > 0 ? (ids[n % ids.length] as string) : `c${n}`;
          n++;
          const d = router.decide(
            {
              item: { ...cmd.item, conversationId: id },
              confidence: cmd.confidence,
              outOfScope: false,
              text: cmd.text,
              failedAutomationAttempts: cmd.failed,
            },
            now,
          );
          known.add(id);
          if (d.kind !== 'automated') withHumans.add(id);
          else expect(withHumans.has(id)).toBe(false);
          break;
        }
        case 'enqueue': {
          const id = `c${n++}`;
          router.enqueue({ ...cmd.item, conversationId: id }, now);
          known.add(id);
          withHumans.add(id);
          break;
        }
        case 'accept': {
          const offers = held('offers');
          const pick = offers[cmd.pick % Math.max(1, offers.length)];
          if (pick !== undefined) {
            const agent = cmd.wrong ? (AGENT_IDS[cmd.pick % AGENT_IDS.length] as string) : pick[0];
            router.accept(agent, pick[1], now);
          }
          break;
        }
        case 'decline': {
          const pick = held('offers')[cmd.pick % 8];
          if (pick !== undefined) router.decline(pick[0], pick[1], now);
          break;
        }
        case 'resolve': {
          const assigned = held('conversations');
          const pick = assigned[cmd.pick % Math.max(1, assigned.length)];
          if (pick !== undefined) {
            router.resolve(pick[0], pick[1], { resolved: cmd.resolved, csat: cmd.csat }, now);
            withHumans.delete(pick[1]);
          }
          break;
        }
        case 'transfer': {
          const assigned = held('conversations');
          const pick = assigned[cmd.pick % Math.max(1, assigned.length)];
          if (pick !== undefined) router.transfer(pick[0], pick[1], { agentId: cmd.to, skill: cmd.skill }, now);
          break;
        }
        case 'withdraw': {
          const ids = [...withHumans];
          const id = ids[cmd.pick % Math.max(1, ids.length)];
          if (id !== undefined) {
            router.withdraw(id, now);
            withHumans.delete(id);
          }
          break;
        }
        case 'tick':
          now += cmd.ms;
          router.tick(now);
          break;
      }
    } catch (error) {
      expect(error).toBeInstanceOf(RoutingError);
    }
    checkInvariants(router);
    if (skipAgentMs === 0) checkNoIdleAgent(router, profiles, known);
    for (const id of known) {
      const s = router.state(id);
      if (withHumans.has(id)) {
        if (s === undefined) throw new Error(`${id} was lost after ${cmd.op}`);
      } else {
        expect(s).toBeUndefined();
      }
    }
    // Events agree with state: an offer event names the agent that holds the offer right now (if still offered).
    for (const e of events.splice(0)) {
      if (e.type === 'offer') expect(e.item.conversationId).toBeTruthy();
      if (e.type === 'assigned') expect(router.customerMessage(e.conversationId).agentId ?? e.agentId).toBeTruthy();
    }
  }
  // Drain: everyone online and connected, time passes; nothing eligible is left waiting next to an agent with room
  // for it at skill/language level 0 (the "no idle agent while someone waits" invariant).
  for (const id of AGENT_IDS) {
    if (router.agent(id) === undefined) continue;
    router.agentReconnected(id, now);
    router.setStatus(id, 'online', now);
  }
  checkInvariants(router);
  if (skipAgentMs === 0) checkNoIdleAgent(router, profiles, known);
  for (const d of router.decisions()) coverage.set(d.kind, (coverage.get(d.kind) ?? 0) + 1);
}

/** Decision kinds seen across runs: the generators must reach every path. */
const coverage = new Map<string, number>();
afterAll(() => {
  for (const kind of [
    'offered',
    'accepted',
    'declined',
    'offer-timeout',
    'requeued',
    'relaxed',
    'resolved',
    'transferred',
    'escalated',
    'automated',
    'queued',
  ]) {
    expect([kind, coverage.get(kind) ?? 0]).toEqual([kind, expect.any(Number)]);
    expect(coverage.get(kind) ?? 0).toBeGreaterThan(0);
  }
});

test('Feature: omnichannel-cx-platform, Property 22: Agent Workload Limit', () => {
  fc.assert(
    fc.property(fc.array(commandArb, { minLength: 1, maxLength: 80 }), (commands) => runCommands(commands)),
    { numRuns: 150 },
  );
});

test('model-based fuzz: no double assignment, nothing lost, typed errors only (long sequences)', () => {
  fc.assert(
    fc.property(fc.array(commandArb, { minLength: 50, maxLength: 250 }), (commands) => runCommands(commands)),
    { numRuns: 100 },
  );
});

test('model-based fuzz: never an idle eligible agent while a conversation waits (no skips)', () => {
  fc.assert(
    fc.property(fc.array(commandArb, { minLength: 20, maxLength: 150 }), (commands) => runCommands(commands, 0)),
    { numRuns: 100 },
  );
});

test('capacity: an offer reserves, accept converts, decline and timeout release; voice takes the whole capacity', () => {
  const router = new Router({ offerTimeoutMs: 10_000 });
  router.upsertAgent(
    { id: 'a', name: 'A', skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity: 3 },
    0,
  );
  router.setStatus('a', 'online', 0);
  const chat = (id: string, channel: 'webchat' | 'voice' = 'webchat') => ({
    conversationId: id,
    customerId: `u-${id}`,
    channel,
    urgency: 5,
    intent: 'get_refund',
    language: 'en',
  });
  expect(router.enqueue(chat('v', 'voice'), 1).kind).toBe('offered');
  expect(router.agent('a')?.load).toBe(3);
  expect(router.enqueue(chat('c1'), 2).kind).toBe('queued');
  router.decline('a', 'v', 3); // 'v' is skipped for a: c1 gets the room
  expect(router.agent('a')?.offers).toEqual(['c1']);
  router.accept('a', 'c1', 4);
  expect(() => router.accept('a', 'c1', 5)).toThrow(expect.objectContaining({ code: 'OFFER_NOT_FOUND' }));
  expect(() => router.resolve('a', 'v', { resolved: true }, 5)).toThrow(
    expect.objectContaining({ code: 'NOT_ASSIGNED' }),
  );
  expect(() => router.accept('zz', 'c1', 5)).toThrow(
    expect.objectContaining({ code: 'AGENT_NOT_FOUND', httpStatus: 404 }),
  );
  expect(router.enqueue(chat('c2'), 6).agentId).toBe('a');
  router.tick(6 + 10_000); // c2's offer times out: released, re-queued, a is skipped for it
  expect(router.agent('a')?.load).toBe(1);
  expect(router.state('c2')?.state).toBe('waiting');
  expect(router.decisions('c2').map((d) => d.kind)).toEqual(['offered', 'offer-timeout', 'requeued']);
  expect(() => router.upsertAgent({ id: 'a', name: 'A', skills: [], languages: ['en'], capacity: 0 }, 7)).toThrow(
    expect.objectContaining({ code: 'VALIDATION_FAILED' }),
  );
});

test('disconnect grace: offers revoked at once, conversations kept for the grace period, re-queued after it', () => {
  const router = new Router({ disconnectGraceMs: 60_000 });
  const events = recordEvents(router);
  for (const id of ['a', 'b']) {
    router.upsertAgent({ id, name: id, skills: [{ skill: 'billing', level: 3 }], languages: ['en'], capacity: 1 }, 0);
  }
  router.setStatus('a', 'online', 0);
  const item = (id: string) => ({
    conversationId: id,
    customerId: 'u',
    channel: 'webchat' as const,
    urgency: 5,
    intent: 'get_refund',
    language: 'en',
  });
  router.enqueue(item('c1'), 1);
  router.accept('a', 'c1', 2);
  router.agentDisconnected('a', 10);
  router.agentReconnected('a', 50_000); // back in time: keeps c1
  router.tick(200_000);
  expect(router.customerMessage('c1')).toEqual({ agentId: 'a' });
  router.agentDisconnected('a', 200_000);
  router.setStatus('b', 'online', 200_000);
  router.tick(260_001);
  expect(router.agent('a')?.status).toBe('offline');
  expect(router.agent('a')?.conversations).toEqual([]);
  expect(router.state('c1')).toMatchObject({ state: 'offered', agentId: 'b' });
  expect(events.some((e) => e.type === 'unassigned' && e.reason === 'agent-disconnected')).toBe(true);
});

test('transfer: to a named agent (directed offer) or to another skill (re-queued, the sender skipped)', () => {
  const router = new Router();
  for (const [id, skill] of [
    ['a', 'billing'],
    ['b', 'technical'],
    ['c', 'billing'],
  ] as const) {
    router.upsertAgent({ id, name: id, skills: [{ skill, level: 3 }], languages: ['en'], capacity: 2 }, 0);
    router.setStatus(id, 'online', 0);
  }
  const d = router.enqueue(
    { conversationId: 'x', customerId: 'u', channel: 'email', urgency: 5, intent: 'get_refund', language: 'en' },
    1,
  );
  router.accept(d.agentId as string, 'x', 2);
  const from = d.agentId as string;
  expect(router.transfer(from, 'x', { skill: 'technical' }, 3).kind).toBe('transferred');
  expect(router.state('x')).toMatchObject({ state: 'offered', agentId: 'b' });
  router.accept('b', 'x', 4);
  router.transfer('b', 'x', { agentId: 'c' }, 5);
  const last = router.decisions('x').at(-1);
  expect(last).toMatchObject({ kind: 'offered', agentId: 'c', directed: true });
  expect(() => router.transfer('b', 'x', { agentId: 'a' }, 6)).toThrow(
    expect.objectContaining({ code: 'NOT_ASSIGNED' }),
  );
});
