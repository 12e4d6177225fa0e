// Agent assist (Requirement 8): up to three recommended actions for the conversation in front of an agent, each
// with a confidence in [0, 1], from the context — intent, sentiment, entities, urgency, the customer's history of
// resolutions — plus proactive suggestions (refund, escalation, follow-up) when their triggers hold. Every selection
// and outcome the desk reports is logged, and outcomes feed the confidences:
//   confidence = (prior·K + successes) / (K + trials), K = 4
// per (intent, action) — a Laplace-style smoothing towards the contextual prior, so a success always raises the
// confidence of that action for that intent and a failure always lowers it. Proactive suggestions whose trigger
// holds are always among the three; the rest are filled by confidence; the list is sorted by confidence.
import type { ActionLogEntry, RecommendationContext, RecommendedAction } from './routing-types.js';

const PRIOR_WEIGHT = 4;
export const MAX_RECOMMENDATIONS = 3;

export const ACTION_LABELS: Readonly<Record<string, string>> = {
  offer_refund: 'Offer a refund',
  escalate_to_supervisor: 'Escalate to a supervisor',
  schedule_follow_up: 'Schedule a follow-up',
  check_refund_status: 'Check the refund status',
  explain_refund_policy: 'Explain the refund policy',
  check_payment_status: 'Check the payment status',
  send_invoice: 'Send the invoice',
  explain_payment_methods: 'Explain payment methods',
  explain_cancellation_fee: 'Explain the cancellation fee',
  cancel_order: 'Cancel the order',
  modify_order: 'Modify the order',
  place_order_for_customer: 'Place the order for the customer',
  send_tracking_link: 'Send the tracking link',
  check_order_status: 'Check the order status',
  update_shipping_address: 'Update the shipping address',
  explain_delivery_options: 'Explain delivery options',
  send_password_reset: 'Send a password reset link',
  verify_identity: 'Verify the customer’s identity',
  update_account: 'Update the account',
  create_account_for_customer: 'Create the account',
  delete_account: 'Delete the account',
  manage_subscription: 'Manage the newsletter subscription',
  troubleshoot: 'Walk through troubleshooting',
  create_ticket: 'Open a technical ticket',
  apologize: 'Apologize and acknowledge',
  offer_compensation: 'Offer compensation',
  send_kb_article: 'Send a knowledge-base article',
  ask_clarifying_question: 'Ask a clarifying question',
  thank_customer: 'Thank the customer',
};

const INTENT_ACTIONS: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>> = {
  get_refund: [
    ['check_refund_status', 0.6],
    ['explain_refund_policy', 0.5],
  ],
  track_refund: [
    ['check_refund_status', 0.75],
    ['explain_refund_policy', 0.4],
  ],
  check_refund_policy: [
    ['explain_refund_policy', 0.8],
    ['send_kb_article', 0.5],
  ],
  payment_issue: [
    ['check_payment_status', 0.7],
    ['explain_payment_methods', 0.4],
  ],
  check_payment_methods: [
    ['explain_payment_methods', 0.8],
    ['send_kb_article', 0.5],
  ],
  check_invoice: [
    ['send_invoice', 0.75],
    ['check_payment_status', 0.4],
  ],
  get_invoice: [
    ['send_invoice', 0.85],
    ['check_payment_status', 0.3],
  ],
  check_cancellation_fee: [
    ['explain_cancellation_fee', 0.8],
    ['cancel_order', 0.35],
  ],
  cancel_order: [
    ['cancel_order', 0.75],
    ['modify_order', 0.35],
  ],
  change_order: [
    ['modify_order', 0.75],
    ['check_order_status', 0.4],
  ],
  place_order: [
    ['place_order_for_customer', 0.65],
    ['send_kb_article', 0.4],
  ],
  track_order: [
    ['send_tracking_link', 0.8],
    ['check_order_status', 0.6],
  ],
  delivery_period: [
    ['check_order_status', 0.65],
    ['explain_delivery_options', 0.5],
  ],
  delivery_options: [
    ['explain_delivery_options', 0.8],
    ['send_kb_article', 0.45],
  ],
  change_shipping_address: [
    ['update_shipping_address', 0.8],
    ['check_order_status', 0.4],
  ],
  set_up_shipping_address: [
    ['update_shipping_address', 0.8],
    ['send_kb_article', 0.4],
  ],
  recover_password: [
    ['send_password_reset', 0.85],
    ['verify_identity', 0.5],
  ],
  registration_problems: [
    ['create_account_for_customer', 0.55],
    ['troubleshoot', 0.5],
  ],
  create_account: [
    ['create_account_for_customer', 0.7],
    ['send_kb_article', 0.45],
  ],
  edit_account: [
    ['update_account', 0.75],
    ['verify_identity', 0.5],
  ],
  switch_account: [
    ['update_account', 0.6],
    ['verify_identity', 0.5],
  ],
  delete_account: [
    ['verify_identity', 0.7],
    ['delete_account', 0.6],
  ],
  newsletter_subscription: [
    ['manage_subscription', 0.85],
    ['send_kb_article', 0.3],
  ],
  technical_issue: [
    ['troubleshoot', 0.7],
    ['create_ticket', 0.55],
  ],
  complaint: [
    ['apologize', 0.7],
    ['offer_compensation', 0.45],
  ],
  review: [
    ['thank_customer', 0.7],
    ['apologize', 0.3],
  ],
  contact_human_agent: [
    ['ask_clarifying_question', 0.6],
    ['apologize', 0.4],
  ],
  contact_customer_service: [
    ['ask_clarifying_question', 0.6],
    ['send_kb_article', 0.4],
  ],
};

