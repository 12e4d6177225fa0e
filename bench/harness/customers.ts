// Simulated customers for the end-to-end harness, in their own process: an open-loop generator sending signed
// provider webhooks (WhatsApp, Twilio SMS, Telegram, Messenger) at a fixed rate over keep-alive connections, one
// distinct phone number / user id per customer and one unique provider message id per message. A 5xx or a refused
// connection is retried with the same body, as providers do; a 503 with Retry-After (the node past capacity) after at
// least that long, backing off exponentially as providers do (Meta and Twilio retry over hours). Reports each second
// to the harness over IPC, and at the end verifies that every acknowledged message is stored exactly once (and
// analysed).
import { Agent, request } from 'node:http';
import { build as buildHistogram, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import {
  buildWebhook,
  isHumanSeeker,
  messageText,
  nowMs,
  type CustomersConfig,
  type CustomersDone,
  type CustomerTick,
  type VerifyRequest,
  type VerifyResult,
  type Webhook,
} from './protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as CustomersConfig;
const agent = new Agent({ keepAlive: true, maxSockets: config.connections, maxFreeSockets: config.connections });
const url = new URL(config.base);

const histogram = (): Histogram =>
  buildHistogram({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
/** Latencies are recorded in microseconds. */
const ackAll = histogram();
let ackSecond = histogram();
/** The attempt the node took: that attempt's send → 2xx (the node's own latency for what it accepts). */
const ackAttempt = histogram();
/** Attempts refused with 503 OVERLOADED: send → the refusal. */
const refusal = histogram();
let overloaded = 0;
let firstAttemptAcked = 0;

const capacity = Math.ceil(config.rate * config.durationSec) + 16;
const sentAt = new Float64Array(capacity);
/** 0 not sent, 1 in flight, 2 acknowledged, 3 refused (4xx), 4 gave up */
const state = new Uint8Array(capacity);
let sent = 0;
let acked = 0;
let errorsTotal = 0;
let retries = 0;
let inflight = 0;
let behind = 0;
let scheduleLagMax = 0;
const errors: Record<string, number> = {};
let tickSent = 0;
let tickAcked = 0;
let tickErrors = 0;
let tickRetries = 0;

/** Message n's customer, and which of that customer's messages it is. */
function customerOf(n: number): { idx: number; k: number } {
  const m = config.customerOffset + n;
  return { idx: m % config.conversations, k: config.kOffset + Math.floor(m / config.conversations) };
}

function spec(n: number): Webhook {
  const { idx, k } = customerOf(n);
  const channel = config.channels[idx % config.channels.length]!;
  const at = sentAt[n]!;
  return buildWebhook({
    channel,
    idx,
    k,
    runId: config.runId,
    text: messageText(isHumanSeeker(idx, config.escalate), k, at),
    sentAt: at,
    publicUrl: config.base,
  });
}

function post(hook: Webhook): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: config.target === 'bare' ? '/v1/messages' : hook.path,
        agent,
        headers: { ...hook.headers, 'content-length': Buffer.byteLength(hook.body) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        const retryAfter = res.headers['retry-after'];
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retryAfter }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(hook.body);
  });
}

const count = (code: string) => (errors[code] = (errors[code] ?? 0) + 1);

