// Property 2 over the real delivery engine and the real LMDB outbox: failed sends are retried with exponential
// backoff (equal jitter, capped, Retry-After honoured), up to the configured maximum, every failure recorded with its
// reason, and the outcome durable. The provider is a scripted adapter (the third-party boundary); time is virtual.
import * as path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { parseTenantId, type ConversationId } from '../../src/domain/index.js';
import { Storage, type OutboxRecord } from '../../src/persistence/index.js';
import { backoffCeiling } from '../../src/transport/outbound/delivery-backoff.js';
import { DeliveryEngine } from '../../src/transport/outbound/delivery-engine.js';
import { DeliveryError, type OutboundAdapter } from '../../src/transport/outbound/outbound-adapter.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

type Step = { kind: 'ok' } | { kind: 'retryable'; retryAfterMs?: number } | { kind: 'permanent' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'ok' }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('retryable' as const),
      retryAfterMs: fc.option(fc.integer({ min: 1, max: 120_000 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'permanent' }) },
);

let dir: string;
let storage: Storage;
beforeAll(() => {
  dir = makeTempDir();
  storage = Storage.open(path.join(dir, 'data'), { create: true });
});
afterAll(() => {
  storage.close();
  removeDir(dir);
});

let counter = 0;

test('Feature: omnichannel-cx-platform, Property 2: Retry with Exponential Backoff', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        baseDelayMs: fc.integer({ min: 1, max: 2_000 }),
        maxFactor: fc.integer({ min: 1, max: 64 }),
        maxAttempts: fc.integer({ min: 1, max: 10 }),
      }),
      fc.array(step, { minLength: 1, maxLength: 12 }),
      fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
      async ({ baseDelayMs, maxFactor, maxAttempts }, script, randoms) => {
        const policy = { baseDelayMs, maxDelayMs: baseDelayMs * maxFactor, maxAttempts };
        let clock = 1_000_000;
        const calls: number[] = [];
        const adapter: OutboundAdapter = {
          channel: 'sms',
          send: async () => {
            const s = script[calls.length] ?? { kind: 'retryable' };
            calls.push(clock);
            if (s.kind === 'ok') return { providerMessageIds: [`SM${calls.length}`] };
            if (s.kind === 'permanent') throw new DeliveryError('invalid recipient', false, '21211');
            throw new DeliveryError('provider busy', true, '429', s.retryAfterMs);
          },
        };
        const random = randoms[Symbol.iterator]();
        const engine = new DeliveryEngine({
          store: storage.outbox,
          adapters: { sms: adapter },
          policy,
          concurrency: 4,
          logger: pino({ level: 'silent' }),
          now: () => clock,
          random: () => random.next().value as number,
        });
        const tenant = parseTenantId('p2');
        const record: OutboxRecord = {
          id: `out-${++counter}`,
          tenant,
          conversationId: 'cnv_0000000000000000000000' as ConversationId,
          seq: 1,
          channel: 'sms',
          to: '+15550001234',
          content: { type: 'text', text: 'hello' },
          context: {},
          state: 'pending',
          attempts: 0,
          nextAttemptAt: clock,
          createdAt: clock,
          updatedAt: clock,
          errors: [],
          providerMessageIds: [],
        };
        await storage.outbox.save(record);
        // Drive the engine: jump the virtual clock to each due time and let it attempt.
        for (let guard = 0; guard < 50; guard++) {
          const current = storage.outbox.get(tenant, record.id)!;
          if (current.state !== 'pending') break;
          clock = current.nextAttemptAt;
          await engine.runOnce();
        }
        const final = storage.outbox.get(tenant, record.id)!;

        // Expected outcome from the script: the first success or permanent failure within maxAttempts decides.
        const decisive = script.slice(0, maxAttempts).findIndex((s) => s.kind !== 'retryable');
        // Steps past the end of the script are retryable failures.
        const expectedAttempts = decisive >= 0 ? decisive + 1 : maxAttempts;
        expect(calls).toHaveLength(expectedAttempts);
        expect(final.attempts).toBe(expectedAttempts);
        expect(final.state).toBe(decisive >= 0 && script[decisive]!.kind === 'ok' ? 'sent' : 'failed');
        if (final.state === 'sent') expect(final.providerMessageIds).toEqual([`SM${expectedAttempts}`]);
        // Every failure is recorded with its reason and retryability.
        const failures = final.state === 'sent' ? expectedAttempts - 1 : expectedAttempts;
        expect(final.errors.slice(-failures).map((e) => e.attempt)).toEqual(
          Array.from({ length: failures }, (_, i) => i + 1),
        );
        for (const e of final.errors) expect(e.reason).toMatch(/provider busy|invalid recipient/);

        // The gap before retry n lies in [ceiling/2, ceiling], ceiling = min(max, base·2^(n-1)), unless the provider
        // asked for longer with Retry-After (then that, capped at the maximum delay).
        for (let n = 1; n < calls.length; n++) {
          const gap = calls[n]! - calls[n - 1]!;
          const ceiling = backoffCeiling(policy, n);
          const asked = ((script[n - 1] ?? { kind: 'retryable' }) as { retryAfterMs?: number }).retryAfterMs;
          const low = Math.ceil(ceiling / 2);
          if (asked !== undefined && asked > low) {
            expect(gap).toBeGreaterThanOrEqual(Math.min(low, policy.maxDelayMs));
            expect(gap).toBeLessThanOrEqual(Math.max(ceiling, Math.min(asked, policy.maxDelayMs)));
          } else {
            expect(gap).toBeGreaterThanOrEqual(low);
            expect(gap).toBeLessThanOrEqual(ceiling);
          }
          expect(gap).toBeLessThanOrEqual(policy.maxDelayMs);
        }
        // Without Retry-After, ceilings double until the cap: later retries never wait less than earlier ones allow.
        for (let n = 2; n < calls.length; n++)
          expect(backoffCeiling(policy, n)).toBe(Math.min(policy.maxDelayMs, 2 * backoffCeiling(policy, n - 1)));
        // The outcome is durable: a fresh environment reads the same record.
        await storage.flushed();
        const reopened = Storage.open(path.join(dir, 'data'), { create: false });
        expect(reopened.outbox.get(tenant, record.id)).toEqual(final);
        reopened.close();
      },
    ),
    { numRuns: 150 },
  );
});
