/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The agent desk end to end on a real node: uWS + socket.io `/agents` with signed tokens, shard workers, the inference
// worker, LMDB. A customer asks for a human; the conversation is escalated and offered to the matching agent with its
// full context (Property 38); with nobody free the customer is told the expected wait on their own channel
// (Property 39); the agent accepts, gets the customer's messages live, replies (stored and queued for the channel),
// and resolves; decisions are stored with their reasons and queryable.
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { defaultConfig } from '../../src/config/index.js';
import type { ConversationWithMessages } from '../../src/domain/index.js';
import { OmniNode } from '../../src/node.js';
import type { ConversationContext } from '../../src/pipeline/index.js';
import { eventually } from '../helpers/eventually.js';
import { getJson, postJson, type ErrorBody } from '../helpers/http.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

let node: OmniNode;
let dir: string;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  const base0 = defaultConfig();
  node = new OmniNode(
    testConfig(dir, {
      inference: { ...base0.inference, enabled: true },
      routing: { ...base0.routing, offerTimeoutMs: 5_000, disconnectGraceMs: 1_000 },
    }),
    pino({ level: 'silent' }),
  );
  await node.start();
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await node.stop();
  removeDir(dir);
});

interface Offer {
  conversationId: string;
  decision: { kind: string; reasons: string[] };
  context: ConversationContext;
}

async function registerAgent(body: Record<string, unknown>): Promise<string> {
  const res = await postJson<{ token: string; agent: { id: string } }>(base, '/v1/agents', body);
  expect(res.status).toBe(201);
  return res.body.token;
}

