// What the models said about one inbound message, stored with it (issue 4): intents with confidences, the
// out-of-scope and low-confidence flags, sentiment, entities, language, and the urgency computed from all of it
// together with the customer's profile. `status: 'not_analysed'` marks a message stored while inference was down; it
// is analysed when inference recovers.
import type { ValueTier } from './customer.js';

export type EntityType = 'order_id' | 'invoice_id' | 'email' | 'phone' | 'money' | 'datetime' | 'product';

export interface ExtractedEntity {
  type: EntityType;
  /** The matched text and its [start, end) span in the message. */
  text: string;
  start: number;
  end: number;
  /** order/invoice id without '#' or leading zeros; email lower-cased; phone E.164; money {amount, currency}; ISO time. */
  value: string | { amount: number; currency: string };
}

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

/** One factor of an urgency score and the points it added (negative: lowered). */
export interface UrgencyFactor {
  factor: 'base' | 'sentiment' | 'intent' | 'value_tier' | 'time_sensitivity' | 'repeat_contact' | 'vip' | 'clamp';
  points: number;
  detail: string;
}

/** Urgency 1-10 (Requirement 5) with the factors that produced it, so every routing decision can be explained. */
export interface UrgencyScore {
  score: number;
  factors: UrgencyFactor[];
}

/** What urgency needs to know about the customer (absent for an anonymous /v1/analyze call). */
export interface UrgencyCustomerContext {
  valueTier: ValueTier;
  vip: boolean;
  /** Earlier contacts by this customer with the same intent inside the repeat window. */
  repeatContacts: number;
}

export interface MessageAnalysis {
  status: 'analysed';
  /** The top intent (or the out-of-scope class) and its confidence in [0, 1]. */
  intent: string;
  confidence: number;
  lowConfidence: boolean;
  outOfScope: boolean;
  /** Every intent found (per clause), strongest first. */
  intents: Array<{ intent: string; confidence: number }>;
  sentiment: { score: number; label: SentimentLabel };
  entities: ExtractedEntity[];
  language: string;
  urgency: UrgencyScore;
  analysedAt: number;
}

/** Recent intents of a customer: the memory behind "repeat contact" (Requirement 5.4). */
export interface RecentIntent {
  intent: string;
  at: number;
}