const FALLBACK_ACTIONS: ReadonlyArray<readonly [string, number]> = [
  ['ask_clarifying_question', 0.55],
  ['send_kb_article', 0.45],
];

/** Intents for which a refund can be the remedy (with a money or order entity). */
export const REFUND_INTENTS: ReadonlySet<string> = new Set([
  'get_refund',
  'track_refund',
  'check_refund_policy',
  'payment_issue',
  'cancel_order',
  'check_cancellation_fee',
  'complaint',
]);

/** The actions an intent's table suggests (before context and proactive suggestions). */
export function actionsForIntent(intent: string): string[] {
  return (INTENT_ACTIONS[intent] ?? FALLBACK_ACTIONS).map(([a]) => a);
}

interface Candidate {
  action: string;
  prior: number;
  proactive: boolean;
  reason: string;
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export class AgentAssist {
  private readonly stats = new Map<string, { trials: number; successes: number }>();
  private readonly log: ActionLogEntry[] = [];

  constructor(
    private readonly maxLogEntries: number,
    private readonly urgentAt: number,
  ) {}

  recommend(ctx: RecommendationContext): RecommendedAction[] {
    const candidates = new Map<string, Candidate>();
    const add = (c: Candidate): void => {
      const existing = candidates.get(c.action);
      if (existing === undefined || c.prior > existing.prior || (c.proactive && !existing.proactive)) {
        candidates.set(c.action, existing === undefined ? c : { ...c, prior: Math.max(c.prior, existing.prior) });
      }
    };
    const known = INTENT_ACTIONS[ctx.intent] !== undefined;
    for (const [action, prior] of INTENT_ACTIONS[ctx.intent] ?? FALLBACK_ACTIONS) {
      add({
        action,
        prior,
        proactive: false,
        reason: known ? `usual remedy for intent ${ctx.intent}` : `intent ${ctx.intent} has no playbook`,
      });
    }

    // Proactive: refund when the intent is about money or an order and the message names one.
    const money = ctx.entities.some((e) => e.type === 'money');
    const order = ctx.entities.some((e) => e.type === 'order_id');
    if (REFUND_INTENTS.has(ctx.intent) && (money || order)) {
      add({
        action: 'offer_refund',
        prior: 0.6 + (money ? 0.15 : 0) + (order ? 0.1 : 0),
        proactive: true,
        reason: `intent ${ctx.intent} with ${[money ? 'an amount' : '', order ? 'an order id' : ''].filter(Boolean).join(' and ')}`,
      });
    }
    // Proactive: escalation when the customer is upset or the matter is urgent.
    const score = Number.isFinite(ctx.sentiment.score) ? ctx.sentiment.score : 0;
    const negative = score <= -0.5 || (ctx.sentiment.label === 'negative' && score < -0.3);
    const urgent = ctx.urgency >= this.urgentAt;
    if (negative || urgent) {
      add({
        action: 'escalate_to_supervisor',
        prior: 0.5 + 0.3 * Math.max(0, -score) + (urgent ? 0.15 : 0),
        proactive: true,
        reason: [negative ? `negative sentiment (${score.toFixed(2)})` : '', urgent ? `urgency ${ctx.urgency}` : '']
          .filter(Boolean)
          .join(', '),
      });
    }
    // Proactive: follow-up when earlier issues are unresolved or the conversation is deteriorating.
    const history = ctx.history ?? [];
    const unresolved = history.filter((h) => !h.resolved).length;
    if (unresolved > 0 || ctx.deteriorating === true) {
      add({
        action: 'schedule_follow_up',
        prior: 0.5 + Math.min(0.3, 0.1 * unresolved) + (ctx.deteriorating === true ? 0.1 : 0),
        proactive: true,
        reason: [
          unresolved > 0 ? `${unresolved} unresolved earlier issue(s)` : '',
          ctx.deteriorating ? 'sentiment deteriorating' : '',
        ]
          .filter(Boolean)
          .join(', '),
      });
    }
    // History of resolutions: what resolved this intent before is more likely to again.
    const tally = new Map<string, number>();
    for (const h of history) {
      if (h.action === undefined || h.intent !== ctx.intent) continue;
      tally.set(h.action, (tally.get(h.action) ?? 0) + (h.resolved ? 1 : -1));
    }
    for (const [action, net] of tally) {
      const c = candidates.get(action);
      if (c !== undefined) {
        c.prior = clamp01(c.prior + Math.max(-0.3, Math.min(0.3, 0.1 * net)));
        if (net > 0) c.reason += `; resolved ${ctx.intent} for this customer before`;
      } else if (net > 0) {
        add({
          action,
          prior: clamp01(0.45 + 0.1 * Math.min(3, net)),
          proactive: false,
          reason: `resolved ${ctx.intent} for this customer before`,
        });
      }
    }

    const scored = [...candidates.values()].map((c) => {
      const s = this.stats.get(statsKey(ctx.intent, c.action));
      const trials = s?.trials ?? 0;
      const successes = s?.successes ?? 0;
      const confidence = clamp01((clamp01(c.prior) * PRIOR_WEIGHT + successes) / (PRIOR_WEIGHT + trials));
      const reason = trials > 0 ? `${c.reason}; ${successes}/${trials} past outcomes succeeded` : c.reason;
      return {
        action: c.action,
        label: ACTION_LABELS[c.action] ?? c.action,
        confidence,
        proactive: c.proactive,
        reason,
      };
    });
    const byConfidence = (a: RecommendedAction, b: RecommendedAction): number =>
      b.confidence - a.confidence || a.action.localeCompare(b.action);
    const proactive = scored.filter((r) => r.proactive).sort(byConfidence);
    const others = scored.filter((r) => !r.proactive).sort(byConfidence);
    return [...proactive, ...others].slice(0, MAX_RECOMMENDATIONS).sort(byConfidence);
  }

  record(entry: ActionLogEntry): void {
    this.log.push(entry);
    if (this.log.length > this.maxLogEntries) this.log.splice(0, this.log.length - this.maxLogEntries);
    if (entry.outcome !== undefined) {
      const key = statsKey(entry.intent, entry.action);
      const s = this.stats.get(key) ?? { trials: 0, successes: 0 };
      s.trials++;
      if (entry.outcome === 'success') s.successes++;
      this.stats.set(key, s);
    }
  }

  entries(conversationId?: string): ActionLogEntry[] {
    return conversationId === undefined ? [...this.log] : this.log.filter((e) => e.conversationId === conversationId);
  }

  /** Outcome statistics of an action for an intent. */
  outcomeStats(intent: string, action: string): { trials: number; successes: number } {
    return { ...(this.stats.get(statsKey(intent, action)) ?? { trials: 0, successes: 0 }) };
  }
}

function statsKey(intent: string, action: string): string {
  return `${intent}\u0000${action}`;
}
