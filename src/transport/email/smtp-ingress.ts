// Email ingress: a real SMTP server (smtp-server). Each mail is parsed (mailparser), its attachments stored once by
// content hash, and the message committed before the server answers 250; any failure answers a temporary 451 so
// the sending MTA retries, and the Message-ID deduplicates the retry. Replies thread into the customer's
// conversation by address, or by In-Reply-To/References when they come from another address.
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { ActorGateway } from '../../actors/index.js';
import { DEFAULT_TENANT, OmniError, type JsonObject, type JsonValue } from '../../domain/index.js';
import type { EmailThreadIndex, MediaStore } from '../../persistence/index.js';
import type { NodeMetrics } from '../../observability/index.js';
import { normalizeMail } from './mail-normalizer.js';

export interface SmtpIngressOptions {
  host: string;
  port: number;
  maxBytes: number;
  gateway: ActorGateway;
  media: MediaStore;
  threads: EmailThreadIndex;
  metrics: NodeMetrics;
  logger: Logger;
}

export class SmtpIngress {
  private readonly server: SMTPServer;
  private boundPort = 0;

  constructor(private readonly options: SmtpIngressOptions) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: options.maxBytes,
      banner: 'OmniCX email ingress',
      logger: false,
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(),
          (error: unknown) => callback(smtpError(error)),
        );
      },
    });
    this.server.on('error', (error) => options.logger.error({ err: error }, 'SMTP ingress error'));
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        const address = this.server.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : this.options.port;
        resolve(this.boundPort);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw new OmniError('PAYLOAD_TOO_LARGE', `message exceeds ${this.options.maxBytes} bytes`);
    const raw = Buffer.concat(chunks);
    const parsed = await simpleParser(raw);
    const mail = normalizeMail(parsed, createHash('sha256').update(raw).digest('hex'));
    // Attachments are stored (durably, once) before the message that references them is committed.
    const stored = await Promise.all(
      mail.attachments.map((a) => this.options.media.put(a.content, a.mimeType, a.fileName)),
    );
    const metadata: JsonObject = {
      ...(mail.draft.metadata ?? {}),
      attachments: stored.map((ref) => ({ ...ref }) as JsonValue),
      envelope: {
        mailFrom: session.envelope.mailFrom === false ? null : session.envelope.mailFrom.address,
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      },
    };
    const preferred = this.options.threads.find(DEFAULT_TENANT, mail.references);
    const result = await this.options.gateway.ingest(
      DEFAULT_TENANT,
      { ...mail.draft, metadata },
      preferred === undefined ? {} : { preferredCustomer: preferred },
    );
    const messageId = (mail.draft.metadata?.email as { messageId?: string } | undefined)?.messageId;
    if (messageId !== undefined) await this.options.threads.record(DEFAULT_TENANT, messageId, result.customerId);
    this.options.metrics.messagesIngested.inc({ channel: 'email', result: result.duplicate ? 'duplicate' : 'stored' });
    this.options.logger.debug(
      { conversationId: result.conversationId, seq: result.seq, duplicate: result.duplicate },
      'mail stored',
    );
  }
}

/** Permanent problems with the mail get a 5xx (the sender must not retry); everything else a temporary 451. */
function smtpError(error: unknown): Error & { responseCode: number } {
  const typed = OmniError.from(error);
  const permanent = typed.httpStatus < 500 && typed.code !== 'SHARD_UNAVAILABLE';
  const out = new Error(`${typed.code}: ${typed.message}`) as Error & { responseCode: number };
  out.responseCode = typed.code === 'PAYLOAD_TOO_LARGE' ? 552 : permanent ? 550 : 451;
  return out;
}
