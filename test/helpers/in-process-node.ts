// A real store and real actors on the test's own thread: LMDB in a temp dir, N ShardRuntimes, the ActorGateway.
import * as path from 'node:path';
import pino from 'pino';
import { ActorGateway, InProcessShards } from '../../src/actors/index.js';
import { parseTenantId, type TenantId } from '../../src/domain/index.js';
import { Storage } from '../../src/persistence/index.js';
import { makeTempDir, removeDir } from './temp-dir.js';

export interface InProcessNode {
  dir: string;
  storage: Storage;
  shards: InProcessShards;
  gateway: ActorGateway;
  /** Closes the runtimes and storage and reopens them on the same directory: a restart. */
  restart(): InProcessNode;
  close(): void;
  destroy(): void;
}

export interface InProcessNodeOptions {
  shards?: number;
  passivateAfterMs?: number;
  archiveAfterMs?: number;
  /** Mark inbound messages as waiting for analysis (as a node with inference does). @default false */
  analysis?: boolean;
  dir?: string;
}

export function startInProcessNode(options: InProcessNodeOptions = {}): InProcessNode {
  const dir = options.dir ?? makeTempDir();
  const storage = Storage.open(path.join(dir, 'data'), { create: true });
  const logger = pino({ level: 'silent' });
  const shards = new InProcessShards({
    shards: options.shards ?? 2,
    storage,
    passivateAfterMs: options.passivateAfterMs ?? 60_000,
    archiveAfterMs: options.archiveAfterMs ?? 24 * 3600_000,
    analysis: { enabled: options.analysis ?? false, repeatWindowMs: 7 * 86_400_000 },
    logger,
  });
  const gateway = new ActorGateway(shards, logger);
  const node: InProcessNode = {
    dir,
    storage,
    shards,
    gateway,
    restart() {
      node.close();
      return startInProcessNode({ ...options, dir });
    },
    close() {
      shards.close();
      storage.close();
    },
    destroy() {
      node.close();
      removeDir(dir);
    },
  };
  return node;
}

let tenantCounter = 0;
/** A fresh tenant per property run: runs share one store yet cannot see each other's data. */
export function freshTenant(): TenantId {
  return parseTenantId(`t${process.pid}-${++tenantCounter}`);
}
