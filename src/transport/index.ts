// Public surface of the transport layer.
export { HttpServer, type HttpServerOptions } from './http-server.js';
export { TenantResolver, type TenantCredentials } from './tenant-auth.js';
export { parseMessageRequest, parseTimestamp } from './message-request.js';
export { DeliveryEngine, type DeliveryEngineOptions } from './outbound/delivery-engine.js';
export {
  DeliveryError,
  type OutboundAdapter,
  type OutboundMessage,
  type SendResult,
} from './outbound/outbound-adapter.js';
export { buildOutboundAdapters, timedFetch } from './outbound-wiring.js';
export { MediaDownloader } from './media/media-downloader.js';
export { buildMediaFetchers } from './media/provider-media.js';
export { buildWebhookAdapters } from './channels/index.js';
export { SmtpIngress } from './email/smtp-ingress.js';
export { WebChat } from './webchat.js';
