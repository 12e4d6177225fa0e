// Durability under kill -9: a real node process takes thousands of concurrent messages across many conversations and
// channels, is killed mid-stream, and restarted on the same data directory. Every message that got a 202 must be
// there exactly once and in order; providers' retries of everything else must then complete the set exactly once.
// A second test crashes one shard worker mid-stream and checks the node recovers and keeps serving.
import * as path from 'node:path';
import type { ChannelType, ConversationWithMessages } from '../../src/domain/index.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

interface Ack {
  conversationId: string;
  customerId: string;
  messageId: string;
  seq: number;
  duplicate: boolean;
}

interface Planned {
  sender: number;
  index: number;
  body: { channel: ChannelType; from: string; text: string; providerMessageId: string };
}

/** Senders × messages: each sender talks on its own channel mix, one message after another. */
function plan(senders: number, perSender: number): Planned[][] {
  const channels: ChannelType[] = ['whatsapp', 'sms', 'email', 'telegram', 'webchat', 'voice'];
  return Array.from({ length: senders }, (_, sender) =>
    Array.from({ length: perSender }, (_, index) => {
      // Phone senders alternate WhatsApp / SMS / voice: still one conversation.
      const kind = channels[sender % channels.length] as ChannelType;
      const phoneChannels: ChannelType[] = ['whatsapp', 'sms', 'voice'];
      const channel = phoneChannels.includes(kind) ? (phoneChannels[index % 3] as ChannelType) : kind;
      const from =
        channel === 'email'
          ? `sender${sender}@example.com`
          : phoneChannels.includes(channel)
            ? `+1555${String(sender).padStart(7, '0')}`
            : `user-${sender}`;
      return {
        sender,
        index,
        body: { channel, from, text: `sender ${sender} message ${index}`, providerMessageId: `pm-${sender}-${index}` },
      };
    }),
  );
}

async function post(base: string, body: Planned['body']): Promise<{ status: number; ack?: Ack }> {
  const res = await fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Ack;
  return res.status === 202 ? { status: 202, ack: json } : { status: res.status };
}

