// The LMDB store: format-version check at open, refusal of foreign or incompatible directories, and tenant isolation
// by construction (a TenantStore can only address its own tenant's keys).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { open } from 'lmdb';
import { parseTenantId, type Conversation, type ConversationId, type CustomerId } from '../../src/domain/index.js';
import { ENV_FILE, FORMAT_VERSION, IncompatibleDataDirError, Storage } from '../../src/persistence/index.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeDir(dir));

test('a new directory gets the format marker; reopening it works', () => {
  const dataDir = path.join(dir, 'data');
  Storage.open(dataDir, { create: true }).close();
  const again = Storage.open(dataDir, { create: false });
  expect(again.dbs.meta.get('format')).toMatchObject({ app: 'omnicx', version: FORMAT_VERSION });
  again.close();
});

test('a directory written with another format version is refused with a clear message', () => {
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  const foreign = open({ path: path.join(dataDir, ENV_FILE), maxDbs: 16 });
  foreign
    .openDB({ name: 'meta', encoding: 'msgpack' })
    .putSync('format', { app: 'omnicx', version: FORMAT_VERSION + 1, createdAt: 0 });
  void foreign.close();
  expect(() => Storage.open(dataDir, { create: true })).toThrow(IncompatibleDataDirError);
  expect(() => Storage.open(dataDir, { create: true })).toThrow(/format=2.*not usable|not usable.*format=2/s);
});

test('an LMDB file without our marker, or a directory of unrelated files, is refused', () => {
  const unmarked = path.join(dir, 'unmarked');
  mkdirSync(unmarked);
  const other = open({ path: path.join(unmarked, ENV_FILE), maxDbs: 16 });
  other.putSync('something', 'else');
  void other.close();
  expect(() => Storage.open(unmarked, { create: true })).toThrow(/no format marker/);

  const cluttered = path.join(dir, 'cluttered');
  mkdirSync(cluttered);
  writeFileSync(path.join(cluttered, 'notes.txt'), 'hello');
  expect(() => Storage.open(cluttered, { create: true })).toThrow(/unrelated files/);

  const garbage = path.join(dir, 'garbage');
  mkdirSync(garbage);
  writeFileSync(path.join(garbage, ENV_FILE), 'this is not an LMDB file at all, just text');
  expect(() => Storage.open(garbage, { create: true })).toThrow(IncompatibleDataDirError);
});

test('tenant stores are isolated by construction, even with identical ids', async () => {
  const storage = Storage.open(path.join(dir, 'data'), { create: true });
  const acme = storage.forTenant(parseTenantId('acme'));
  const globex = storage.forTenant(parseTenantId('globex'));
  const id = 'cnv_0000000000000000000001' as ConversationId;
  const conversation: Conversation = {
    id,
    tenantId: acme.tenant,
    customerId: 'cus_0000000000000000000001' as CustomerId,
    status: 'active',
    channels: ['sms'],
    createdAt: 1,
    lastActivityAt: 1,
    lastSeq: 0,
  };
  await acme.openConversation(conversation, 10);
  await acme.putIdentityOwner('phone:+15550000000', conversation.customerId);
  expect(acme.getConversation(id)?.id).toBe(id);
  expect(globex.getConversation(id)).toBeUndefined();
  expect(globex.getIdentityOwner('phone:+15550000000')).toBeUndefined();
  // Even a record copied under another tenant's prefix is not returned if it names a different tenant.
  await storage.dbs.conversations.put([globex.tenant, id], conversation);
  expect(globex.getConversation(id)).toBeUndefined();
  storage.close();
});

test('values written before shared structures (inline msgpack records) stay readable, beside new ones', async () => {
  const dataDir = path.join(dir, 'data');
  Storage.open(dataDir, { create: true }).close();
  // The previous layout: the same databases opened without shared structures, every value self-describing.
  const value = (seq: number) => ({
    seq,
    content: { type: 'text', text: `message ${seq}` },
    metadata: { raw: { id: seq, nested: [1, { deep: 'x' }] } },
    ...(seq % 2 === 0 && { analysis: { intent: 'track_order', entities: [{ type: 'order_id', start: 3 }] } }),
  });
  const old = open({ path: path.join(dataDir, ENV_FILE), maxDbs: 32 });
  const oldMessages = old.openDB({ name: 'messages', encoding: 'msgpack' });
  for (let seq = 1; seq <= 20; seq++) await oldMessages.put(['acme', 'cnv_a', seq], value(seq));
  await old.close();

  const storage = Storage.open(dataDir, { create: false });
  for (let seq = 21; seq <= 40; seq++) await storage.dbs.messages.put(['acme', 'cnv_a', seq], value(seq));
  storage.close();

  const reopened = Storage.open(dataDir, { create: false });
  const stored = [...reopened.dbs.messages.getRange({ start: ['acme', 'cnv_a', 0], end: ['acme', 'cnv_a', 1e9] })];
  expect(stored.map((e) => e.value)).toEqual(Array.from({ length: 40 }, (_, i) => value(i + 1)));
  // The structures entry is neither scanned nor counted.
  expect([...reopened.dbs.messages.getRange({})]).toHaveLength(40);
  expect(reopened.dbs.messages.getCount()).toBe(40);
  // New values are smaller than the self-describing old ones.
  expect(reopened.dbs.messages.getBinary(['acme', 'cnv_a', 22])!.length).toBeLessThan(
    reopened.dbs.messages.getBinary(['acme', 'cnv_a', 2])!.length,
  );
  reopened.close();
});
