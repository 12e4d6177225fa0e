// Properties 38 and 39 over the real path after analysis: shard actors and LMDB (in-process), the analysis recorded
// through the customer actor (urgency added there), the RoutingService with its per-tenant Router, and replies stored
// through the conversation actors. Only the inference pool is left out: each run supplies the analysis the pool would
// return, so the properties can range over intents, confidences and histories.
import fc from 'fast-check';
import pino from 'pino';
import type { AnalysisRecord } from '../../src/actors/index.js';
import type { ChannelType, ConversationId, TenantId } from '../../src/domain/index.js';
import { RoutingService, toAnalysisRecord, type AnalysedEvent } from '../../src/pipeline/index.js';
import type { RouterEvent } from '../../src/routing/index.js';
import { freshTenant, startInProcessNode, type InProcessNode } from '../helpers/in-process-node.js';

const RUNS = { numRuns: 100 };
const silent = pino({ level: 'silent' });
let node: InProcessNode;

beforeAll(() => {
  node = startInProcessNode({ analysis: true });
});
afterAll(() => node.destroy());

const CHANNELS: Array<{ channel: ChannelType; from: (i: number) => string }> = [
  { channel: 'sms', from: (i) => `+1555${String(1_000_000 + i).slice(-7)}` },
  { channel: 'whatsapp', from: (i) => `+4477${String(10_000_000 + i).slice(-8)}` },
  { channel: 'telegram', from: (i) => String(70_000_000 + i) },
  { channel: 'email', from: (i) => `customer${i}@example.com` },
];
let senders = 0;

function service(): { routing: RoutingService; events: Array<{ tenant: TenantId; event: RouterEvent }> } {
  const routing = new RoutingService({ gateway: node.gateway, store: node.storage.routing, logger: silent });
  const events: Array<{ tenant: TenantId; event: RouterEvent }> = [];
  routing.events.on('event', (tenant: TenantId, event: RouterEvent) => events.push({ tenant, event }));
  return { routing, events };
}

function analysis(intent: string, confidence: number): AnalysisRecord {
  return toAnalysisRecord({
    intent: { label: intent, confidence, lowConfidence: confidence < 0.7, outOfScope: false, ranking: [] },
    intents: [{ label: intent, confidence, clause: '' }],
    sentiment: { label: 'negative', score: -0.6, confidence: 0.8 },
    language: 'en',
    entities: [],
  });
}

/** Stores a customer's messages, analyses the last one as the pipeline does, and hands it to routing. */
async function customerWrites(
  routing: RoutingService,
  tenant: TenantId,
  channel: (typeof CHANNELS)[number],
  texts: string[],
  record: AnalysisRecord,
  botReplies: number,
) {
  const from = channel.from(++senders);
  let last;
  for (const [i, text] of texts.entries()) {
    last = await node.gateway.ingest(tenant, { channel: channel.channel, from, content: { type: 'text', text } });
    // Automated answers the bot gave between the customer's messages (failed automation attempts).
    if (i < botReplies)
      await node.gateway.reply(tenant, last.conversationId, {
        content: { type: 'text', text: `bot answer ${i}` },
        sender: { kind: 'bot' },
      });
  }
  if (last === undefined) throw new Error('no message');
  const ref = { tenant, conversationId: last.conversationId, customerId: last.customerId, seq: last.seq };
  const result = await node.gateway.recordAnalysis(tenant, ref, record);
  const event: AnalysedEvent = {
    ref,
    origin: { channel: channel.channel, from },
    text: texts[texts.length - 1] as string,
    analysis: result.analysis,
    result,
    timings: { inferenceMs: 0, recordMs: 0 },
  };
  routing.onAnalysed(event);
  return { ...ref, analysis: result.analysis, from };
}

const textArb = fc.stringMatching(/^[a-z]{2,9}( [a-z]{2,9}){0,7}$/);

