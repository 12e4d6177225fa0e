// CommitFlushes: acknowledging an inbound message waits for its own transaction's fsync, not for transactions
// committed after it; with real LMDB, appends carry that flush (lmdb-js `separateFlushed`).
import { CommitFlushes } from '../../src/persistence/commit-flushes.js';
import { Storage } from '../../src/persistence/index.js';
import type { Conversation, UnifiedMessage } from '../../src/domain/index.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A write promise shaped like lmdb-js's: resolves at commit, with `flushed` for its transaction's sync. */
function write() {
  const commit = deferred<boolean>();
  const flush = deferred();
  const promise = Object.assign(commit.promise, { flushed: flush.promise });
  return { promise, commit, flush };
}

const settled = async (p: PromiseLike<unknown>) => {
  let done = false;
  void Promise.resolve(p).then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

test('waits for the newest committed transaction only, and falls back to the environment before any', async () => {
  const env = deferred();
  const commits = new CommitFlushes(() => env.promise);
  expect(await settled(commits.committed())).toBe(false); // nothing tracked: the environment's flush
  env.resolve();
  expect(await settled(commits.committed())).toBe(true);

  const a = write();
  const b = write();
  commits.track(a.promise);
  commits.track(b.promise);
  a.commit.resolve(true);
  await a.promise;
  // b is still being filled or committed: an acknowledgement of a's message must not wait for it.
  const ack = commits.committed();
  expect(await settled(ack)).toBe(false); // a's own fsync is not done yet
  a.flush.resolve();
  expect(await settled(ack)).toBe(true);

  b.commit.resolve(true);
  await b.promise;
  expect(await settled(commits.committed())).toBe(false); // now b's fsync is the one to wait for
  b.flush.resolve();
  expect(await settled(commits.committed())).toBe(true);

  const failed = write();
  commits.track(failed.promise);
  failed.commit.reject(new Error('disk full'));
  await expect(failed.promise).rejects.toThrow('disk full');
  expect(await settled(commits.committed())).toBe(true); // a failed write changes nothing
});

test('with real LMDB an append carries its own flush, and appendsFlushed resolves once it is on disk', async () => {
  const dir = makeTempDir();
  const storage = Storage.open(dir, { create: true });
  try {
    const store = storage.forTenant('default' as never);
    const conversation = {
      id: 'cnv_1',
      tenantId: 'default',
      customerId: 'cus_1',
      status: 'active',
      channels: ['sms'],
      createdAt: 1,
      lastActivityAt: 1,
      lastSeq: 1,
    } as unknown as Conversation;
    const message = {
      id: 'msg_1',
      tenantId: 'default',
      conversationId: 'cnv_1',
      customerId: 'cus_1',
      seq: 1,
      channel: 'sms',
      direction: 'inbound',
      sender: { kind: 'customer', customerId: 'cus_1', address: '+15550001' },
      content: { type: 'text', text: 'hi' },
      timestamp: 1,
      receivedAt: 1,
      metadata: {},
    } as unknown as UnifiedMessage;
    const append = store.appendMessage(conversation, message, true);
    expect(typeof (append as { flushed?: PromiseLike<unknown> }).flushed?.then).toBe('function');
    await append;
    await storage.appendsFlushed();
    expect(store.getMessage('cnv_1' as never, 1)?.id).toBe('msg_1');
  } finally {
    storage.close();
    removeDir(dir);
  }
});
