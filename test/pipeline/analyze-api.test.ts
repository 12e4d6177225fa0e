/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// The analysis pipeline and POST /v1/analyze against a real node: uWS on 127.0.0.1, shard workers, an inference
// worker running the committed ONNX models, LMDB in a temp dir. Every inbound message gets its analysis stored;
// bad input gets a clear result or a clear error; the inference pool never hangs.
import pino from 'pino';
import {
  newCustomerId,
  type ConversationWithMessages,
  type CustomerProfile,
  type MessageAnalysis,
} from '../../src/domain/index.js';
import { OmniNode } from '../../src/node.js';
import type { AnalyzeResponse } from '../../src/pipeline/index.js';
import { eventually } from '../helpers/eventually.js';
import { getJson, postJson, type ErrorBody } from '../helpers/http.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';
import { defaultConfig } from '../../src/config/index.js';

let node: OmniNode;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = makeTempDir();
  node = new OmniNode(
    testConfig(dir, {
      inference: { ...defaultConfig().inference, products: ['AirPods Pro', 'Galaxy S24'] },
    }),
    pino({ level: 'silent' }),
  );
  await node.start();
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  await node.stop();
  removeDir(dir);
});

const analyze = (body: unknown) => postJson<AnalyzeResponse & ErrorBody>(base, '/v1/analyze', body);

test('POST /v1/analyze returns intents, flags, sentiment, entities, language and explained urgency', async () => {
  const res = await analyze({
    text: 'I was charged twice for my AirPods Pro, order #A12345, please refund $49.99 urgently',
  });
  expect(res.status).toBe(200);
  const a = res.body;
  expect(a.intents.length).toBeGreaterThanOrEqual(1);
  for (const i of a.intents) expect(i.confidence).toBeGreaterThanOrEqual(0);
  expect(a.lowConfidence).toBe(a.confidence < 0.7);
  expect(['negative', 'neutral', 'positive']).toContain(a.sentiment.label);
  expect(a.sentiment.score).toBeGreaterThanOrEqual(-1);
  expect(a.sentiment.score).toBeLessThanOrEqual(1);
  const types = a.entities.map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['order_id', 'money', 'product']));
  expect(a.language).toBe('en');
  expect(a.urgency.score).toBe(a.urgency.factors.reduce((s, f) => s + f.points, 0));
  expect(a.urgency.factors.map((f) => f.factor)).toContain('time_sensitivity');
});

