// Properties 11-14 over the real actors (ShardRuntimes with their identity, customer and conversation actors) and a
// real LMDB environment in a temp dir. Each run uses its own tenant, so runs are independent yet share one store.
import fc from 'fast-check';
import type { InboundDraft } from '../../src/actors/index.js';
import { compareChronologically, type ChannelType, type ConversationId } from '../../src/domain/index.js';
import { freshTenant, startInProcessNode, type InProcessNode } from '../helpers/in-process-node.js';

const RUNS = { numRuns: 100 };

let node: InProcessNode;
beforeAll(() => {
  node = startInProcessNode({ shards: 3 });
});
afterAll(() => node.destroy());

/** A phone number written the ways different providers write it. */
const phoneDigits = fc.stringMatching(/^[1-9][0-9]{9,11}$/);
const phoneSpelling = (digits: string) =>
  fc.constantFrom(
    `+${digits}`,
    digits,
    `00${digits}`,
    `+${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}`,
    `whatsapp:+${digits}`,
  );
const emailAddress = fc.tuple(
  fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/),
  fc.constantFrom('example.com', 'mail.test', 'shop.io'),
);
const caseOf = (s: string) => fc.constantFrom(s, s.toUpperCase(), s[0]?.toUpperCase() + s.slice(1));

describe('conversation and customer actors', () => {
  test('Feature: omnichannel-cx-platform, Property 11: Cross-Channel Conversation Linking', async () => {
    await fc.assert(
      fc.asyncProperty(
        phoneDigits,
        emailAddress,
        fc.array(fc.tuple(fc.constantFrom<ChannelType>('whatsapp', 'sms', 'voice', 'email', 'webchat'), fc.nat(4)), {
          minLength: 2,
          maxLength: 8,
        }),
        fc.boolean(),
        async (digits, [user, domain], plan, concurrent) => {
          const tenant = freshTenant();
          const email = `${user}@${domain}`;
          // The first message names both the phone and the email, which is what ties the person together.
          const introduction: InboundDraft = {
            channel: 'api',
            from: `crm-${user}`,
            content: { type: 'text', text: 'hello' },
            phone: `+${digits}`,
            email,
          };
          await node.gateway.ingest(tenant, introduction);
          const drafts = await Promise.all(
            plan.map(async ([channel, variant], i): Promise<InboundDraft> => {
              if (channel === 'email') {
                const spelled = fc.sample(caseOf(email), { numRuns: 1, seed: variant })[0] as string;
                return { channel, from: spelled, content: { type: 'text', text: `mail ${i}` } };
              }
              if (channel === 'webchat')
                return { channel, from: `visitor-${user}`, content: { type: 'text', text: `chat ${i}` }, email };
              const spelled = fc.sample(phoneSpelling(digits), { numRuns: 1, seed: variant })[0] as string;
              return { channel, from: spelled, content: { type: 'text', text: `msg ${i}` } };
            }),
          );
          const results = concurrent
            ? await Promise.all(drafts.map((d) => node.gateway.ingest(tenant, d)))
            : await drafts.reduce<Promise<Array<Awaited<ReturnType<typeof node.gateway.ingest>>>>>(
                async (acc, d) => [...(await acc), await node.gateway.ingest(tenant, d)],
                Promise.resolve([]),
              );
          const customers = new Set(results.map((r) => r.customerId));
          const conversations = new Set(results.map((r) => r.conversationId));
          expect(customers.size).toBe(1);
          expect(conversations.size).toBe(1);
          const conversation = await node.gateway.getConversation(tenant, results[0]?.conversationId as ConversationId);
          expect(conversation.messages).toHaveLength(drafts.length + 1);
          expect(new Set(conversation.channels)).toEqual(new Set(['api', ...drafts.map((d) => d.channel)]));
        },
      ),
      RUNS,
    );
  });

  test('Feature: omnichannel-cx-platform, Property 11: Cross-Channel Conversation Linking (simultaneous first contact is race-free)', async () => {
    await fc.assert(
      fc.asyncProperty(phoneDigits, fc.integer({ min: 2, max: 6 }), async (digits, copies) => {
        const tenant = freshTenant();
        // The same person's first messages arrive at once on several phone channels: one customer must come out.
        const channels: ChannelType[] = ['whatsapp', 'sms', 'voice'];
        const results = await Promise.all(
          Array.from({ length: copies }, (_, i) =>
            node.gateway.ingest(tenant, {
              channel: channels[i % 3] as ChannelType,
              from: `+${digits}`,
              content: { type: 'text', text: `first ${i}` },
            }),
          ),
        );
        expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
        expect(new Set(results.map((r) => r.conversationId)).size).toBe(1);
        expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: copies }, (_, i) => i + 1),
        );
      }),
      RUNS,
    );
  });

  test('Feature: omnichannel-cx-platform, Property 11: Cross-Channel Conversation Linking (customers found to be one person are merged)', async () => {
    await fc.assert(
      fc.asyncProperty(
        phoneDigits,
        emailAddress,
        fc.constantFrom<'message' | 'link' | 'concurrent-messages'>('message', 'link', 'concurrent-messages'),
        fc.integer({ min: 1, max: 3 }),
        async (digits, [user, domain], how, extra) => {
          const tenant = freshTenant();
          const email = `${user}@${domain}`;
          // The person first appears as two strangers: a WhatsApp number and an email address.
          const byPhone = await node.gateway.ingest(tenant, {
            channel: 'whatsapp',
            from: `+${digits}`,
            content: { type: 'text', text: 'on whatsapp' },
          });
          const byMail = await node.gateway.ingest(tenant, {
            channel: 'email',
            from: email,
            content: { type: 'text', text: 'by mail' },
          });
          expect(byPhone.customerId).not.toBe(byMail.customerId);
          if (how === 'link') {
            await node.gateway.linkIdentities(tenant, byMail.customerId, [{ kind: 'phone', value: `+${digits}` }]);
          } else {
            // A message naming both identities proves they are one person; concurrent ones must converge.
            const copies = how === 'message' ? 1 : extra + 1;
            await Promise.all(
              Array.from({ length: copies }, (_, i) =>
                node.gateway.ingest(tenant, {
                  channel: 'webchat',
                  from: `visitor-${user}-${i}`,
                  content: { type: 'text', text: 'both' },
                  email,
                  phone: `+${digits}`,
                }),
              ),
            );
          }
          const survivor = byPhone.customerId < byMail.customerId ? byPhone.customerId : byMail.customerId;
          const after = await Promise.all([
            node.gateway.ingest(tenant, { channel: 'sms', from: digits, content: { type: 'text', text: 'sms after' } }),
            node.gateway.ingest(tenant, {
              channel: 'email',
              from: email.toUpperCase(),
              content: { type: 'text', text: 'mail after' },
            }),
          ]);
          expect(after.map((r) => r.customerId)).toEqual([survivor, survivor]);
          expect(after[0]!.conversationId).toBe(after[1]!.conversationId);
          // Both former ids lead to the one profile, which holds both identities and every conversation.
          for (const id of [byPhone.customerId, byMail.customerId]) {
            const profile = await node.gateway.getCustomer(tenant, id);
            expect(profile.id).toBe(survivor);
            expect(profile.identities).toEqual(
              expect.arrayContaining([
                { kind: 'phone', value: `+${digits}` },
                { kind: 'email', value: email },
              ]),
            );
            expect(profile.conversationIds).toEqual(
              expect.arrayContaining([byPhone.conversationId, byMail.conversationId]),
            );
            expect(profile.activeConversationId).toBe(after[0]!.conversationId);
          }
          // Earlier messages stay retrievable.
          expect((await node.gateway.getConversation(tenant, byPhone.conversationId)).messages[0]?.content).toEqual({
            type: 'text',
            text: 'on whatsapp',
          });
          expect((await node.gateway.getConversation(tenant, byMail.conversationId)).messages[0]?.content).toEqual({
            type: 'text',
            text: 'by mail',
          });
        },
      ),
      RUNS,
    );
  });

  test('Feature: omnichannel-cx-platform, Property 12: Chronological Message Ordering', async () => {
    const base = Date.UTC(2026, 0, 1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 3_600_000 }),
            hasTimestamp: fc.boolean(),
            burst: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 25,
          },
        ),
        async (messages) => {
          const tenant = freshTenant();
          const acks: Array<{ seq: number; index: number; after: number }> = [];
          // Messages of one burst are in flight together; a message outside a burst is sent after every earlier
          // message was acknowledged, so it must come after all of them.
          let burst: Promise<void>[] = [];
          let acknowledgedBefore = 0;
          for (const [index, m] of messages.entries()) {
            const draft: InboundDraft = {
              channel: 'sms',
              from: '+15550001111',
              content: { type: 'text', text: `m${index}` },
              ...(m.hasTimestamp ? { timestamp: base + m.offset } : {}),
            };
            const after = acknowledgedBefore;
            burst.push(node.gateway.ingest(tenant, draft).then((r) => void acks.push({ seq: r.seq, index, after })));
            if (!m.burst) {
              await Promise.all(burst);
              burst = [];
              acknowledgedBefore = index + 1;
            }
          }
          await Promise.all(burst);
          const conversation = await node.gateway.getConversation(
            tenant,
            (
              await node.gateway.ingest(tenant, {
                channel: 'sms',
                from: '+15550001111',
                content: { type: 'text', text: 'end' },
              })
            ).conversationId,
          );
          const stored = conversation.messages;
          // Every acknowledged message exactly once, listed in seq order 1..n, with the receipt clock never going back.
          expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
          for (let i = 1; i < stored.length; i++) {
            expect(compareChronologically(stored[i - 1]!, stored[i]!)).toBeLessThan(0);
            expect(stored[i]!.receivedAt).toBeGreaterThanOrEqual(stored[i - 1]!.receivedAt);
          }
          expect(stored).toHaveLength(messages.length + 1);
          for (const ack of acks) {
            const message = stored.find((m) => m.seq === ack.seq)!;
            expect(message.content).toEqual({ type: 'text', text: `m${ack.index}` });
            // The provider's own timestamp is kept exactly.
            const m = messages[ack.index]!;
            if (m.hasTimestamp) expect(message.timestamp).toBe(base + m.offset);
            // Sent after n acknowledged messages → stored after them.
            expect(ack.seq).toBeGreaterThan(ack.after);
          }
        },
      ),
      RUNS,
    );
  });
});
