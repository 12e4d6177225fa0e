// Email adapter end to end: a real nodemailer SMTP transport delivers to a real smtp-server on 127.0.0.1, and what
// arrived is parsed with mailparser to check the threading headers (Message-ID, In-Reply-To, References), the subject,
// the bodies and attachments; SMTP 4xx/5xx replies and connection failures are classified.
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import {
  createEmailAdapter,
  emailMessageId,
  replyReferences,
  replySubject,
  type EmailConfig,
  type OutboundAdapter,
} from '../../../src/transport/outbound/index.js';
import { outboundMessage, sendFailure } from './fixtures.js';
import { closedPortUrl, startProviderServer, type ProviderServer } from './provider-server.js';

const CONFIG: EmailConfig = { from: { address: 'support@omnicx.example.com', name: 'OmniCX Support' } };
const CUSTOMER = 'ada@customer.test';

interface SmtpStub {
  port: number;
  received: ParsedMail[];
  /** Per test: an SMTP reply code to refuse recipients with (e.g. 450, 550), or undefined to accept. */
  refuseWith?: number;
  close(): Promise<void>;
}

async function startSmtp(): Promise<SmtpStub> {
  const stub: SmtpStub = { port: 0, received: [], close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (stub.refuseWith === undefined) return callback();
      const error = Object.assign(
        new Error(stub.refuseWith >= 500 ? 'Mailbox unavailable' : 'Mailbox busy, try later'),
        {
          responseCode: stub.refuseWith,
        },
      );
      callback(error);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          stub.received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.port = (server.server.address() as AddressInfo).port;
  stub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return stub;
}

function transportTo(port: number, timeouts = 5000) {
  return createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: timeouts,
    greetingTimeout: timeouts,
    socketTimeout: timeouts,
  });
}

describe('threading helpers', () => {
  test('References: the parent chain then the parent, each id once, brackets normalized', () => {
    expect(replyReferences(['<a@x>', '<b@x> <a@x>', 'c@x'], '<b@x>')).toEqual(['<a@x>', '<c@x>', '<b@x>']);
    expect(replyReferences([], 'p@x')).toEqual(['<p@x>']);
    expect(replyReferences(['<a@x>'], undefined)).toEqual(['<a@x>']);
  });

  test('subject gets one "Re: "', () => {
    expect(replySubject('Order #1234', 'fallback')).toBe('Re: Order #1234');
    expect(replySubject('RE: Order', 'fallback')).toBe('RE: Order');
    expect(replySubject('re:Order', 'fallback')).toBe('re:Order');
    expect(replySubject(undefined, 'Your request')).toBe('Your request');
  });

  test('Message-ID is stable per outbox id and always a valid msg-id', () => {
    expect(emailMessageId('out_0m5x2k9a1AbCdEfGhIjKlMn', 'omnicx.example.com')).toBe(
      '<out_0m5x2k9a1AbCdEfGhIjKlMn@omnicx.example.com>',
    );
    expect(emailMessageId('a b<c>@é', 'd.test')).toBe('<a=20b=3Cc=3E=40=C3=A9@d.test>');
  });
});

