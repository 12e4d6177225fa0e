// AgentActor: one human agent's routing state — profile (skills with levels, languages, capacity, channel weights),
// status and connection, the offers it holds (capacity reserved) and the conversations assigned to it, its
// performance score (EWMA of outcomes) and the customers it served (for continuity). Capacity is only ever changed
// through reserve/convert/release here, and reserve refuses to go over capacity, which is what the router's
// invariant (reserved + assigned ≤ capacity) rests on; the router runs one command at a time, so a check and its
// claim cannot interleave with another.
import type { ChannelType } from '../domain/channel.js';
import type { AgentStatus } from '../domain/agent.js';
import type { AgentProfile, AgentView } from './routing-types.js';

const MAX_CUSTOMERS_REMEMBERED = 10_000;

export class AgentActor {
  name = '';
  skills = new Map<string, number>();
  languages = new Set<string>();
  capacity = 5;
  channelWeights: Partial<Record<ChannelType, number>> = {};
  status: AgentStatus = 'offline';
  connected = true;
  /** Set while the agent is offline or disconnected with conversations: when they are re-queued. */
  graceEndsAt: number | undefined;
  graceToken = 0;
  readonly offers = new Map<string, number>();
  readonly assigned = new Map<string, number>();
  load = 0;
  performanceScore = 0.5;
  /** customerId → last time served, oldest first (bounded). */
  readonly served = new Map<string, number>();
  /** Bumped when skills or languages change, so the index can tell. */
  profileVersion = 0;

  constructor(readonly id: string) {}

  applyProfile(profile: AgentProfile, defaultCapacity: number): void {
    this.name = profile.name;
    this.skills = new Map(profile.skills.map((s) => [s.skill, s.level]));
    this.languages = new Set(profile.languages.map((l) => l.toLowerCase()));
    this.capacity = profile.capacity ?? defaultCapacity;
    this.channelWeights = { ...profile.channelWeights };
    this.profileVersion++;
  }

  /** Online and connected: may receive offers. */
  get available(): boolean {
    return this.status === 'online' && this.connected;
  }

  get free(): number {
    return this.capacity - this.load;
  }

  /** Units a conversation on this channel takes: its weight (default 1, voice = whole capacity), at most capacity. */
  weightFor(channel: ChannelType): number {
    const w = this.channelWeights[channel] ?? (channel === 'voice' ? this.capacity : 1);
    return Math.min(this.capacity, Math.max(0, w));
  }

  reserve(conversationId: string, weight: number): void {
    if (this.load + weight > this.capacity) throw new Error(`agent ${this.id} over capacity`);
    this.offers.set(conversationId, weight);
    this.load += weight;
  }

  /** Offer → assignment: the reserved units stay claimed. */
  convert(conversationId: string): void {
    const weight = this.offers.get(conversationId);
    if (weight === undefined) throw new Error(`agent ${this.id} holds no offer for ${conversationId}`);
    this.offers.delete(conversationId);
    this.assigned.set(conversationId, weight);
  }

  /** Decline, timeout or revocation: the reserved units are freed. */
  releaseOffer(conversationId: string): void {
    const weight = this.offers.get(conversationId);
    if (weight === undefined) return;
    this.offers.delete(conversationId);
    this.load -= weight;
    if (this.offers.size === 0 && this.assigned.size === 0) this.load = 0; // no floating-point residue
  }

  releaseAssigned(conversationId: string): void {
    const weight = this.assigned.get(conversationId);
    if (weight === undefined) return;
    this.assigned.delete(conversationId);
    this.load -= weight;
    if (this.offers.size === 0 && this.assigned.size === 0) this.load = 0;
  }

  rememberCustomer(customerId: string, now: number): void {
    this.served.delete(customerId);
    this.served.set(customerId, now);
    if (this.served.size > MAX_CUSTOMERS_REMEMBERED) {
      const oldest = this.served.keys().next().value;
      if (oldest !== undefined) this.served.delete(oldest);
    }
  }

  /** EWMA over outcomes in [0, 1]: resolution counts 60 %, CSAT (1-5, scaled) 40 % (resolution alone if no CSAT). */
  recordOutcome(outcome: { resolved: boolean; csat?: number }, alpha: number): void {
    const resolved = outcome.resolved ? 1 : 0;
    const csat =
      outcome.csat === undefined || !Number.isFinite(outcome.csat)
        ? resolved
        : (Math.min(5, Math.max(1, outcome.csat)) - 1) / 4;
    const value = 0.6 * resolved + 0.4 * csat;
    this.performanceScore = Math.min(1, Math.max(0, (1 - alpha) * this.performanceScore + alpha * value));
  }

  view(): AgentView {
    const view: AgentView = {
      id: this.id,
      name: this.name,
      status: this.status,
      connected: this.connected,
      skills: [...this.skills].map(([skill, level]) => ({ skill, level })),
      languages: [...this.languages],
      capacity: this.capacity,
      load: this.load,
      conversations: [...this.assigned.keys()],
      offers: [...this.offers.keys()],
      performanceScore: this.performanceScore,
      customersServed: this.served.size,
    };
    if (this.graceEndsAt !== undefined) view.graceEndsAt = this.graceEndsAt;
    return view;
  }
}
