// The agent desk keeps tenants apart: on a two-tenant node, one tenant's waiting conversations show up in its own
// agents' queue status and never in the other tenant's, and offers only reach the tenant's own agents.
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { defaultConfig } from '../../src/config/index.js';
import { OmniNode } from '../../src/node.js';
import type { QueueStatus } from '../../src/routing/index.js';
import { postJson } from '../helpers/http.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

const KEY_A = 'key-acme-0123456789';
const KEY_B = 'key-globex-0123456789';
let node: OmniNode;
let dir: string;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  node = new OmniNode(
    testConfig(dir, {
      tenants: [
        { id: 'acme', apiKeys: [KEY_A] },
        { id: 'globex', apiKeys: [KEY_B] },
      ],
      // Without analysis a message's language is unknown: relax the language match at once.
      routing: { ...defaultConfig().routing, relaxAfterMs: [0, 0, 0] },
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

async function deskFor(key: string, id: string): Promise<Socket> {
  const res = await postJson<{ token: string }>(
    base,
    '/v1/agents',
    { id, name: id, skills: [{ skill: 'general', level: 3 }], languages: ['en'], capacity: 1 },
    { authorization: `Bearer ${key}` },
  );
  expect(res.status).toBe(201);
  const socket = connect(`${base}/agents`, {
    auth: { token: res.body.token },
    transports: ['websocket'],
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await new Promise((resolve) => socket.emit('status', { status: 'online' }, resolve));
  return socket;
}

test("a tenant's queue status and offers reach only that tenant's agents", async () => {
  const acme = await deskFor(KEY_A, 'ann');
  const globex = await deskFor(KEY_B, 'bob');
  const acmeStatus: QueueStatus[][] = [];
  const globexStatus: QueueStatus[][] = [];
  const globexOffers: unknown[] = [];
  acme.on('queue-status', (queues: QueueStatus[]) => acmeStatus.push(queues));
  globex.on('queue-status', (queues: QueueStatus[]) => globexStatus.push(queues));
  globex.on('offer', (offer: unknown) => globexOffers.push(offer));
  // Ann is busy with one conversation (capacity 1), so the next acme conversations wait in acme's queue.
  const firstOffer = new Promise((resolve) => acme.once('offer', resolve));
  for (let i = 0; i < 4; i++) {
    const res = await postJson(
      base,
      '/v1/messages',
      { channel: 'sms', from: `+1555000100${i}`, text: `acme customer ${i} needs help` },
      { authorization: `Bearer ${KEY_A}` },
    );
    expect(res.status).toBe(202);
  }
  await firstOffer;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !acmeStatus.some((qs) => qs.some((q) => q.depth > 0)))
    await new Promise((r) => setTimeout(r, 50));
  expect(acmeStatus.some((qs) => qs.some((q) => q.depth > 0))).toBe(true);
  await new Promise((r) => setTimeout(r, 1_200)); // at least one more status round for both tenants
  for (const queues of globexStatus) for (const q of queues) expect(q.depth).toBe(0);
  expect(globexOffers).toEqual([]);
}, 30_000);