describe('email adapter over real SMTP', () => {
  let smtp: SmtpStub;
  let files: ProviderServer;
  let email: OutboundAdapter;

  beforeAll(async () => {
    smtp = await startSmtp();
    files = await startProviderServer((request) =>
      request.path === '/receipt.pdf' ? { status: 200, body: '%PDF-1.4 receipt' } : { status: 404, body: 'not found' },
    );
  });
  afterAll(async () => {
    await smtp.close();
    await files.close();
  });
  beforeEach(() => {
    smtp.received.length = 0;
    smtp.refuseWith = undefined;
    email = createEmailAdapter(CONFIG, transportTo(smtp.port));
  });

  test('a reply threads: Message-ID from the outbox id, In-Reply-To, References, Re: subject, text and HTML', async () => {
    const message = outboundMessage(
      'email',
      CUSTOMER,
      { type: 'text', text: 'Hello Ada,\n\nyour order <#1234> & invoice are on the way.\nRegards' },
      {
        email: {
          subject: 'Order #1234',
          inReplyTo: '<cust-2@mail.customer.test>',
          references: ['<cust-0@mail.customer.test> <cust-1@mail.customer.test>', '<cust-2@mail.customer.test>'],
        },
      },
    );
    const result = await email.send(message);

    const messageId = `<${message.id}@omnicx.example.com>`;
    expect(result).toEqual({ providerMessageIds: [messageId], details: { messageId } });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0] as ParsedMail;
    expect(mail.messageId).toBe(messageId);
    expect(mail.inReplyTo).toBe('<cust-2@mail.customer.test>');
    expect(mail.references).toEqual([
      '<cust-0@mail.customer.test>',
      '<cust-1@mail.customer.test>',
      '<cust-2@mail.customer.test>',
    ]);
    expect(mail.subject).toBe('Re: Order #1234');
    expect(mail.from?.value).toEqual([{ address: 'support@omnicx.example.com', name: 'OmniCX Support' }]);
    expect(mail.text?.trim()).toBe('Hello Ada,\n\nyour order <#1234> & invoice are on the way.\nRegards');
    expect(mail.html).toContain('<p>Hello Ada,</p>');
    expect(mail.html).toContain('your order &#60;#1234&#62; &#38; invoice are on the way.<br>');
  });

  test('a retried send carries the same Message-ID (the receiving side can dedupe)', async () => {
    const message = outboundMessage(
      'email',
      CUSTOMER,
      { type: 'text', text: 'Once' },
      { email: { subject: 'Re: Hi' } },
    );
    await email.send(message);
    await email.send(message);
    expect(smtp.received.map((m) => m.messageId)).toEqual([
      `<${message.id}@omnicx.example.com>`,
      `<${message.id}@omnicx.example.com>`,
    ]);
    expect(smtp.received[0]?.subject).toBe('Re: Hi');
    expect(smtp.received[0]?.inReplyTo).toBeUndefined();
  });

  test('media goes as an attachment fetched from its URL, the caption as the body', async () => {
    await email.send(
      outboundMessage('email', CUSTOMER, {
        type: 'media',
        mediaKind: 'document',
        url: `${files.baseUrl}/receipt.pdf`,
        caption: 'Your receipt is attached.',
        fileName: 'receipt.pdf',
      }),
    );
    const mail = smtp.received[0] as ParsedMail;
    expect(mail.text?.trim()).toBe('Your receipt is attached.');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString('utf8')])).toEqual([
      ['receipt.pdf', '%PDF-1.4 receipt'],
    ]);
  });

  test('a template cannot be emailed', async () => {
    const error = await sendFailure(
      email,
      outboundMessage('email', CUSTOMER, { type: 'template', name: 't', language: 'en', parameters: [] }),
    );
    expect(error).toMatchObject({ retryable: false, providerCode: 'UNSUPPORTED_CONTENT' });
  });

  test('SMTP 450 (transient) is retryable, 550 (permanent) is not', async () => {
    const text = () => outboundMessage('email', CUSTOMER, { type: 'text', text: 'Hi' });
    smtp.refuseWith = 450;
    expect(await sendFailure(email, text())).toMatchObject({ retryable: true, providerCode: '450' });
    smtp.refuseWith = 550;
    expect(await sendFailure(email, text())).toMatchObject({ retryable: false, providerCode: '550' });
    expect(smtp.received).toHaveLength(0);
  });

  test('connection refused and a server that never greets are retryable', async () => {
    const text = () => outboundMessage('email', CUSTOMER, { type: 'text', text: 'Hi' });
    const closedPort = Number(new URL(await closedPortUrl()).port);
    const refused = await sendFailure(createEmailAdapter(CONFIG, transportTo(closedPort)), text());
    expect(refused).toMatchObject({ retryable: true, providerCode: 'ESOCKET' });
    expect(refused.message).toContain('ECONNREFUSED');

    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const timedOut = await sendFailure(createEmailAdapter(CONFIG, transportTo(port, 300)), text());
      expect(timedOut).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