/** Each sender sends its messages in order (retrying 503s), until told to stop. Returns the acknowledged ones. */
async function drive(
  base: string,
  streams: Planned[][],
  shouldStop: () => boolean,
  onAck: () => void,
): Promise<Map<string, Ack>> {
  const acked = new Map<string, Ack>();
  await Promise.all(
    streams.map(async (stream) => {
      for (const planned of stream) {
        for (;;) {
          if (shouldStop()) return;
          let result: { status: number; ack?: Ack };
          try {
            result = await post(base, planned.body);
          } catch {
            return; // connection refused / reset: the node is gone
          }
          if (result.ack !== undefined) {
            acked.set(planned.body.providerMessageId, result.ack);
            onAck();
            break;
          }
          if (result.status !== 503) throw new Error(`unexpected status ${result.status}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }),
  );
  return acked;
}

async function conversationOf(base: string, id: string): Promise<ConversationWithMessages> {
  const res = await fetch(`${base}/v1/conversations/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ConversationWithMessages;
}

/** Every planned message is stored exactly once, in each sender's order, with the acknowledged ids. */
async function verifyComplete(base: string, streams: Planned[][], acked: Map<string, Ack>): Promise<void> {
  for (const stream of streams) {
    const first = acked.get(stream[0]!.body.providerMessageId);
    expect(first).toBeDefined();
    const conversation = await conversationOf(base, first!.conversationId);
    const ids = conversation.messages.map((m) => m.providerMessageId);
    expect(ids).toEqual(stream.map((p) => p.body.providerMessageId));
    expect(conversation.messages.map((m) => m.seq)).toEqual(stream.map((_, i) => i + 1));
    for (const message of conversation.messages) {
      const ack = acked.get(message.providerMessageId!);
      expect(ack?.messageId).toBe(message.id);
    }
  }
}

describe('durability', () => {
  let dir: string;
  let node: NodeProcess | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    if (node !== undefined && node.child.exitCode === null) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    removeDir(dir);
  });

  test('kill -9 mid-stream loses no acknowledged message and duplicates none', async () => {
    const env = { DATA_DIR: path.join(dir, 'data'), SHARDS: '2' };
    const streams = plan(120, 25); // 3,000 messages over 120 conversations and six channels
    node = await startNodeProcess(env);
    let acks = 0;
    let killed = false;
    const target = 1_200;
    const firstRun = await drive(
      node.base,
      streams,
      () => killed,
      () => {
        if (++acks === target && node !== undefined) {
          node.child.kill('SIGKILL');
          killed = true;
        }
      },
    );
    expect(await node.exited).toBe('SIGKILL');
    expect(firstRun.size).toBeGreaterThanOrEqual(target);

    node = await startNodeProcess(env);
    // Everything acknowledged before the kill is there, exactly once, with the ids the client was given.
    for (const [providerMessageId, ack] of firstRun) {
      const res = await fetch(
        `${node.base}/v1/messages?channel=${streamChannel(streams, providerMessageId)}&providerMessageId=${providerMessageId}`,
      );
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(ack.messageId);
    }
    for (const stream of streams) {
      const acknowledged = stream.filter((p) => firstRun.has(p.body.providerMessageId));
      if (acknowledged.length === 0) continue;
      const conversation = await conversationOf(
        node.base,
        firstRun.get(acknowledged[0]!.body.providerMessageId)!.conversationId,
      );
      const ids = conversation.messages.map((m) => m.providerMessageId);
      expect(new Set(ids).size).toBe(ids.length);
      // In order: the acknowledged prefix of the sender's stream, then at most the one message in flight at the kill.
      expect(ids.slice(0, acknowledged.length)).toEqual(acknowledged.map((p) => p.body.providerMessageId));
      expect(ids.length - acknowledged.length).toBeLessThanOrEqual(1);
    }

    // Providers retry whatever was not acknowledged (and some that were): the set completes, exactly once.
    const secondRun = await drive(
      node.base,
      streams,
      () => false,
      () => undefined,
    );
    for (const [id, ack] of firstRun) {
      expect(secondRun.get(id)).toEqual({ ...ack, duplicate: true });
    }
    await verifyComplete(node.base, streams, secondRun);
  }, 120_000);

  test('a crashed shard worker is restarted, recovers its actors from LMDB, and the others keep serving', async () => {
    const env = { DATA_DIR: path.join(dir, 'data'), SHARDS: '2', SHARD_MODE: 'workers', OMNICX_FAULT_INJECTION: '1' };
    const streams = plan(60, 20);
    node = await startNodeProcess(env);
    let acks = 0;
    const base = node.base;
    const crashes: Promise<Response>[] = [];
    const acked = await drive(
      base,
      streams,
      () => false,
      () => {
        acks++;
        if (acks === 300) crashes.push(fetch(`${base}/v1/admin/shards/0/crash`, { method: 'POST' }));
        if (acks === 700) crashes.push(fetch(`${base}/v1/admin/shards/1/crash`, { method: 'POST' }));
      },
    );
    expect((await Promise.all(crashes)).map((r) => r.status)).toEqual([202, 202]);
    await verifyComplete(base, streams, acked);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/omnicx_shard_restarts_total\{shard="0"\} 1/);
    expect(metrics).toMatch(/omnicx_shard_restarts_total\{shard="1"\} 1/);
    // The restarted workers reported their thread ids again: their actors' CPU counts under `shard` (Linux).
    if (process.platform === 'linux') {
      const cpu = Number(/omnicx_thread_cpu_seconds_total\{thread="shard"\} ([0-9.e-]+)/.exec(metrics)?.[1]);
      expect(cpu).toBeGreaterThan(0);
    }
    expect(node.child.exitCode).toBeNull();
  }, 120_000);
});

function streamChannel(streams: Planned[][], providerMessageId: string): string {
  const [, sender, index] = providerMessageId.split('-').map(Number);
  return streams[sender!]![index!]!.body.channel;
}
