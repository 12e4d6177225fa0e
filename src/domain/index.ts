// Public surface of the shared domain types.
export * from './agent.js';
export * from './analysis.js';
export * from './channel.js';
export * from './conversation.js';
export * from './customer.js';
export * from './errors.js';
export * from './events.js';
export * from './identity.js';
export * from './ids.js';
export * from './intent.js';
export * from './json.js';
export * from './message.js';
export * from './outbound.js';
export * from './sentiment-trend.js';
export * from './tenant.js';
