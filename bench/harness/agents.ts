// Simulated agents for the end-to-end harness, in their own process: each registers over REST, connects a real
// socket.io client to `/agents`, goes online, and on every offer accepts, replies and resolves after a handle time.
// The offer latency is the time this process receives the `offer` event minus the send time the customers' process
// wrote into the triggering message (same machine clock). Reports each second to the harness over IPC.
import { build as buildHistogram, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { io, type Socket } from 'socket.io-client';
import { nowMs, sentAtOf, type AgentsConfig, type AgentsDone, type AgentsReset, type AgentTick } from './protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as AgentsConfig;
const SKILLS = ['orders', 'billing', 'shipping', 'accounts', 'technical', 'general'];

const histogram = (): Histogram =>
  buildHistogram({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
const offerAll = histogram();
const liveAll = histogram();
const acceptRtt = histogram();
const steps = { ingest: histogram(), analysis: histogram(), decision: histogram(), delivery: histogram() };
let offerSecond = histogram();
let liveSecond = histogram();

let offers = 0;
let offersTimed = 0;
let offersStale = 0;
// Messages sent before this (ms since the epoch) belong to an earlier step: their offers are not this step's latency.
let stepSince = 0;
let accepted = 0;
let replies = 0;
let resolved = 0;
let live = 0;
let revoked = 0;
let disconnects = 0;
let errors = 0;
const acceptFailed: Record<string, number> = {};
const tick = { offers: 0, accepted: 0, resolved: 0, live: 0, errors: 0 };
/** When each conversation was last resolved: messages sent before it belong to an earlier episode. */
const resolvedAt = new Map<string, number>();
const sockets: Socket[] = [];
let stopping = false;

const us = (ms: number) => Math.max(1, Math.round(ms * 1000));

interface OfferEvent {
  conversationId: string;
  decision?: { at?: number };
  context?: {
    conversation?: {
      messages?: Array<{
        direction: string;
        receivedAt?: number;
        content?: { text?: string };
        analysis?: { analysedAt?: number };
      }>;
    };
  };
}

function call<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve) =>
    socket.timeout(30_000).emit(event, payload, (err: unknown, answer: T) => {
      if (err) resolve({ ok: false, error: { code: 'ACK_TIMEOUT' } } as T);
      else resolve(answer);
    }),
  );
}

type Answer = { ok: boolean; error?: { code: string } };

async function handleOffer(socket: Socket, offer: OfferEvent): Promise<void> {
  const at = nowMs();
  offers++;
  tick.offers++;
  const since = resolvedAt.get(offer.conversationId) ?? 0;
  // The triggering message: the latest inbound one of this episode (sent after the conversation was last resolved;
  // e.g. the message that asked for a human, or the one after which automation had failed too often).
  const trigger = [...(offer.context?.conversation?.messages ?? [])].reverse().find((m) => {
    if (m.direction !== 'inbound') return false;
    const sent = sentAtOf(m.content?.text);
    return sent !== undefined && sent > since;
  });
  const sent = sentAtOf(trigger?.content?.text);
  if (sent !== undefined && sent < stepSince) offersStale++;
  else if (trigger !== undefined && sent !== undefined) {
    offersTimed++;
    offerAll.recordValue(us(at - sent));
    offerSecond.recordValue(us(at - sent));
    const received = trigger.receivedAt;
    const analysed = trigger.analysis?.analysedAt;
    const decided = offer.decision?.at;
    if (received !== undefined) steps.ingest.recordValue(us(received - sent));
    if (received !== undefined && analysed !== undefined) steps.analysis.recordValue(us(analysed - received));
    const before = analysed ?? received;
    if (before !== undefined && decided !== undefined) steps.decision.recordValue(us(decided - before));
    if (decided !== undefined) steps.delivery.recordValue(us(at - decided));
  }
  if (config.acceptDelayMs > 0) await new Promise((r) => setTimeout(r, config.acceptDelayMs));
  const t0 = nowMs();
  const answer = await call<Answer>(socket, 'accept', { conversationId: offer.conversationId });
  acceptRtt.recordValue(us(nowMs() - t0));
  if (!answer.ok) {
    const code = answer.error?.code ?? 'unknown';
    acceptFailed[code] = (acceptFailed[code] ?? 0) + 1;
    return;
  }
  accepted++;
  tick.accepted++;
  await new Promise((r) => setTimeout(r, config.handleMs / 2));
  const reply = await call<Answer>(socket, 'reply', {
    conversationId: offer.conversationId,
    text: 'Thanks for waiting, I am looking into it right now.',
  });
  if (reply.ok) replies++;
  else {
    errors++;
    tick.errors++;
  }
  await new Promise((r) => setTimeout(r, config.handleMs / 2));
  resolvedAt.set(offer.conversationId, nowMs());
  const done = await call<Answer>(socket, 'resolve', { conversationId: offer.conversationId, resolved: true, csat: 5 });
  if (done.ok) {
    resolved++;
    tick.resolved++;
  } else {
    errors++;
    tick.errors++;
  }
}

