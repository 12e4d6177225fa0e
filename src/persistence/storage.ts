// The LMDB environment: one file set under DATA_DIR, opened by the main thread (format check, reads for start-up) and
// by every shard worker (the native layer shares one environment per process). Each key has exactly one writer, its
// owning actor, so no write ever races another.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { DATABASES, type DatabaseName } from './key-layout.js';
import {
  describeMarker,
  FORMAT_APP,
  FORMAT_VERSION,
  IncompatibleDataDirError,
  type FormatMarker,
} from './format-version.js';
import { TenantStore } from './tenant-store.js';
import { lmdbFileProblem } from './lmdb-file-check.js';
import { AnalysisDueIndex } from './analysis-due-index.js';
import { RoutingStore } from './routing-store.js';
import { DeadLetterStore } from './dead-letter-store.js';
import { ArchiveDueIndex } from './archive-due-index.js';
import { OutboxStore } from './outbox-store.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { MediaStore } from './media-store.js';
import { EmailThreadIndex } from './email-thread-index.js';
import { MediaJobQueue } from './media-job-queue.js';
import type { TenantId } from '../domain/index.js';
import { CommitFlushes } from './commit-flushes.js';

export const ENV_FILE = 'omnicx.mdb';

/**
 * Databases whose values are stored as msgpack records against shared structures (the field names of each object
 * shape saved once, in the database under STRUCTURES_KEY, instead of inline in every value): the object values read
 * and written on every message's path. Measured with lmdb-js on a stored message (1.2 KB): get 7-9 µs instead of
 * 25-32 µs, put 28-46 µs instead of 61-67 µs, half the bytes. Values written before (inline records) stay readable
 * (test/persistence/storage.test.ts), and the structures entry is not returned by range scans or counted.
 */
const SHARED_STRUCTURES: ReadonlySet<DatabaseName> = new Set([
  'messages',
  'conversations',
  'customers',
  'routing-decisions',
  'outbox',
]);
const STRUCTURES_KEY = Symbol.for('omnicx.structures');

export type Databases = { [K in DatabaseName]: Database<unknown, Key> };

export interface StorageOptions {
  /** Create the directory and write the format marker when the directory is new (the main thread does this once). */
  create: boolean;
  /** Map size ceiling in bytes; LMDB grows the file lazily up to it. @default 64 GiB */
  mapSize?: number;
}

export class Storage {
  private readonly tenantStores = new Map<TenantId, TenantStore>();
  /** The flush of the newest committed append (see CommitFlushes). */
  private readonly commits: CommitFlushes;
  readonly archiveDue: ArchiveDueIndex;
  readonly analysisDue: AnalysisDueIndex;
  readonly routing: RoutingStore;
  readonly deadLetters: DeadLetterStore;
  readonly outbox: OutboxStore;
  readonly deliveries: DeliveryLedger;
  readonly media: MediaStore;
  readonly emailThreads: EmailThreadIndex;
  readonly mediaJobs: MediaJobQueue;

  private constructor(
    readonly dataDir: string,
    private readonly root: RootDatabase,
    readonly dbs: Databases,
  ) {
    this.commits = new CommitFlushes(() => root.flushed);
    this.archiveDue = new ArchiveDueIndex(dbs['archive-due']);
    this.analysisDue = new AnalysisDueIndex(dbs['analysis-due']);
    this.routing = new RoutingStore(dbs.agents, dbs['routing-decisions']);
    this.deadLetters = new DeadLetterStore(dbs['dead-letters'], dbs['analysis-due']);
    this.outbox = new OutboxStore(dbs.outbox, dbs['outbox-due']);
    this.deliveries = new DeliveryLedger(dbs.deliveries);
    this.media = new MediaStore(path.join(dataDir, 'media'), dbs.media);
    this.emailThreads = new EmailThreadIndex(dbs['email-threads']);
    this.mediaJobs = new MediaJobQueue(dbs['media-jobs']);
  }

  static open(dataDir: string, options: StorageOptions): Storage {
    const envPath = path.join(dataDir, ENV_FILE);
    const isNew = !existsSync(envPath);
    if (isNew) {
      if (!options.create) throw new IncompatibleDataDirError(dataDir, 'no OmniCX database');
      mkdirSync(dataDir, { recursive: true });
      const foreign = readdirSync(dataDir).filter((f) => !f.startsWith('.') && f !== 'media');
      if (foreign.length > 0)
        throw new IncompatibleDataDirError(dataDir, `unrelated files (${foreign.slice(0, 3).join(', ')})`);
    }
    if (!isNew) {
      const problem = lmdbFileProblem(envPath);
      if (problem !== undefined) throw new IncompatibleDataDirError(dataDir, problem);
    }
    let root: RootDatabase;
    try {
      root = open({
        path: envPath,
        maxDbs: 32,
        mapSize: options.mapSize ?? 64 * 1024 ** 3,
        compression: false,
        // Writes still resolve at commit; each also gets its own transaction's `flushed` (CommitFlushes).
        separateFlushed: true,
      });
    } catch (error) {
      throw new IncompatibleDataDirError(dataDir, `a file LMDB cannot open (${(error as Error).message})`);
    }
    const dbs = Object.fromEntries(
      DATABASES.map((name) => [
        name,
        root.openDB<unknown, Key>({
          name,
          encoding: 'msgpack',
          ...(SHARED_STRUCTURES.has(name) && { sharedStructuresKey: STRUCTURES_KEY }),
        }),
      ]),
    ) as Databases;
    const storage = new Storage(dataDir, root, dbs);
    storage.checkFormat(isNew && options.create);
    return storage;
  }

  private checkFormat(writeMarker: boolean): void {
    const meta = this.dbs.meta;
    if (writeMarker) {
      const marker: FormatMarker = { app: FORMAT_APP, version: FORMAT_VERSION, createdAt: Date.now() };
      meta.putSync('format', marker);
      return;
    }
    const marker = meta.get('format') as FormatMarker | undefined;
    if (marker === undefined || marker.app !== FORMAT_APP || marker.version !== FORMAT_VERSION) {
      const found = describeMarker(marker);
      this.close();
      throw new IncompatibleDataDirError(this.dataDir, found);
    }
  }

  /** The only way to reach tenant data: a store whose every key starts with this tenant. */
  forTenant(tenant: TenantId): TenantStore {
    let store = this.tenantStores.get(tenant);
    if (store === undefined) {
      store = new TenantStore(tenant, this.dbs, this.commits);
      this.tenantStores.set(tenant, store);
    }
    return store;
  }

  /** Resolves when every write issued so far is committed and flushed. */
  flushed(): Promise<boolean> {
    return this.root.flushed;
  }

  /**
   * Resolves when every message appended so far (inbound, or a reply with its outbox record) whose transaction has
   * committed is flushed, without waiting for transactions still to commit (see CommitFlushes): what acknowledging a
   * provider's webhook or a queued reply needs.
   */
  async appendsFlushed(): Promise<void> {
    await this.commits.committed();
  }

  close(): void {
    void this.root.close();
  }
}
