// Public surface of outbound delivery: the adapter contract, one factory per channel, the pure helpers other layers
// and tests may reuse (text splitting, SMS segments, TwiML, email threading), and the delivery engine that drives them.
export * from './outbound-adapter.js';
export * from './content-errors.js';
export * from './delivery-backoff.js';
export * from './delivery-engine.js';
export * from './email.js';
export * from './graph-api.js';
export * from './keep-alive-http-client.js';
export * from './meta-send.js';
export * from './provider-http.js';
export * from './send-parts.js';
export * from './service-window.js';
export * from './sms-segments.js';
export * from './telegram.js';
export * from './text-split.js';
export * from './twilio-rest.js';
export * from './twilio-sms.js';
export * from './voice.js';
export * from './webchat.js';
export * from './whatsapp.js';