async function register(i: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${config.base}/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `bench-agent-${i}`,
          name: `Bench Agent ${i}`,
          skills: SKILLS.map((skill) => ({ skill, level: 3 + (i % 3) })),
          languages: ['en'],
          capacity: config.capacity,
        }),
      });
      const body = (await res.json()) as { token?: string };
      if (res.status === 201 && body.token !== undefined) return body.token;
      throw new Error(`POST /v1/agents ${res.status}`);
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function connect(token: string): Promise<void> {
  const socket = io(`${config.base}/agents`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
  });
  sockets.push(socket);
  socket.on('offer', (offer: OfferEvent) => {
    handleOffer(socket, offer).catch(() => {
      errors++;
      tick.errors++;
    });
  });
  socket.on('customer-message', (payload: { text?: string }) => {
    const sent = sentAtOf(payload.text);
    live++;
    tick.live++;
    if (sent !== undefined) {
      liveAll.recordValue(us(nowMs() - sent));
      liveSecond.recordValue(us(nowMs() - sent));
    }
  });
  socket.on('offer-revoked', () => revoked++);
  socket.on('disconnect', () => {
    if (!stopping) disconnects++;
  });
  return new Promise((resolve, reject) => {
    let first = true;
    // On every (re)connection the desk goes online again; the node restores assigned conversations.
    socket.on('connect', () => {
      void call<Answer>(socket, 'status', { status: 'online' }).then(() => {
        if (first) {
          first = false;
          resolve();
        }
      });
    });
    socket.once('connect_error', (error) => {
      if (first) reject(error);
    });
  });
}

async function main(): Promise<void> {
  const tokens: string[] = [];
  for (let i = 0; i < config.agents; i += 25) {
    tokens.push(
      ...(await Promise.all(Array.from({ length: Math.min(25, config.agents - i) }, (_, j) => register(i + j)))),
    );
  }
  for (let i = 0; i < tokens.length; i += 25) await Promise.all(tokens.slice(i, i + 25).map(connect));
  process.send?.({ type: 'ready', agents: tokens.length });
  let second = 0;
  const ticker = setInterval(() => {
    second++;
    const t: AgentTick = {
      type: 'tick',
      t: second,
      ...tick,
      connected: sockets.filter((s) => s.connected).length,
      offerP50: offerSecond.totalCount > 0 ? offerSecond.getValueAtPercentile(50) / 1000 : 0,
      offerP99: offerSecond.totalCount > 0 ? offerSecond.getValueAtPercentile(99) / 1000 : 0,
      liveP99: liveSecond.totalCount > 0 ? liveSecond.getValueAtPercentile(99) / 1000 : 0,
    };
    process.send?.(t);
    tick.offers = tick.accepted = tick.resolved = tick.live = tick.errors = 0;
    offerSecond = histogram();
    liveSecond = histogram();
  }, 1000);
  process.on('message', (message: { type: string } | AgentsReset) => {
    if (message.type === 'reset') {
      stepSince = 'since' in message ? message.since : 0;
      offerAll.reset();
      liveAll.reset();
      acceptRtt.reset();
      for (const h of Object.values(steps)) h.reset();
      offers = offersTimed = offersStale = accepted = replies = resolved = live = revoked = disconnects = errors = 0;
      for (const key of Object.keys(acceptFailed)) delete acceptFailed[key];
    } else if (message.type === 'report' || message.type === 'stop') {
      const done: AgentsDone = {
        type: 'done',
        offers,
        offersTimed,
        offersStale,
        accepted,
        acceptFailed: { ...acceptFailed },
        replies,
        resolved,
        live,
        revoked,
        disconnects,
        errors,
        offer: encodeIntoCompressedBase64(offerAll),
        live_: encodeIntoCompressedBase64(liveAll),
        acceptRtt: encodeIntoCompressedBase64(acceptRtt),
        steps: {
          ingest: encodeIntoCompressedBase64(steps.ingest),
          analysis: encodeIntoCompressedBase64(steps.analysis),
          decision: encodeIntoCompressedBase64(steps.decision),
          delivery: encodeIntoCompressedBase64(steps.delivery),
        },
      };
      process.send?.(done);
      if (message.type === 'stop') {
        stopping = true;
        clearInterval(ticker);
        for (const s of sockets) s.close();
        setTimeout(() => process.exit(0), 100);
      }
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