function desk(token: string): Promise<Socket> {
  const socket = connect(`${base}/agents`, { auth: { token }, transports: ['websocket'], forceNew: true });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function call<T = Record<string, unknown>>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

function next<T>(socket: Socket, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

test('bad agent tokens are refused with a stable code', async () => {
  const socket = connect(`${base}/agents`, { auth: { token: 'nope' }, transports: ['websocket'], forceNew: true });
  sockets.push(socket);
  const error = await new Promise<{ data?: { code?: string } }>((resolve) => socket.once('connect_error', resolve));
  expect(error.data?.code).toBe('UNAUTHORIZED');
  const bad = await postJson<ErrorBody>(base, '/v1/agents', { id: 'x', name: 'X', skills: [], languages: ['english'] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
});

test('end to end (Property 39 is in test/pipeline/escalation-properties): nobody free, the customer is told the expected wait on their channel', async () => {
  // The tenant has a desk, but its only agent is offline.
  await registerAgent({ id: 'cy', name: 'Cy', skills: [{ skill: 'general', level: 2 }], languages: ['en'] });
  const ack = await postJson<{ conversationId: string }>(base, '/v1/messages', {
    channel: 'sms',
    from: '+447700900601',
    text: 'I want to speak to a human agent now, my order never arrived',
  });
  expect(ack.status).toBe(202);
  const conversation = await eventually(async () => {
    const c = (await getJson<ConversationWithMessages>(base, `/v1/conversations/${ack.body.conversationId}`)).body;
    return c.messages.some((m) => m.direction === 'outbound' && m.metadata.kind === 'wait-estimate') ? c : undefined;
  });
  const notice = conversation.messages.find((m) => m.metadata.kind === 'wait-estimate');
  expect(notice?.channel).toBe('sms');
  expect(notice?.content).toMatchObject({ type: 'text' });
  expect(JSON.stringify(notice?.content)).toMatch(/minute/);
  const queues = (await getJson<{ queues: Array<{ depth: number }> }>(base, '/v1/queues')).body.queues;
  expect(queues.reduce((n, q) => n + q.depth, 0)).toBeGreaterThanOrEqual(1);
});

test('end to end (Property 38 is in test/pipeline/escalation-properties): offer with context, accept, live messages, reply, resolve', async () => {
  const token = await registerAgent({
    id: 'ada',
    name: 'Ada',
    skills: ['orders', 'billing', 'shipping', 'accounts', 'technical', 'general'].map((skill) => ({ skill, level: 4 })),
    languages: ['en'],
  });
  const socket = await desk(token);
  // The waiting conversation from the previous test (and this one) are offered as soon as the agent is online.
  const offered: Offer[] = [];
  socket.on('offer', (o: Offer) => offered.push(o));
  await call(socket, 'status', { status: 'online' });
  const ack = await postJson<{ conversationId: string }>(base, '/v1/messages', {
    channel: 'whatsapp',
    from: '+447700900602',
    text: 'Please let me talk to a real person, I was charged twice for order 55555',
  });
  const offer = await eventually(async () => offered.find((o) => o.conversationId === ack.body.conversationId));
  // Full context: the history, the analysis, the customer profile, bot attempts, decisions with reasons.
  expect(offer.context.conversation.messages.map((m) => m.content)).toEqual([
    { type: 'text', text: 'Please let me talk to a real person, I was charged twice for order 55555' },
  ]);
  expect(offer.context.analysis?.intent).toBeDefined();
  expect(offer.context.customer.id).toBe(offer.context.conversation.customerId);
  expect(typeof offer.context.botAttempts).toBe('number');
  expect(offer.decision.reasons.length).toBeGreaterThan(0);
  expect(offer.context.recommendations.length).toBeLessThanOrEqual(3);

  const accepted = await call<{ ok: boolean; context: ConversationContext }>(socket, 'accept', {
    conversationId: ack.body.conversationId,
  });
  expect(accepted.ok).toBe(true);
  const live = next<{ text: string; conversationId: string }>(socket, 'customer-message');
  await postJson(base, '/v1/messages', { channel: 'whatsapp', from: '+447700900602', text: 'are you there?' });
  expect(await live).toMatchObject({ conversationId: ack.body.conversationId, text: 'are you there?' });

  const reply = await call<{ ok: boolean; reply: { seq: number; channel: string } }>(socket, 'reply', {
    conversationId: ack.body.conversationId,
    text: 'Hi, I am Ada. I see the double charge and I am refunding it now.',
  });
  expect(reply).toMatchObject({ ok: true, reply: { channel: 'whatsapp' } });
  const stored = (await getJson<ConversationWithMessages>(base, `/v1/conversations/${ack.body.conversationId}`)).body;
  expect(stored.messages.find((m) => m.seq === reply.reply.seq)?.sender).toMatchObject({
    kind: 'agent',
    agentId: 'ada',
  });

  const notMine = await call<{ ok: boolean; error: { code: string } }>(socket, 'reply', {
    conversationId: 'cnv_0000000000000000000000x',
    text: 'hello',
  });
  expect(notMine.ok).toBe(false);

  const resolved = await call<{ ok: boolean }>(socket, 'resolve', {
    conversationId: ack.body.conversationId,
    resolved: true,
    csat: 5,
  });
  expect(resolved.ok).toBe(true);
  const decisions = (
    await getJson<{ decisions: Array<{ kind: string; agentId?: string; reasons: string[] }> }>(
      base,
      `/v1/routing/decisions?conversationId=${ack.body.conversationId}`,
    )
  ).body.decisions;
  const kinds = decisions.map((d) => d.kind);
  expect(kinds).toEqual(expect.arrayContaining(['accepted', 'resolved']));
  expect(kinds.some((k) => k === 'escalated' || k === 'offered')).toBe(true);
  const agents = (await getJson<{ agents: Array<{ id: string; status: string }> }>(base, '/v1/agents')).body.agents;
  expect(agents.find((a) => a.id === 'ada')?.status).toBe('online');
});

test('a reconnecting agent gets their state back', async () => {
  const token = await registerAgent({
    id: 'bo',
    name: 'Bo',
    skills: [{ skill: 'general', level: 3 }],
    languages: ['en'],
  });
  const first = await desk(token);
  await call(first, 'status', { status: 'online' });
  first.close();
  const again = connect(`${base}/agents`, { auth: { token }, transports: ['websocket'], forceNew: true });
  sockets.push(again);
  const state = await next<{ agent: { id: string; status: string } }>(again, 'state');
  expect(state.agent).toMatchObject({ id: 'bo', status: 'online' });
  const agents = (await getJson<{ agents: Array<{ id: string; status: string }> }>(base, '/v1/agents')).body.agents;
  expect(agents.find((a) => a.id === 'bo')?.status).toBe('online');
});
