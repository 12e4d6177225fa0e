// Email ingress over real SMTP: nodemailer sends to the node's smtp-server on 127.0.0.1; mails are parsed, stored
// with their threading headers and attachments, deduplicated by Message-ID, and replies thread into the same
// conversation, also from another address when they reference an earlier mail.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import pino from 'pino';
import type { ConversationWithMessages, CustomerProfile, MediaRef } from '../../../src/domain/index.js';
import { OmniNode } from '../../../src/node.js';
import { getJson } from '../../helpers/http.js';
import { testConfig } from '../../helpers/test-config.js';
import { makeTempDir, removeDir } from '../../helpers/temp-dir.js';

let node: OmniNode;
let dir: string;
let base: string;
let transport: Transporter;

beforeAll(async () => {
  dir = makeTempDir();
  node = new OmniNode(testConfig(dir), pino({ level: 'silent' }));
  await node.start();
  base = `http://127.0.0.1:${node.port}`;
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: node.smtpPort, secure: false, ignoreTLS: true });
});
afterAll(async () => {
  transport.close();
  await node.stop();
  removeDir(dir);
});

async function lookup(
  messageId: string,
): Promise<{ conversationId: string; customerId: string; seq: number; id: string }> {
  const res = await getJson<{ conversationId: string; customerId: string; seq: number; id: string }>(
    base,
    `/v1/messages?channel=email&providerMessageId=${encodeURIComponent(messageId)}`,
  );
  expect(res.status).toBe(200);
  return res.body;
}

async function conversation(id: string): Promise<ConversationWithMessages> {
  return (await getJson<ConversationWithMessages>(base, `/v1/conversations/${id}`)).body;
}

test('a plain mail is stored with sender, name, subject, body and threading headers', async () => {
  const info = await transport.sendMail({
    from: '"Zoë Müller" <Zoe.Mueller@Example.org>',
    to: 'support@omnicx.local',
    subject: 'Rückerstattung für Bestellung #4711 — bitte 🙏',
    text: 'Guten Tag,\nich möchte meine Bestellung #4711 zurückgeben. Ümlaute & “quotes” survive quoted-printable.',
  });
  const ref = await lookup(info.messageId);
  const stored = (await conversation(ref.conversationId)).messages.find((m) => m.seq === ref.seq)!;
  expect(stored.channel).toBe('email');
  expect(stored.sender).toMatchObject({ kind: 'customer', address: 'zoe.mueller@example.org', name: 'Zoë Müller' });
  expect(stored.content).toEqual({
    type: 'text',
    text: 'Guten Tag,\nich möchte meine Bestellung #4711 zurückgeben. Ümlaute & “quotes” survive quoted-printable.',
  });
  expect(stored.metadata.email).toMatchObject({
    subject: 'Rückerstattung für Bestellung #4711 — bitte 🙏',
    messageId: info.messageId,
  });
  expect(stored.metadata.to).toEqual(['support@omnicx.local']);
  const customer = (await getJson<CustomerProfile>(base, `/v1/customers/${ref.customerId}`)).body;
  expect(customer.identities).toEqual([{ kind: 'email', value: 'zoe.mueller@example.org' }]);
  expect(customer.name).toBe('Zoë Müller');
});

