// Benchmark: memory per conversation and start-up time with many stored conversations.
//  A. Real actors and LMDB on this thread (run with --expose-gc): heap per conversation while its actors are in
//     memory, and after they are passivated. Includes the gateway's identity cache, as on a real node.
//  B. A real node process started on a data directory holding N stored conversations: time until /health is 200.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ActorGateway, InProcessShards } from '../src/actors/index.js';
import {
  DEFAULT_TENANT,
  newConversationId,
  newCustomerId,
  newMessageId,
  type Conversation,
  type CustomerProfile,
  type UnifiedMessage,
} from '../src/domain/index.js';
import { Storage } from '../src/persistence/index.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { startNodeProcess, stopNodeProcess } from './lib/node-process.js';
import { appendResults, saveRaw } from './lib/results-file.js';

const HELP = `Usage: npm run bench:memory -- [--conversations 100000] [--stored 1000000]

A: heap per active and per passivated conversation over real actors + LMDB (this thread).
B: start-up time of a node on a data directory holding --stored conversations.`;

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function progress(label: string, done: number, total: number): void {
  process.stderr.write(`\r  ${label}: ${done}/${total} (${((done / total) * 100).toFixed(0)}%)   `);
  if (done === total) process.stderr.write('\n');
}

async function heapPerConversation(count: number) {
  const dir = path.join(tmpdir(), `omnicx-mem-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const storage = Storage.open(dir, { create: true });
  const logger = pino({ level: 'silent' });
  const shards = new InProcessShards({
    shards: 1,
    storage,
    passivateAfterMs: 3_600_000,
    archiveAfterMs: 86_400_000,
    logger,
  });
  const gateway = new ActorGateway(shards, logger);
  await gateway.ingest(DEFAULT_TENANT, {
    channel: 'sms',
    from: '+15550000000',
    content: { type: 'text', text: 'warm-up' },
  });
  const baseline = heap();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < count) {
        const i = next++;
        await gateway.ingest(DEFAULT_TENANT, {
          channel: 'whatsapp',
          from: `+1444${String(i).padStart(7, '0')}`,
          content: { type: 'text', text: `hello ${i}` },
        });
        if (++done % 5000 === 0 || done === count) progress('creating conversations', done, count);
      }
    }),
  );
  const active = heap();
  const rssActive = process.memoryUsage().rss;
  shards.passivateAll();
  // nact finishes stopping actors on the next turns: let it, then measure.
  await new Promise((r) => setTimeout(r, 200));
  const passivated = heap();
  const rssPassivated = process.memoryUsage().rss;
  shards.close();
  storage.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    count,
    baselineHeap: baseline,
    heapPerActive: (active - baseline) / count,
    heapPerPassivated: (passivated - baseline) / count,
    rssActive,
    rssPassivated,
  };
}

async function startupWithStored(stored: number) {
  const dir = path.join(tmpdir(), `omnicx-startup-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const storage = Storage.open(dir, { create: true });
  const store = storage.forTenant(DEFAULT_TENANT);
  const now = Date.now();
  const day = 86_400_000;
  for (let i = 0; i < stored;) {
    const writes: Promise<unknown>[] = [];
    const end = Math.min(stored, i + 10_000);
    for (; i < end; i++) {
      const customerId = newCustomerId();
      const conversationId = newConversationId();
      const phone = `+1333${String(i).padStart(8, '0')}`;
      const createdAt = now - (i % 1000) * 1000;
      const profile: CustomerProfile = {
        id: customerId,
        tenantId: DEFAULT_TENANT,
        phone,
        identities: [{ kind: 'phone', value: phone }],
        contacts: [{ channel: 'sms', address: phone, firstSeenAt: createdAt, lastSeenAt: createdAt }],
        valueTier: 'standard',
        vip: false,
        purchaseHistory: [],
        previousIssues: [],
        activeConversationId: conversationId,
        conversationIds: [conversationId],
        createdAt,
        updatedAt: createdAt,
      };
      const conversation: Conversation & { archiveDueAt: number } = {
        id: conversationId,
        tenantId: DEFAULT_TENANT,
        customerId,
        status: 'active',
        channels: ['sms'],
        createdAt,
        lastActivityAt: createdAt,
        lastSeq: 1,
        archiveDueAt: createdAt + day,
      };
      const message: UnifiedMessage = {
        id: newMessageId(),
        tenantId: DEFAULT_TENANT,
        conversationId,
        customerId,
        seq: 1,
        channel: 'sms',
        direction: 'inbound',
        sender: { kind: 'customer', customerId, address: phone },
        content: { type: 'text', text: `stored message ${i}` },
        timestamp: createdAt,
        receivedAt: createdAt,
        metadata: {},
      };
      writes.push(store.putIdentityOwner(`phone:${phone}`, customerId), store.putCustomer(profile));
      writes.push(
        store.openConversation(conversation, conversation.archiveDueAt),
        store.appendMessage(conversation, message),
      );
    }
    await Promise.all(writes);
    progress('writing stored conversations', i, stored);
  }
  storage.close();
  const started = process.hrtime.bigint();
  const node = await startNodeProcess({ DATA_DIR: dir }, { readyTimeoutMs: 120_000 });
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
  // A stored customer is served after start-up (its actors load from LMDB on demand).
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${node.base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'sms', from: `+1333${String(42).padStart(8, '0')}`, text: 'back again' }),
  });
  const firstMessageMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const ack = (await res.json()) as { seq?: number };
  await stopNodeProcess(node);
  rmSync(dir, { recursive: true, force: true });
  return { stored, readyMs, firstMessageMs, firstMessageSeq: ack.seq };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      conversations: { type: 'string', default: '100000' },
      stored: { type: 'string', default: '1000000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:memory does)');
  const machine = machineInfo();
  console.error(`memory benchmark on ${describeMachine(machine)}`);
  console.error('A. heap per conversation');
  const a = await heapPerConversation(Number(values.conversations));
  console.error('B. start-up with stored conversations');
  const b = await startupWithStored(Number(values.stored));
  const command = `npm run bench:memory -- --conversations ${a.count} --stored ${b.stored}`;
  const mib = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MiB`;
  const section = `## Conversation memory and start-up — ${new Date().toISOString()}

Machine: ${describeMachine(machine)}. Command: \`${command}\`.

| measure | value |
|---|---|
| conversations created (real actors + LMDB, one thread) | ${a.count} |
| heap per conversation, actors in memory | ${Math.round(a.heapPerActive)} B |
| heap per conversation, passivated (incl. the gateway's identity-cache entry) | ${Math.round(a.heapPerPassivated)} B |
| RSS with all actors in memory / after passivation | ${mib(a.rssActive)} / ${mib(a.rssPassivated)} |
| stored conversations at start-up | ${b.stored} |
| process start → /health 200 | ${b.readyMs.toFixed(0)} ms |
| first message of a stored customer after start-up (loads its actors) | ${b.firstMessageMs.toFixed(1)} ms (seq ${String(b.firstMessageSeq)}) |`;
  appendResults(section);
  saveRaw('memory', { machine, command, a, b });
  console.log(section);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
