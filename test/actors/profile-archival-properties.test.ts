// Properties 13 and 14 over the real actors and a real LMDB: profiles survive restarts and passivation; inactive
// conversations are archived by their timers (or, when passivated, by the durable timer index) and stay readable.
import fc from 'fast-check';
import { CHANNEL_TYPES, type ChannelType, type ConversationId } from '../../src/domain/index.js';
import { freshTenant, startInProcessNode, type InProcessNode } from '../helpers/in-process-node.js';
import { removeDir } from '../helpers/temp-dir.js';
import { eventually } from '../helpers/eventually.js';

const RUNS = { numRuns: 100 };

describe('customer profiles', () => {
  let node: InProcessNode;
  beforeAll(() => {
    node = startInProcessNode({ shards: 2 });
  });
  afterAll(() => {
    node.close();
    removeDir(node.dir);
  });

  test('Feature: omnichannel-cx-platform, Property 13: Customer Profile Persistence', async () => {
    const channelAndAddress = fc.oneof(
      fc.tuple(fc.constantFrom<ChannelType>('whatsapp', 'sms', 'voice'), fc.stringMatching(/^\+[1-9][0-9]{9,11}$/)),
      fc.tuple(fc.constant<ChannelType>('email'), fc.stringMatching(/^[a-z]{3,8}@[a-z]{3,6}\.com$/)),
      fc.tuple(
        fc.constantFrom<ChannelType>('telegram', 'messenger', 'instagram', 'webchat'),
        fc.stringMatching(/^[a-z0-9]{4,12}$/),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        channelAndAddress,
        fc.option(
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
          { nil: undefined },
        ),
        fc.option(fc.stringMatching(/^[a-z]{3,8}@corp\.test$/), { nil: undefined }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<'restart' | 'passivate'>('restart', 'passivate'),
        async ([channel, from], name, email, count, how) => {
          const tenant = freshTenant();
          let last;
          for (let i = 0; i < count; i++) {
            last = await node.gateway.ingest(tenant, {
              channel,
              from,
              content: { type: 'text', text: `hello ${i}` },
              ...(name === undefined ? {} : { name: name.trim() }),
              ...(email === undefined ? {} : { email }),
            });
          }
          const before = await node.gateway.getCustomer(tenant, last!.customerId);
          if (how === 'restart') node = node.restart();
          else node.shards.passivateAll();
          const after = await node.gateway.getCustomer(tenant, last!.customerId);
          expect(after.id).toBe(last!.customerId);
          expect(after.name).toBe(name?.trim());
          expect(after.contacts.map((c) => [c.channel, c.address])).toEqual([[channel, from]]);
          if (email !== undefined) expect(after.identities).toContainEqual({ kind: 'email', value: email });
          expect(after.activeConversationId).toBe(last!.conversationId);
          expect(after.conversationIds).toEqual([last!.conversationId]);
          expect(after.identities).toEqual(before.identities);
          // The actor reloaded from disk keeps working on the same profile and conversation.
          const next = await node.gateway.ingest(tenant, {
            channel,
            from,
            content: { type: 'text', text: 'after reload' },
          });
          expect(next.customerId).toBe(last!.customerId);
          expect(next.seq).toBe(count + 1);
        },
      ),
      RUNS,
    );
  });
});

describe('conversation archival', () => {
  const ARCHIVE_AFTER_MS = 40;
  let node: InProcessNode;
  beforeAll(() => {
    node = startInProcessNode({ shards: 2, archiveAfterMs: ARCHIVE_AFTER_MS });
  });
  afterAll(() => node.destroy());

  test('Feature: omnichannel-cx-platform, Property 14: Conversation Archival', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CHANNEL_TYPES.filter((c) => c !== 'email')),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        async (channel, count, passivated) => {
          const tenant = freshTenant();
          const from = channel === 'whatsapp' || channel === 'sms' || channel === 'voice' ? '+4930123456' : 'user-1';
          const acks = [];
          for (let i = 0; i < count; i++)
            acks.push(await node.gateway.ingest(tenant, { channel, from, content: { type: 'text', text: `m${i}` } }));
          const conversationId = acks[0]!.conversationId as ConversationId;
          // Back-to-back messages share one conversation.
          expect(new Set(acks.map((a) => a.conversationId)).size).toBe(1);
          // A passivated conversation has no timer in memory: the durable due index must still get it archived.
          if (passivated) node.shards.passivateAll();
          const archived = await eventually(async () => {
            const c = await node.gateway.getConversation(tenant, conversationId);
            return c.archived ? c : undefined;
          });
          expect(archived.status).toBe('archived');
          expect(archived.archivedAt).toBeGreaterThanOrEqual(archived.lastActivityAt + ARCHIVE_AFTER_MS);
          expect(archived.messages.map((m) => m.content)).toEqual(
            acks.map((_, i) => ({ type: 'text', text: `m${i}` })),
          );
          // The customer's next message opens a new conversation; the archived one stays retrievable.
          const next = await node.gateway.ingest(tenant, {
            channel,
            from,
            content: { type: 'text', text: 'back again' },
          });
          expect(next.customerId).toBe(acks[0]!.customerId);
          expect(next.conversationId).not.toBe(conversationId);
          expect(next.seq).toBe(1);
          const profile = await node.gateway.getCustomer(tenant, next.customerId);
          expect(profile.conversationIds).toEqual([conversationId, next.conversationId]);
          expect(profile.activeConversationId).toBe(next.conversationId);
          expect((await node.gateway.getConversation(tenant, conversationId)).messages).toHaveLength(count);
          expect(
            node.storage
              .forTenant(tenant)
              .listArchived()
              .map((a) => a.conversationId),
          ).toContain(conversationId);
        },
      ),
      RUNS,
    );
  });
});
