// Provider webhooks on the uWS app: each route reads the raw body (bounded), checks the content type, lets the
// channel's adapter verify and normalize it, commits every message durably, records delivery reports, and only then
// answers the provider (2xx), within its timeout. A provider's retry of the same delivery is deduplicated by
// provider message id, so answering 503 on any failure is always safe: nothing acknowledged is ever lost.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { ActorGateway, IngestResult } from '../actors/index.js';
import { OmniError, type TenantId } from '../domain/index.js';
import type { NodeMetrics } from '../observability/index.js';
import type { DeliveryLedger } from '../persistence/index.js';
import type { WebhookRoute } from './channels/index.js';
import type { InboundEvent, WebhookAdapter, WebhookOutcome, WebhookRequest } from './channels/webhook-adapter.js';
import { readBody, sendError, sendRaw, watch } from './http-io.js';

export interface WebhookRoutesOptions {
  routes: WebhookRoute[];
  /** Paths of channels without credentials: answered 404 CHANNEL_NOT_CONFIGURED. */
  unconfigured: string[];
  gateway: ActorGateway;
  deliveries: DeliveryLedger;
  /** PUBLIC_URL: the base URL providers call (Twilio signs the full URL). */
  publicUrl: string;
  maxBodyBytes: number;
  metrics: NodeMetrics;
  logger: Logger;
  /** Called with each committed event (media download); awaited before the provider is answered. */
  onCommitted?: (tenant: TenantId, event: InboundEvent, result: IngestResult) => Promise<void>;
  track: (delta: number) => void;
}

export function registerWebhookRoutes(app: TemplatedApp, options: WebhookRoutesOptions): void {
  for (const route of options.routes) {
    for (const method of route.adapter.methods) {
      const register = method === 'GET' ? app.get.bind(app) : app.post.bind(app);
      register(route.path, (res, req) => handleWebhook(route.adapter, route.tenant, method, res, req, options));
    }
  }
  for (const path of options.unconfigured) {
    app.any(path, (res) =>
      sendError(
        res,
        watch(res),
        new OmniError('CHANNEL_NOT_CONFIGURED', `the channel at ${path} has no credentials configured`),
      ),
    );
  }
}

function handleWebhook(
  adapter: WebhookAdapter,
  tenant: TenantId,
  method: 'GET' | 'POST',
  res: HttpResponse,
  req: HttpRequest,
  options: WebhookRoutesOptions,
): void {
  const state = watch(res);
  const started = process.hrtime.bigint();
  // Everything from `req` must be read now: uWS invalidates it when this function returns.
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  });
  const path = req.getUrl();
  const rawQuery = req.getQuery() ?? '';
  const publicUrl = `${options.publicUrl.replace(/\/$/, '')}${path}${rawQuery === '' ? '' : `?${rawQuery}`}`;
  options.track(1);
  const finish = (status: number) => {
    options.track(-1);
    options.metrics.webhooks.inc({ channel: adapter.name, status: String(status) });
    options.metrics.httpDuration.observe(
      { route: `webhook.${adapter.name}` },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  };

  const run = async (): Promise<number> => {
    let rawBody: Buffer = Buffer.alloc(0);
    if (method === 'POST') {
      // Past capacity, refuse before reading and verifying the body: the provider retries, and the node keeps its
      // time for the messages it has taken.
      options.gateway.checkAdmission();
      const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!adapter.contentTypes.includes(mediaType)) {
        throw new OmniError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${adapter.name} webhooks must be ${adapter.contentTypes.join(' or ')}, got "${mediaType || '(none)'}"`,
        );
      }
      rawBody = await readBody(res, headers['content-length'] ?? '', options.maxBodyBytes);
    }
    const request: WebhookRequest = { method, publicUrl, path, query: new URLSearchParams(rawQuery), headers, rawBody };
    const outcome: WebhookOutcome = adapter.handle(request);
    if (outcome.kind === 'respond') {
      sendRaw(res, state, outcome.status, outcome.contentType, outcome.body);
      return outcome.status;
    }
    await commitEvents(tenant, outcome.events, options);
    await Promise.all(
      outcome.statuses.map((s) =>
        options.deliveries.report(
          tenant,
          s.channel,
          s.providerMessageId,
          s.status,
          s.timestamp,
          s.error === undefined ? undefined : { ...s.error },
        ),
      ),
    );
    if (outcome.response !== undefined) sendRaw(res, state, 200, outcome.response.contentType, outcome.response.body);
    else sendRaw(res, state, 200, 'application/json', '{"received":true}');
    return 200;
  };

  run().then(finish, (error: unknown) => {
    const typed = OmniError.from(error);
    // Refusals past capacity are counted (omnicx_ingest_refused_total), not logged one by one: under overload there
    // are thousands a second.
    if (typed.code === 'OVERLOADED') options.logger.debug({ channel: adapter.name }, 'webhook refused: overloaded');
    else if (typed.httpStatus >= 500)
      options.logger.error({ err: error, channel: adapter.name }, 'webhook failed; the provider will retry');
    else options.logger.warn({ channel: adapter.name, code: typed.code, message: typed.message }, 'webhook refused');
    sendError(res, state, typed);
    finish(typed.httpStatus);
  });
}

/**
 * Commits every message of one delivery. Messages of the same sender are stored one after another, in the order
 * the provider listed them; different senders in parallel.
 */
async function commitEvents(tenant: TenantId, events: InboundEvent[], options: WebhookRoutesOptions): Promise<void> {
  const bySender = new Map<string, InboundEvent[]>();
  for (const event of events) {
    const key = `${event.draft.channel}\u0000${event.draft.from}`;
    const list = bySender.get(key);
    if (list === undefined) bySender.set(key, [event]);
    else list.push(event);
  }
  await Promise.all(
    [...bySender.values()].map(async (list) => {
      for (const event of list) {
        const result = await options.gateway.ingest(tenant, event.draft);
        options.metrics.messagesIngested.inc({
          channel: event.draft.channel,
          result: result.duplicate ? 'duplicate' : 'stored',
        });
        if (!result.duplicate) await options.onCommitted?.(tenant, event, result);
      }
    }),
  );
}
