// Public surface of urgency scoring.
export { DEFAULT_URGENCY_POLICY, scoreUrgency, type UrgencyInput, type UrgencyPolicy } from './urgency-scorer.js';
export { countRepeatContacts, rememberIntent, RECENT_INTENTS_KEPT } from './repeat-contacts.js';