test('HTML-only and multipart mails with attachments; attachments are stored once by content hash', async () => {
  const pdf = Buffer.from('%PDF-1.4 fake invoice bytes for the test');
  const html = await transport.sendMail({
    from: 'html@example.com',
    to: 'support@omnicx.local',
    subject: 'HTML only',
    html: '<p>Hello <b>team</b>,</p><p>my invoice is wrong &amp; late.<br>Thanks</p><script>alert(1)</script>',
  });
  const htmlRef = await lookup(html.messageId);
  const htmlMessage = (await conversation(htmlRef.conversationId)).messages.find((m) => m.seq === htmlRef.seq)!;
  expect(htmlMessage.content).toEqual({ type: 'text', text: 'Hello team,\n\nmy invoice is wrong & late.\nThanks' });

  const sends = await Promise.all(
    ['first', 'second'].map((label) =>
      transport.sendMail({
        from: 'attach@example.com',
        to: 'support@omnicx.local',
        subject: `Invoice (${label})`,
        text: 'See attached.',
        html: '<p>See attached.</p>',
        attachments: [{ filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' }],
      }),
    ),
  );
  const refs = await Promise.all(sends.map((s) => lookup(s.messageId)));
  const messages = (await conversation(refs[0]!.conversationId)).messages;
  const attachments = messages.map((m) => (m.metadata.attachments as unknown as MediaRef[])[0]!);
  expect(attachments[0]).toMatchObject({ mimeType: 'application/pdf', size: pdf.length, fileName: 'invoice.pdf' });
  expect(attachments[1]!.sha256).toBe(attachments[0]!.sha256);
  const file = path.join(dir, 'data', 'media', attachments[0]!.sha256.slice(0, 2), attachments[0]!.sha256);
  expect(readFileSync(file).equals(pdf)).toBe(true);
});

test('replies thread into the same conversation: by address, and by References from another address', async () => {
  const first = await transport.sendMail({
    from: 'thread@example.com',
    to: 'support@omnicx.local',
    subject: 'Broken login',
    text: 'I cannot log in.',
  });
  const reply = await transport.sendMail({
    from: 'thread@example.com',
    to: 'support@omnicx.local',
    subject: 'Re: Broken login',
    text: 'Still broken.',
    inReplyTo: first.messageId,
    references: [first.messageId],
  });
  const colleague = await transport.sendMail({
    from: 'colleague@example.com',
    to: 'support@omnicx.local',
    subject: 'Re: Broken login',
    text: 'Same here, I am on the same account.',
    inReplyTo: reply.messageId,
    references: [first.messageId, reply.messageId],
  });
  const [a, b, c] = await Promise.all([lookup(first.messageId), lookup(reply.messageId), lookup(colleague.messageId)]);
  expect(b.conversationId).toBe(a.conversationId);
  expect(c.conversationId).toBe(a.conversationId);
  expect(c.customerId).toBe(a.customerId);
  const stored = (await conversation(a.conversationId)).messages;
  expect(stored.map((m) => m.seq)).toEqual([1, 2, 3]);
  expect(stored[2]!.metadata.email).toMatchObject({
    inReplyTo: reply.messageId,
    references: [first.messageId, reply.messageId],
  });
});

test('a mail delivered twice (same Message-ID) is stored once; an oversized mail is refused permanently', async () => {
  const raw = [
    'From: twice@example.com',
    'To: support@omnicx.local',
    'Subject: =?UTF-8?B?RG9wcGVsdCDDvGJlcnRyYWdlbg==?=',
    'Message-ID: <retry-1@example.com>',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Zweimal zugestellt, einmal gespeichert: gr=C3=BC=C3=9Fe',
    '',
  ].join('\r\n');
  for (let i = 0; i < 2; i++)
    await transport.sendMail({ envelope: { from: 'twice@example.com', to: ['support@omnicx.local'] }, raw });
  const ref = await lookup('<retry-1@example.com>');
  expect((await lookup('retry-1@example.com')).id).toBe(ref.id);
  const stored = (await conversation(ref.conversationId)).messages;
  expect(stored).toHaveLength(1);
  expect(stored[0]!.content).toEqual({ type: 'text', text: 'Zweimal zugestellt, einmal gespeichert: grüße' });
  expect(stored[0]!.metadata.email).toMatchObject({ subject: 'Doppelt übertragen' });

  await expect(
    transport.sendMail({
      from: 'big@example.com',
      to: 'support@omnicx.local',
      subject: 'big',
      text: 'x'.repeat(26 * 1024 * 1024),
    }),
  ).rejects.toMatchObject({ responseCode: 552 });
});