test('Feature: omnichannel-cx-platform, Property 38: Escalation Context Transfer — an escalated conversation reaches the agent with its whole history, analysis, profile and bot attempts', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...CHANNELS),
      fc.array(textArb, { minLength: 0, maxLength: 6 }),
      fc.constantFrom('I want to talk to a human agent', 'get me a real person please', 'supervisor now'),
      fc.integer({ min: 0, max: 2 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (channel, earlier, ask, botReplies, confidence) => {
        const tenant = freshTenant();
        const { routing, events } = service();
        routing
          .router(tenant)
          .upsertAgent(
            { id: 'ann', name: 'Ann', skills: [{ skill: 'general', level: 3 }], languages: ['en'] },
            Date.now(),
          );
        routing.router(tenant).setStatus('ann', 'online', Date.now());
        const texts = [...earlier, ask];
        const written = await customerWrites(
          routing,
          tenant,
          channel,
          texts,
          analysis('contact_human_agent', confidence),
          Math.min(botReplies, earlier.length),
        );
        const offer = events.find((e) => e.event.type === 'offer');
        expect(offer?.tenant).toBe(tenant);
        if (offer?.event.type !== 'offer') throw new Error('no offer');
        expect(offer.event.agentId).toBe('ann');
        const context = await routing.context(tenant, written.conversationId as ConversationId);
        // The whole history, in order, inbound and outbound.
        const inbound = context.conversation.messages.filter((m) => m.direction === 'inbound');
        expect(inbound.map((m) => (m.content.type === 'text' ? m.content.text : ''))).toEqual(texts);
        const seqs = context.conversation.messages.map((m) => m.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        // The analysis of the message that escalated, with its urgency, and the customer's profile.
        expect(context.analysis?.intent).toBe('contact_human_agent');
        expect(context.analysis?.urgency.score).toBe(written.analysis.urgency.score);
        expect(context.customer.id).toBe(written.customerId);
        expect(context.botAttempts).toBe(Math.min(botReplies, earlier.length));
        // Why it was escalated, stored with the conversation's decisions.
        const kinds = context.decisions.map((d) => d.kind);
        expect(kinds).toContain('escalated');
        expect(kinds).toContain('offered');
        routing.stop();
      },
    ),
    RUNS,
  );
}, 120_000);

test('Feature: omnichannel-cx-platform, Property 39: Wait Time Notification — with nobody free, every queued customer is told the expected wait on their own channel', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...CHANNELS), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 3 }),
      async (channels, capacity) => {
        const tenant = freshTenant();
        const { routing } = service();
        const queued = new Promise<void>((resolve) => {
          let told = 0;
          routing.events.on('event', (t: TenantId, event: RouterEvent) => {
            if (t === tenant && event.type === 'wait-estimate' && ++told === channels.length) resolve();
          });
        });
        // The tenant has a desk, but its only agent is busy with as many conversations as it can take.
        routing
          .router(tenant)
          .upsertAgent(
            { id: 'bo', name: 'Bo', skills: [{ skill: 'general', level: 3 }], languages: ['en'], capacity },
            Date.now(),
          );
        routing.router(tenant).setStatus('bo', 'online', Date.now());
        for (let i = 0; i < capacity; i++)
          await customerWrites(
            routing,
            tenant,
            CHANNELS[0] as (typeof CHANNELS)[number],
            ['hi'],
            analysis('contact_human_agent', 0.9),
            0,
          );
        const waiting = [];
        for (const channel of channels)
          waiting.push({
            channel: channel.channel,
            ...(await customerWrites(
              routing,
              tenant,
              channel,
              ['I need a person'],
              analysis('contact_human_agent', 0.9),
              0,
            )),
          });
        await queued;
        // The notices are replies stored through the conversation actors: wait for them to be committed.
        const notices = [];
        for (const w of waiting) {
          let notice;
          for (let tries = 0; notice === undefined && tries < 200; tries++) {
            const conversation = await node.gateway.getConversation(tenant, w.conversationId);
            notice = conversation.messages.find(
              (m) => m.direction === 'outbound' && m.metadata.kind === 'wait-estimate',
            );
            if (notice === undefined) await new Promise((r) => setTimeout(r, 5));
          }
          expect(notice).toBeDefined();
          expect(notice?.channel).toBe(w.channel);
          expect(notice?.sender.kind).toBe('system');
          expect(JSON.stringify(notice?.content)).toMatch(/about \d+ minutes?/);
          notices.push(notice?.metadata as { waitEstimateMs: number; position: number });
        }
        // Positions are the queue order, and a later place never promises a shorter wait.
        expect(notices.map((n) => n.position)).toEqual(notices.map((_, i) => i + 1));
        for (let i = 1; i < notices.length; i++)
          expect((notices[i] as { waitEstimateMs: number }).waitEstimateMs).toBeGreaterThanOrEqual(
            (notices[i - 1] as { waitEstimateMs: number }).waitEstimateMs,
          );
        routing.stop();
      },
    ),
    RUNS,
  );
}, 120_000);
