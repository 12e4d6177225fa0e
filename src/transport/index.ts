// Public surface of the transport layer.
export { HttpServer, type HttpServerOptions } from './http-server.js';
export { TenantResolver, type TenantCredentials } from './tenant-auth.js';
export { parseMessageRequest, parseTimestamp } from './message-request.js';
