/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// Concurrency fuzz over real socket.io clients: many agents and customers at once; agents accept, decline, ignore
// offers (timeouts), drop and reconnect, and resolve, at random (seeded). Throughout and at the end: no agent ever
// holds more than their capacity, no conversation is held by two agents, and every conversation is served and
// resolved exactly once — none is lost.
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { defaultConfig } from '../../src/config/index.js';
import { OmniNode } from '../../src/node.js';
import { eventually } from '../helpers/eventually.js';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

const AGENTS = 10;
const CAPACITY = 2;
const CONVERSATIONS = 50;

interface AgentView {
  id: string;
  capacity: number;
  load: number;
  conversations: string[];
  offers: string[];
}

let seed = 7;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

test('agents and customers at random: capacity holds, nothing is assigned twice or lost', async () => {
  const dir = makeTempDir();
  const base0 = defaultConfig();
  const node = new OmniNode(
    testConfig(dir, {
      inference: { ...base0.inference, enabled: true },
      routing: { ...base0.routing, offerTimeoutMs: 400, disconnectGraceMs: 300 },
    }),
    pino({ level: 'silent' }),
  );
  await node.start();
  const base = `http://127.0.0.1:${node.port}`;
  const sockets = new Map<string, Socket>();
  const resolved = new Map<string, number>();
  const violations: string[] = [];
  const call = (socket: Socket, event: string, payload: unknown) =>
    new Promise<{ ok: boolean; error?: { code: string } }>((resolve) => socket.emit(event, payload, resolve));

  const tokens = new Map<string, string>();
  for (let a = 0; a < AGENTS; a++) {
    const res = await postJson<{ token: string }>(base, '/v1/agents', {
      id: `agent${a}`,
      name: `Agent ${a}`,
      skills: ['orders', 'billing', 'shipping', 'accounts', 'technical', 'general'].map((skill) => ({
        skill,
        level: 3,
      })),
      languages: ['en'],
      capacity: CAPACITY,
    });
    tokens.set(`agent${a}`, res.body.token);
  }

  const held = new Map<string, Set<string>>(); // agent → conversations it was told it holds
  const reconnects: NodeJS.Timeout[] = [];
  async function online(agentId: string): Promise<void> {
    const socket = connect(`${base}/agents`, {
      auth: { token: tokens.get(agentId) },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    sockets.set(agentId, socket);
    socket.on('offer', (offer: { conversationId: string }) => {
      const roll = random();
      if (roll < 0.7) void call(socket, 'accept', { conversationId: offer.conversationId });
      else if (roll < 0.85) void call(socket, 'decline', { conversationId: offer.conversationId });
      // else: ignore it; the offer times out and goes to someone else
    });
    socket.on('assigned', (e: { conversationId: string }) => {
      const mine = held.get(agentId) ?? new Set<string>();
      held.set(agentId, mine);
      mine.add(e.conversationId);
    });
    socket.on('unassigned', (e: { conversationId: string }) => held.get(agentId)?.delete(e.conversationId));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await call(socket, 'status', { status: 'online' });
  }
  for (const agentId of tokens.keys()) await online(agentId);

  // Customers arrive, all asking for a human.
  const conversations = new Set<string>();
  await Promise.all(
    Array.from({ length: CONVERSATIONS }, async (_, c) => {
      const res = await postJson<{ conversationId: string }>(base, '/v1/messages', {
        channel: c % 2 === 0 ? 'whatsapp' : 'sms',
        from: `+4477009${String(30_000 + c)}`,
        text: `I need to talk to a human agent about my order ${1000 + c}`,
      });
      conversations.add(res.body.conversationId);
    }),
  );

  const check = async () => {
    const agents = (await getJson<{ agents: AgentView[] }>(base, '/v1/agents')).body.agents;
    const owner = new Map<string, string>();
    for (const agent of agents) {
      if (agent.load > agent.capacity) violations.push(`${agent.id} load ${agent.load} > ${agent.capacity}`);
      for (const c of [...agent.conversations, ...agent.offers]) {
        if (owner.has(c)) violations.push(`${c} held by ${owner.get(c)} and ${agent.id}`);
        owner.set(c, agent.id);
      }
    }
    return agents;
  };

  // The agents work: resolve some of what they hold, sometimes drop and come back.
  const deadline = Date.now() + 45_000;
  while (resolved.size < conversations.size && Date.now() < deadline) {
    await check();
    for (const [agentId, mine] of held) {
      const socket = sockets.get(agentId) as Socket;
      const roll = random();
      if (roll < 0.05 && socket.connected) {
        socket.close(); // dropped: reconnects within or after the grace period
        const timer = setTimeout(() => void online(agentId).catch(() => undefined), random() < 0.5 ? 100 : 600);
        reconnects.push(timer);
        continue;
      }
      if (roll < 0.5 && socket.connected) {
        for (const conversationId of [...mine].slice(0, 1)) {
          const answer = await call(socket, 'resolve', { conversationId, resolved: true, csat: 4 });
          if (answer.ok) resolved.set(conversationId, (resolved.get(conversationId) ?? 0) + 1);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  for (const timer of reconnects) clearTimeout(timer);
  await check();
  expect(violations).toEqual([]);
  expect(resolved.size).toBe(conversations.size);
  expect([...resolved.values()].every((n) => n === 1)).toBe(true);
  const queues = (await getJson<{ queues: Array<{ depth: number }> }>(base, '/v1/queues')).body.queues;
  expect(queues.reduce((n, q) => n + q.depth, 0)).toBe(0);
  // Every conversation's decision history ends with its one resolution.
  for (const conversationId of conversations) {
    const { decisions } = (
      await getJson<{ decisions: Array<{ kind: string }> }>(
        base,
        `/v1/routing/decisions?conversationId=${conversationId}`,
      )
    ).body;
    expect(decisions.filter((d) => d.kind === 'resolved')).toHaveLength(1);
  }
  await eventually(async () => ((await check()).every((a) => a.load === 0) ? true : undefined));

  for (const socket of sockets.values()) socket.close();
  await node.stop();
  removeDir(dir);
}, 90_000);
