// The customer-service intent taxonomy: Bitext's 27 intents plus the gaps a contact centre needs.
export const BITEXT_INTENTS = [
  'cancel_order',
  'change_order',
  'change_shipping_address',
  'check_cancellation_fee',
  'check_invoice',
  'check_payment_methods',
  'check_refund_policy',
  'complaint',
  'contact_customer_service',
  'contact_human_agent',
  'create_account',
  'delete_account',
  'delivery_options',
  'delivery_period',
  'edit_account',
  'get_invoice',
  'get_refund',
  'newsletter_subscription',
  'payment_issue',
  'place_order',
  'recover_password',
  'registration_problems',
  'review',
  'set_up_shipping_address',
  'switch_account',
  'track_order',
  'track_refund',
] as const;

export const EXTRA_INTENTS = ['technical_issue', 'greeting', 'thanks', 'other'] as const;

export type IntentCategory = (typeof BITEXT_INTENTS)[number] | (typeof EXTRA_INTENTS)[number];

/** The intent that asks for a human (Requirement 10.1). */
export const ESCALATION_INTENT: IntentCategory = 'contact_human_agent';
/** The out-of-scope class (Requirement 2.3). */
export const OUT_OF_SCOPE_INTENT: IntentCategory = 'other';
