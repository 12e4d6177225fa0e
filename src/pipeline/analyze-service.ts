// POST /v1/analyze: the same analysis every inbound message gets, for integrators and evaluations. With a customerId
// the urgency uses that customer's value tier, VIP flag and repeat contacts (read, not recorded: analysing a text
// does not make it a contact); without one, the customer is treated as a standard customer with no history.
import type { ActorGateway } from '../actors/index.js';
import type { CustomerId, ExtractedEntity, SentimentLabel, TenantId, UrgencyScore } from '../domain/index.js';
import type { InferencePool } from '../inference/index.js';
import { countRepeatContacts, scoreUrgency } from '../inference/urgency/index.js';

export interface AnalyzeResponse {
  intents: Array<{ intent: string; confidence: number }>;
  /** The top intent: the first of `intents` unless the message is out of scope. */
  intent: string;
  confidence: number;
  lowConfidence: boolean;
  outOfScope: boolean;
  sentiment: { score: number; label: SentimentLabel };
  entities: ExtractedEntity[];
  language: string;
  urgency: UrgencyScore;
}

export class AnalyzeService {
  constructor(
    private readonly pool: InferencePool,
    private readonly gateway: ActorGateway,
    private readonly repeatWindowMs: number,
  ) {}

  async analyze(tenant: TenantId, text: string, customerId?: CustomerId): Promise<AnalyzeResponse> {
    const now = Date.now();
    // The profile read runs alongside inference; an unknown customer is an error (404), not silently ignored.
    const [analysis, profile] = await Promise.all([
      this.pool.analyze(text, now),
      customerId === undefined ? undefined : this.gateway.getCustomer(tenant, customerId),
    ]);
    const intent = analysis.intent;
    const customer =
      profile === undefined
        ? undefined
        : {
            valueTier: profile.valueTier,
            vip: profile.vip,
            repeatContacts: intent.outOfScope
              ? 0
              : countRepeatContacts(profile.recentIntents ?? [], intent.label, now, this.repeatWindowMs),
          };
    const sentiment = { score: analysis.sentiment.score, label: analysis.sentiment.label };
    return {
      intents: analysis.intents.map((i) => ({ intent: i.label, confidence: i.confidence })),
      intent: intent.label,
      confidence: intent.confidence,
      lowConfidence: intent.lowConfidence,
      outOfScope: intent.outOfScope,
      sentiment,
      entities: analysis.entities,
      language: analysis.language,
      urgency: scoreUrgency({
        intent: intent.label,
        outOfScope: intent.outOfScope,
        sentiment,
        entities: analysis.entities,
        text,
        ...(customer === undefined ? {} : { customer }),
        now,
      }),
    };
  }
}
