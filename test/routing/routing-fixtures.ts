// Shared generators and helpers for the routing tests: agents and work items over a small skill × language space
// (so matches and mismatches both happen), and a recorder of router events.
import fc from 'fast-check';
import type { ChannelType } from '../../src/domain/channel.js';
import type { AgentProfile, Router, RouterEvent, WorkItem } from '../../src/routing/index.js';

export const SKILLS = ['billing', 'orders', 'technical'] as const;
export const LANGS = ['en', 'es', 'fr'] as const;
export const INTENT_FOR_SKILL: Record<string, string> = {
  billing: 'get_refund',
  orders: 'cancel_order',
  technical: 'technical_issue',
};

export const agentArb = (id: string): fc.Arbitrary<AgentProfile> =>
  fc
    .record({
      skills: fc.uniqueArray(fc.record({ skill: fc.constantFrom(...SKILLS), level: fc.integer({ min: 1, max: 5 }) }), {
        minLength: 1,
        maxLength: 3,
        selector: (s) => s.skill,
      }),
      languages: fc.uniqueArray(fc.constantFrom(...LANGS), { minLength: 1, maxLength: 2 }),
      capacity: fc.integer({ min: 1, max: 6 }),
      voiceWeight: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    })
    .map(({ skills, languages, capacity, voiceWeight }) => ({
      id,
      name: `Agent ${id}`,
      skills,
      languages,
      capacity,
      ...(voiceWeight === undefined ? {} : { channelWeights: { voice: voiceWeight } }),
    }));

export const channelArb: fc.Arbitrary<ChannelType> = fc.constantFrom('webchat', 'whatsapp', 'email', 'voice', 'sms');

export const itemArb = (conversationId: string, customers = 6): fc.Arbitrary<WorkItem> =>
  fc
    .record({
      customer: fc.integer({ min: 0, max: customers - 1 }),
      channel: channelArb,
      urgency: fc.integer({ min: 1, max: 10 }),
      skill: fc.constantFrom(...SKILLS),
      language: fc.constantFrom(...LANGS, 'und'),
    })
    .map(({ customer, channel, urgency, skill, language }) => ({
      conversationId,
      customerId: `cus-${customer}`,
      channel,
      urgency,
      intent: INTENT_FOR_SKILL[skill] as string,
      language,
    }));

export function recordEvents(router: Router): RouterEvent[] {
  const events: RouterEvent[] = [];
  router.onEvent((e) => events.push(e));
  return events;
}

/** Checks the capacity and exclusivity invariants over the router's public views; throws on a violation. */
export function checkInvariants(router: Router): void {
  const holder = new Map<string, string>();
  for (const a of router.agents()) {
    if (a.load > a.capacity + 1e-9) throw new Error(`agent ${a.id} load ${a.load} > capacity ${a.capacity}`);
    if (a.load < -1e-9) throw new Error(`agent ${a.id} negative load ${a.load}`);
    for (const c of [...a.offers, ...a.conversations]) {
      const other = holder.get(c);
      if (other !== undefined) throw new Error(`${c} held by ${other} and ${a.id}`);
      holder.set(c, a.id);
      const s = router.state(c);
      if (s === undefined || s.agentId !== a.id)
        throw new Error(`${c} on agent ${a.id} but router says ${JSON.stringify(s)}`);
      const expected = a.offers.includes(c) ? 'offered' : 'assigned';
      if (s.state !== expected) throw new Error(`${c} is ${s.state}, agent ${a.id} lists it as ${expected}`);
    }
  }
}
