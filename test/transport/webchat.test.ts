// Web chat over real socket.io clients: visitors connect to /chat on the node's uWS app, messages are acknowledged
// after commit and idempotent by client message id, bad payloads and bad handshakes get stable error codes.
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import type { ConversationWithMessages } from '../../src/domain/index.js';
import { OmniNode } from '../../src/node.js';
import type { ChatAck } from '../../src/transport/webchat.js';
import { getJson } from '../helpers/http.js';
import { testConfig } from '../helpers/test-config.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

let node: OmniNode;
let dir: string;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  node = new OmniNode(testConfig(dir), pino({ level: 'silent' }));
  await node.start();
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await node.stop();
  removeDir(dir);
});

function visitor(auth: Record<string, unknown>, transports: string[] = ['websocket']): Socket {
  const socket = connect(`${base}/chat`, { auth, transports, reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

function send(socket: Socket, payload: unknown): Promise<ChatAck> {
  return new Promise((resolve) => socket.emit('message', payload, resolve));
}

test('a visitor message is acknowledged after commit, and a resend is answered with the original ids', async () => {
  const socket = visitor({ visitorId: 'v-123', name: 'Ana', email: 'ana@example.com' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const first = await send(socket, { clientMessageId: 'c1', text: 'Hi! Do you ship to Portugal? 🇵🇹' });
  expect(first).toMatchObject({ ok: true, seq: 1, duplicate: false });
  const again = await send(socket, { clientMessageId: 'c1', text: 'Hi! Do you ship to Portugal? 🇵🇹' });
  expect(again).toEqual({ ...first, duplicate: true });
  const second = await send(socket, { clientMessageId: 'c2', text: 'And to the Azores?' });
  expect(second).toMatchObject({ ok: true, seq: 2 });
  if (!first.ok) throw new Error('unreachable');
  const conversation = (await getJson<ConversationWithMessages>(base, `/v1/conversations/${first.conversationId}`))
    .body;
  expect(conversation.messages.map((m) => [m.channel, m.content])).toEqual([
    ['webchat', { type: 'text', text: 'Hi! Do you ship to Portugal? 🇵🇹' }],
    ['webchat', { type: 'text', text: 'And to the Azores?' }],
  ]);
  // The email the visitor gave links them to their email identity.
  const customer = (await getJson<{ identities: unknown[] }>(base, `/v1/customers/${first.customerId}`)).body;
  expect(customer.identities).toEqual(expect.arrayContaining([{ kind: 'email', value: 'ana@example.com' }]));
});

test('an agent reply reaches every open tab of the visitor through the outbox', async () => {
  const tabs = [visitor({ visitorId: 'v-reply' }), visitor({ visitorId: 'v-reply' })];
  const ack = await send(tabs[0]!, { clientMessageId: 'q1', text: 'Can I change my delivery address?' });
  if (!ack.ok) throw new Error('not stored');
  const received = tabs.map(
    (tab) => new Promise<{ id: string; text: string }>((resolve) => tab.once('message', resolve)),
  );
  const res = await fetch(`${base}/v1/conversations/${ack.conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Yes — send me the new address.', sender: { kind: 'agent', agentId: 'a1' } }),
  });
  const reply = (await res.json()) as { outboxId: string; channel: string; to: string };
  expect(reply).toMatchObject({ channel: 'webchat', to: 'v-reply' });
  for (const payload of await Promise.all(received))
    expect(payload).toMatchObject({ id: reply.outboxId, text: 'Yes — send me the new address.' });
});

test('long-polling visitors work too', async () => {
  const socket = visitor({ visitorId: 'v-polling' }, ['polling']);
  const ack = await send(socket, { clientMessageId: 'p1', text: 'via polling' });
  expect(ack).toMatchObject({ ok: true, seq: 1 });
});

test('bad payloads and bad handshakes get stable error codes', async () => {
  const socket = visitor({ visitorId: 'v-bad' });
  expect(await send(socket, { text: 'no client id' })).toMatchObject({
    ok: false,
    error: { code: 'VALIDATION_FAILED' },
  });
  expect(await send(socket, { clientMessageId: 'x', text: '' })).toMatchObject({
    ok: false,
    error: { code: 'VALIDATION_FAILED' },
  });
  expect(await send(socket, 'just a string')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  const rejected = visitor({ visitorId: 'has spaces and / slashes' });
  const error = await new Promise<Error & { data?: { code: string } }>((resolve) =>
    rejected.once('connect_error', resolve),
  );
  expect(error.data?.code).toBe('VALIDATION_FAILED');
  // The REST API is unaffected.
  expect((await getJson(base, '/health')).status).toBe(200);
});
