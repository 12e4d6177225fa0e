// Urgency 1-10 (Requirement 5): a transparent additive score over sentiment, intent, the customer's value tier, time
// sensitivity and repeat contacts, clamped to [1, 10], with VIP +2 applied last (and clamped again) so that a VIP is
// always exactly two points above the same message from a regular customer, unless the ceiling stops it. Additive
// points rather than a learned model because every routing decision must be explainable to a supervisor, and the
// factors are returned with the score.
import type {
  ExtractedEntity,
  SentimentLabel,
  UrgencyCustomerContext,
  UrgencyFactor,
  UrgencyScore,
  ValueTier,
} from '../../domain/index.js';

export interface UrgencyInput {
  intent: string;
  outOfScope: boolean;
  sentiment: { score: number; label: SentimentLabel };
  /** The conversation's sentiment has dropped by more than 0.3 (Requirement 3.5). */
  deteriorating?: boolean;
  entities: ExtractedEntity[];
  text: string;
  /** Absent when the sender is unknown: a standard, non-VIP customer with no history. */
  customer?: UrgencyCustomerContext;
  /** When the message was received (resolving "today", deadlines). @default Date.now() */
  now?: number;
}

export interface UrgencyPolicy {
  base: number;
  /** Points by intent; intents not listed get 0. */
  intentPoints: Record<string, number>;
  tierPoints: Record<ValueTier, number>;
  vipPoints: number;
  /** Points per earlier same-intent contact in the window, and their cap. */
  repeatPointsEach: number;
  repeatPointsMax: number;
}

export const DEFAULT_URGENCY_POLICY: UrgencyPolicy = {
  base: 3,
  intentPoints: {
    contact_human_agent: 2,
    complaint: 2,
    payment_issue: 2,
    technical_issue: 1,
    cancel_order: 1,
    get_refund: 1,
    track_refund: 1,
    delivery_period: 1,
    track_order: 1,
    recover_password: 1,
    registration_problems: 1,
    change_order: 1,
    change_shipping_address: 1,
    greeting: -1,
    thanks: -1,
    review: -1,
    newsletter_subscription: -1,
  },
  tierPoints: { standard: 0, silver: 0, gold: 1, platinum: 2 },
  vipPoints: 2,
  repeatPointsEach: 1,
  repeatPointsMax: 2,
};

const URGENT_WORDS =
  /\b(?:urgent(?:ly)?|asap|immediately|right now|emergency|straight away|as soon as possible|at once|critical|deadline|today|tonight|now)\b/i;
const DAY_MS = 86_400_000;

/** Time sensitivity: explicit urgency words (+2) or a date/time entity within the next 48 hours (+1). */
function timeSensitivity(text: string, entities: ExtractedEntity[], now: number): UrgencyFactor | undefined {
  const word = URGENT_WORDS.exec(text);
  if (word !== null) return { factor: 'time_sensitivity', points: 2, detail: `says "${word[0].toLowerCase()}"` };
  for (const entity of entities) {
    if (entity.type !== 'datetime' || typeof entity.value !== 'string') continue;
    const at = Date.parse(entity.value);
    if (Number.isFinite(at) && at >= now - DAY_MS && at <= now + 2 * DAY_MS)
      return { factor: 'time_sensitivity', points: 1, detail: `mentions "${entity.text}" (within 48 h)` };
  }
  return undefined;
}

function clamp(score: number): number {
  return Math.min(10, Math.max(1, Math.round(score)));
}

export function scoreUrgency(input: UrgencyInput, policy: UrgencyPolicy = DEFAULT_URGENCY_POLICY): UrgencyScore {
  const now = input.now ?? Date.now();
  const factors: UrgencyFactor[] = [{ factor: 'base', points: policy.base, detail: 'every message' }];
  const { score: s, label } = input.sentiment;
  if (s <= -0.6) factors.push({ factor: 'sentiment', points: 3, detail: `very negative (${s.toFixed(2)})` });
  else if (label === 'negative') factors.push({ factor: 'sentiment', points: 2, detail: `negative (${s.toFixed(2)})` });
  if (input.deteriorating === true)
    factors.push({ factor: 'sentiment', points: 1, detail: 'sentiment deteriorating in this conversation' });
  const intentPoints = input.outOfScope ? 0 : (policy.intentPoints[input.intent] ?? 0);
  if (intentPoints !== 0) factors.push({ factor: 'intent', points: intentPoints, detail: input.intent });
  const customer = input.customer ?? { valueTier: 'standard', vip: false, repeatContacts: 0 };
  const tier = policy.tierPoints[customer.valueTier] ?? 0;
  if (tier !== 0) factors.push({ factor: 'value_tier', points: tier, detail: `${customer.valueTier} customer` });
  const time = timeSensitivity(input.text, input.entities, now);
  if (time !== undefined) factors.push(time);
  if (customer.repeatContacts > 0) {
    const points = Math.min(policy.repeatPointsMax, customer.repeatContacts * policy.repeatPointsEach);
    factors.push({
      factor: 'repeat_contact',
      points,
      detail: `${customer.repeatContacts} earlier contact(s) about ${input.intent} in the repeat window`,
    });
  }
  const raw = factors.reduce((sum, f) => sum + f.points, 0);
  let score = clamp(raw);
  if (score !== raw) factors.push({ factor: 'clamp', points: score - raw, detail: 'clamped to [1, 10]' });
  if (customer.vip) {
    const boosted = clamp(score + policy.vipPoints);
    factors.push({ factor: 'vip', points: boosted - score, detail: `VIP +${policy.vipPoints} (clamped at 10)` });
    score = boosted;
  }
  return { score, factors };
}