async function send(n: number): Promise<void> {
  sentAt[n] = nowMs();
  const hook = spec(n);
  state[n] = 1;
  inflight++;
  sent++;
  tickSent++;
  const first = sentAt[n]!;
  let refusals = 0;
  for (let attempt = 0; ; attempt++) {
    let outcome: string;
    let delayMs = 100 + Math.random() * 150;
    const attemptAt = nowMs();
    try {
      const res = await post(hook);
      if (res.status >= 200 && res.status < 300) {
        const now = nowMs();
        const us = Math.max(1, Math.round((now - first) * 1000));
        ackAll.recordValue(us);
        ackSecond.recordValue(us);
        ackAttempt.recordValue(Math.max(1, Math.round((now - attemptAt) * 1000)));
        if (attempt === 0) firstAttemptAcked++;
        state[n] = 2;
        acked++;
        tickAcked++;
        break;
      }
      outcome = `HTTP ${res.status}`;
      const retryAfterSec = Number(res.retryAfter);
      if (res.status === 503 && res.retryAfter !== undefined && Number.isFinite(retryAfterSec)) {
        // Wait at least Retry-After, doubling with each such answer (capped at 30 s), with jitter so that refused
        // senders do not come back together. Refusals past capacity are counted on their own.
        if (res.body.includes('"OVERLOADED"')) {
          overloaded++;
          refusal.recordValue(Math.max(1, Math.round((nowMs() - attemptAt) * 1000)));
        }
        delayMs = Math.min(30_000, retryAfterSec * 1000 * 2 ** Math.min(refusals, 5)) * (0.5 + Math.random());
        refusals++;
      }
      if (res.status < 500) {
        count(`${outcome} ${res.body.slice(0, 80)}`);
        state[n] = 3;
        errorsTotal++;
        tickErrors++;
        break;
      }
    } catch (error) {
      outcome = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
    count(`retried: ${outcome}`);
    if (nowMs() - first > config.retryForMs) {
      state[n] = 4;
      errorsTotal++;
      tickErrors++;
      break;
    }
    retries++;
    tickRetries++;
    await new Promise((r) => setTimeout(r, delayMs));
  }
  inflight--;
}

async function generate(): Promise<void> {
  const start = nowMs();
  const total = Math.floor(config.rate * config.durationSec);
  let scheduled = 0;
  let second = 0;
  const ticker = setInterval(() => {
    second++;
    const tick: CustomerTick = {
      type: 'tick',
      t: second,
      sent: tickSent,
      acked: tickAcked,
      errors: tickErrors,
      retries: tickRetries,
      inflight,
      ackP50: ackSecond.totalCount > 0 ? ackSecond.getValueAtPercentile(50) / 1000 : 0,
      ackP99: ackSecond.totalCount > 0 ? ackSecond.getValueAtPercentile(99) / 1000 : 0,
    };
    process.send?.(tick);
    tickSent = tickAcked = tickErrors = tickRetries = 0;
    ackSecond = histogram();
  }, 1000);
  await new Promise<void>((resolve) => {
    const pump = () => {
      const elapsed = (nowMs() - start) / 1000;
      const due = Math.min(total, Math.floor(elapsed * config.rate));
      if (due - scheduled > scheduleLagMax) scheduleLagMax = due - scheduled;
      while (scheduled < due) {
        if (inflight >= config.maxInflight) {
          behind++;
          break;
        }
        void send(scheduled++);
      }
      if (scheduled >= total) resolve();
      else setTimeout(pump, 2);
    };
    pump();
  });
  const elapsedSec = (nowMs() - start) / 1000;
  // Wait for the answers still in flight (retries included).
  const deadline = Date.now() + config.retryForMs + 35_000;
  while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  clearInterval(ticker);
  const done: CustomersDone = {
    type: 'done',
    sent,
    acked,
    unacked: sent - acked,
    failed: errorsTotal,
    retries,
    errors,
    ack: encodeIntoCompressedBase64(ackAll),
    ackAttempt: encodeIntoCompressedBase64(ackAttempt),
    refusal: encodeIntoCompressedBase64(refusal),
    overloaded,
    firstAttemptAcked,
    elapsedSec,
    scheduleLagMax,
    behind,
  };
  process.send?.(done);
}

async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${config.base}${path}`);
      const body: unknown = await res.json();
      if (res.status >= 500 && attempt < 20) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      return { status: res.status, body };
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

interface StoredMessage {
  direction: string;
  channel: string;
  providerMessageId?: string;
  conversationId: string;
  analysis?: { status?: string };
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Every acknowledged message of the verified customers: found exactly once in its conversation, and analysed. */
async function verify(req: VerifyRequest): Promise<VerifyResult> {
  const started = Date.now();
  const byCustomer = new Map<number, number[]>();
  for (let n = 0; n < sent; n++) {
    if (state[n] !== 2) continue;
    const { idx } = customerOf(n);
    const list = byCustomer.get(idx);
    if (list === undefined) byCustomer.set(idx, [n]);
    else list.push(n);
  }
  let customers = [...byCustomer.keys()];
  if (req.sampleCustomers > 0 && customers.length > req.sampleCustomers) {
    const step = customers.length / req.sampleCustomers;
    customers = Array.from({ length: req.sampleCustomers }, (_, i) => customers[Math.floor(i * step)] as number);
  }
  const result: VerifyResult = {
    type: 'verified',
    checkedMessages: 0,
    checkedCustomers: customers.length,
    lost: 0,
    duplicated: 0,
    notAnalysed: 0,
    resent: 0,
    resendNon2xx: 0,
    resendDuplicated: 0,
    lostSamples: [],
    duplicateSamples: [],
    elapsedMs: 0,
  };

  // Provider retries of acknowledged webhooks, resent as they were: must be answered 2xx and store nothing.
  const resendSet: number[] = [];
  if (req.resend > 0) {
    const all = customers.flatMap((c) => byCustomer.get(c) ?? []);
    const step = Math.max(1, all.length / req.resend);
    for (let i = 0; i < all.length && resendSet.length < req.resend; i += step) resendSet.push(all[Math.floor(i)]!);
    await pool(resendSet, 16, async (n) => {
      const res = await post(spec(n)).catch(() => ({ status: 0, body: '' }));
      result.resent++;
      if (res.status < 200 || res.status >= 300) result.resendNon2xx++;
    });
  }
  const resent = new Set(resendSet);

  let pending = customers;
  const deadline = Date.now() + req.analysisWaitMs;
  let done = 0;
  for (;;) {
    const again: number[] = [];
    let notAnalysed = 0;
    const lostHere: string[] = [];
    let lost = 0;
    let duplicated = 0;
    let resendDuplicated = 0;
    let checked = 0;
    await pool(pending, 32, async (idx) => {
      const list = byCustomer.get(idx) ?? [];
      const hooks = list.map((n) => ({ n, hook: spec(n) }));
      const counts = new Map<string, { count: number; analysed: boolean }>();
      const conversations = new Set<string>();
      const first = hooks[0]!.hook;
      const found = await getJson(
        `/v1/messages?channel=${first.channel}&providerMessageId=${encodeURIComponent(first.providerMessageId)}`,
      );
      if (found.status === 200) conversations.add((found.body as StoredMessage).conversationId);
      for (const conversationId of conversations) {
        let fromSeq = 1;
        for (;;) {
          const page = await getJson(`/v1/conversations/${conversationId}?fromSeq=${fromSeq}&limit=500`);
          const body = page.body as { messages?: StoredMessage[]; lastSeq?: number };
          const messages = body.messages ?? [];
          for (const m of messages) {
            if (m.direction !== 'inbound' || m.providerMessageId === undefined) continue;
            const c = counts.get(m.providerMessageId) ?? { count: 0, analysed: true };
            c.count++;
            c.analysed &&= m.analysis?.status === 'analysed';
            counts.set(m.providerMessageId, c);
          }
          fromSeq += 500;
          if (messages.length < 500 || fromSeq > (body.lastSeq ?? 0)) break;
        }
      }
      let customerPending = false;
      for (const { n, hook } of hooks) {
        checked++;
        let c = counts.get(hook.providerMessageId);
        if (c === undefined) {
          // Not in the conversation we know: look it up on its own (another conversation of this customer).
          const alone = await getJson(
            `/v1/messages?channel=${hook.channel}&providerMessageId=${encodeURIComponent(hook.providerMessageId)}`,
          );
          if (alone.status === 200) {
            c = { count: 1, analysed: (alone.body as StoredMessage).analysis?.status === 'analysed' };
          }
        }
        if (c === undefined) {
          lost++;
          if (lostHere.length < 5) lostHere.push(`${hook.channel}:${hook.providerMessageId}`);
          continue;
        }
        if (c.count > 1) {
          duplicated += c.count - 1;
          if (resent.has(n)) resendDuplicated++;
          if (result.duplicateSamples.length < 5)
            result.duplicateSamples.push(`${hook.channel}:${hook.providerMessageId}`);
        }
        if (req.analysis && !c.analysed) {
          notAnalysed++;
          customerPending = true;
        }
      }
      if (customerPending) again.push(idx);
      done++;
      if (done % 2000 === 0) process.stderr.write(`\r  verified ${done}/${customers.length} customers   `);
    });
    if (pending === customers) {
      result.checkedMessages = checked;
      result.lost = lost;
      result.duplicated = duplicated;
      result.resendDuplicated = resendDuplicated;
      result.lostSamples = lostHere;
      result.notAnalysed = notAnalysed;
    } else {
      result.notAnalysed = notAnalysed;
    }
    if (again.length === 0 || Date.now() > deadline) break;
    // Analysis runs after the acknowledgement: give the backlog time, then re-check only those customers.
    pending = again;
    await new Promise((r) => setTimeout(r, 1000));
  }
  result.elapsedMs = Date.now() - started;
  return result;
}

process.on('message', (message: VerifyRequest | { type: 'exit' }) => {
  if (message.type === 'verify') {
    verify(message).then(
      (result) => process.send?.(result),
      (error: unknown) => {
        console.error(error);
        process.exit(2);
      },
    );
  } else if (message.type === 'exit') {
    agent.destroy();
    process.exit(0);
  }
});

generate().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
