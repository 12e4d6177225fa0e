// Web chat for website visitors: a socket.io namespace (`/chat`) on the same uWS app. A visitor connects with a
// visitor id (kept by the widget in local storage); each message carries a client message id, is committed before
// it is acknowledged, and is idempotent (a resend after a reconnect is answered with the original ids). Replies to
// the visitor arrive as `message` events in the visitor's room, on every tab they have open.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Namespace, Server } from 'socket.io';
import { z } from 'zod';
import type { ActorGateway, IngestResult } from '../actors/index.js';
import { DEFAULT_TENANT, OmniError } from '../domain/index.js';
import type { NodeMetrics } from '../observability/index.js';

const authSchema = z.object({
  visitorId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'visitorId: 1-128 letters, digits, _ . : -'),
  name: z.string().trim().min(1).max(256).optional(),
  email: z.string().max(320).optional(),
});
const messageSchema = z
  .object({ clientMessageId: z.string().min(1).max(128), text: z.string().min(1).max(65_536) })
  .strict();

export type ChatAck = ({ ok: true } & IngestResult) | { ok: false; error: { code: string; message: string } };

export interface VisitorEvents {
  typing: (visitorId: string, typing: boolean) => void;
}

export class WebChat {
  readonly namespace: Namespace;
  /** Visitor activity other parts (the agent desk) subscribe to. */
  readonly events = new EventEmitter();

  constructor(
    io: Server,
    private readonly gateway: ActorGateway,
    private readonly metrics: NodeMetrics,
    private readonly logger: Logger,
  ) {
    this.namespace = io.of('/chat');
    this.namespace.use((socket, next) => {
      const auth = authSchema.safeParse(socket.handshake.auth);
      if (!auth.success) {
        next(
          Object.assign(new Error(auth.error.issues.map((i) => i.message).join('; ')), {
            data: { code: 'VALIDATION_FAILED' },
          }),
        );
        return;
      }
      socket.data = auth.data;
      next();
    });
    this.namespace.on('connection', (socket) => {
      const visitor = socket.data as z.infer<typeof authSchema>;
      void socket.join(room(visitor.visitorId));
      socket.on('message', (payload: unknown, ack?: (answer: ChatAck) => void) => {
        const reply = typeof ack === 'function' ? ack : () => undefined;
        this.receive(visitor, payload).then(
          (result) => reply({ ok: true, ...result }),
          (error: unknown) => {
            const typed = OmniError.from(error);
            if (typed.httpStatus >= 500 && typed.code !== 'OVERLOADED')
              this.logger.error({ err: error, visitorId: visitor.visitorId }, 'chat message failed');
            reply({ ok: false, error: { code: typed.code, message: typed.message } });
          },
        );
      });
      socket.on('typing', (payload: unknown) => {
        const typing =
          typeof payload === 'object' && payload !== null && (payload as { typing?: unknown }).typing === true;
        this.events.emit('typing', visitor.visitorId, typing);
      });
    });
  }

  private async receive(visitor: z.infer<typeof authSchema>, payload: unknown): Promise<IngestResult> {
    const parsed = messageSchema.safeParse(payload);
    if (!parsed.success) {
      throw new OmniError(
        'VALIDATION_FAILED',
        parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '),
      );
    }
    const result = await this.gateway.ingest(DEFAULT_TENANT, {
      channel: 'webchat',
      from: visitor.visitorId,
      content: { type: 'text', text: parsed.data.text },
      // Client ids are only unique per visitor.
      providerMessageId: `${visitor.visitorId}:${parsed.data.clientMessageId}`,
      ...(visitor.name === undefined ? {} : { name: visitor.name }),
      ...(visitor.email === undefined ? {} : { email: visitor.email }),
      metadata: { provider: 'webchat', clientMessageId: parsed.data.clientMessageId },
    });
    this.metrics.messagesIngested.inc({ channel: 'webchat', result: result.duplicate ? 'duplicate' : 'stored' });
    return result;
  }

  /** Delivers an event to every connected tab of a visitor; false when none is connected. */
  async emitToVisitor(visitorId: string, event: string, payload: unknown): Promise<boolean> {
    const sockets = await this.namespace.in(room(visitorId)).fetchSockets();
    if (sockets.length === 0) return false;
    this.namespace.to(room(visitorId)).emit(event, payload);
    return true;
  }
}

function room(visitorId: string): string {
  return `visitor:${visitorId}`;
}