test('with a customerId, urgency uses the profile: a VIP gets +2', async () => {
  const ack = await postJson<{ customerId: string }>(base, '/v1/messages', {
    channel: 'whatsapp',
    from: '+447700900555',
    text: 'hello',
  });
  const customerId = ack.body.customerId;
  const text = 'where is my order 77881?';
  const before = await analyze({ text, customerId });
  const patched = await fetch(`${base}/v1/customers/${customerId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vip: true, valueTier: 'gold' }),
  });
  expect(patched.status).toBe(200);
  const profile = (await patched.json()) as CustomerProfile;
  expect(profile.vip).toBe(true);
  expect(profile.valueTier).toBe('gold');
  const after = await analyze({ text, customerId });
  expect(after.body.urgency.factors.map((f) => f.factor)).toEqual(expect.arrayContaining(['vip', 'value_tier']));
  expect(after.body.urgency.score).toBe(Math.min(10, before.body.urgency.score + 1 + 2));
});

test('bad input: a clear result or a clear error, never a crash or a hung pool', async () => {
  const cases: Array<[unknown, number]> = [
    [{ text: '' }, 400],
    [{ text: '   ' }, 400],
    [{}, 400],
    [{ text: 42 }, 400],
    [{ text: 'hi', extra: true }, 400],
    [{ text: 'hi', customerId: 'nobody' }, 400],
    [{ text: 'hi', customerId: newCustomerId() }, 404],
    [{ text: 'x'.repeat(100_001) }, 400],
    [{ text: 'word '.repeat(20_000) }, 200], // 100 KB
    [{ text: '\u0000\u0001\u0002\ufffd\ud800garbage\u0007' }, 200],
    [{ text: '😡😡😡🙏' }, 200],
    [{ text: 'أين طلبي؟ لم يصل بعد' }, 200],
    [{ text: '我的订单在哪里' }, 200],
  ];
  for (const [body, status] of cases) {
    const res = await analyze(body);
    expect({ body, status: res.status }).toEqual({ body, status });
    if (status >= 400) expect(res.body.error.code).toBe(status === 400 ? 'VALIDATION_FAILED' : 'CUSTOMER_NOT_FOUND');
    if (status === 200) expect(res.body.urgency.score).toBeGreaterThanOrEqual(1);
  }
  const raw = await fetch(`${base}/v1/analyze`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"text": "unterminated',
  });
  expect(raw.status).toBe(400);
  expect(((await raw.json()) as ErrorBody).error.code).toBe('INVALID_JSON');
  // Still answering normally afterwards.
  expect((await analyze({ text: 'thanks a lot!' })).status).toBe(200);
});

test('every inbound message gets its analysis stored with it, and the sentiment history grows', async () => {
  const texts = ['my package has not arrived', 'this is the third time I ask, awful service', 'thank you'];
  let conversationId = '';
  for (const text of texts) {
    const res = await postJson<{ conversationId: string }>(base, '/v1/messages', {
      channel: 'sms',
      from: '+447700900777',
      text,
    });
    expect(res.status).toBe(202);
    conversationId = res.body.conversationId;
  }
  const conversation = await eventually(async () => {
    const c = (await getJson<ConversationWithMessages>(base, `/v1/conversations/${conversationId}`)).body;
    return c.messages.length === 3 && c.messages.every((m) => m.analysis?.status === 'analysed') ? c : undefined;
  });
  for (const m of conversation.messages) {
    const analysis = m.analysis as MessageAnalysis;
    expect(analysis.urgency.score).toBeGreaterThanOrEqual(1);
    expect(analysis.urgency.score).toBeLessThanOrEqual(10);
  }
  expect(conversation.sentiment?.history.map((p) => p.seq).sort()).toEqual([1, 2, 3]);
  expect(node.analysis?.stats.waiting).toBe(0);
});

test('dead letters are listed and replayable over HTTP; /metrics shows the pipeline', async () => {
  const list = await getJson<{ deadLetters: unknown[] }>(base, '/v1/dead-letters');
  expect(list.status).toBe(200);
  expect(list.body.deadLetters).toEqual([]);
  const missing = await postJson<ErrorBody>(base, '/v1/dead-letters/dl_nope/replay', {});
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('ROUTE_NOT_FOUND');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  // Earlier tests analysed messages: the inference worker's batches were measured.
  expect(metrics).toMatch(/omnicx_inference_batch_size_count [1-9]/);
  // The worker's own time is part of the round trip, so the two histograms count the same batches.
  const count = (name: string) => Number(new RegExp(`${name}_count (\\d+)`).exec(metrics)?.[1]);
  expect(count('omnicx_inference_work_seconds')).toBe(count('omnicx_inference_batch_seconds'));
  const sum = (name: string) => Number(new RegExp(`${name}_sum ([0-9.e-]+)`).exec(metrics)?.[1]);
  expect(sum('omnicx_inference_work_seconds')).toBeGreaterThan(0);
  expect(sum('omnicx_inference_work_seconds')).toBeLessThanOrEqual(sum('omnicx_inference_batch_seconds'));
  for (const name of [
    'omnicx_pipeline_step_seconds_bucket{le="0.001",step="inference"}',
    'omnicx_analysis_total{outcome="analysed"}',
    'omnicx_inference_queue',
    'omnicx_analysis_waiting',
    'omnicx_dead_letters',
    'omnicx_outbox_backlog',
    'omnicx_shard_event_loop_lag_p99_seconds{shard="0"}',
    'omnicx_inference_event_loop_lag_p99_seconds{worker="0"}',
    'omnicx_nodejs_eventloop_lag_p99_seconds',
    'omnicx_inference_batch_size_count',
    'omnicx_inference_batch_seconds_bucket',
    'omnicx_inference_work_seconds_bucket',
  ]) {
    expect(metrics).toContain(name);
  }
  // Per-thread CPU (Linux): the inference worker reported its thread id, so its analyses count under its own role.
  if (process.platform === 'linux') {
    const thread = (name: string, role: string) =>
      Number(new RegExp(`${name}\\{thread="${role}"\\} ([0-9.e-]+)`).exec(metrics)?.[1]);
    expect(thread('omnicx_thread_cpu_seconds_total', 'main')).toBeGreaterThan(0);
    expect(thread('omnicx_thread_cpu_seconds_total', 'inference')).toBeGreaterThan(0);
    expect(thread('omnicx_thread_runqueue_wait_seconds_total', 'main')).toBeGreaterThanOrEqual(0);
  }
});
