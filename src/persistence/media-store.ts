// Content-addressed media: each file is stored once under DATA_DIR/media/<aa>/<sha256>, whatever number of messages
// reference it (Requirement 1.3). A file is written to a temporary name, flushed and renamed, so a crash never leaves
// a partial file under a real hash; the LMDB `media` record (size, type) is written after the file is durable.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { Database, Key } from 'lmdb';
import type { MediaRef } from '../domain/index.js';

export interface MediaRecord {
  sha256: string;
  size: number;
  mimeType: string;
  createdAt: number;
}

export class MediaStore {
  constructor(
    private readonly dir: string,
    private readonly db: Database<unknown, Key>,
  ) {}

  pathOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  get(sha256: string): MediaRecord | undefined {
    return this.db.get([sha256]) as MediaRecord | undefined;
  }

  /** Stores bytes once; resolves with the reference when both the file and its record are durable. */
  async put(bytes: Buffer, mimeType: string, fileName?: string): Promise<MediaRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ref: MediaRef = { sha256, mimeType, size: bytes.length, ...(fileName === undefined ? {} : { fileName }) };
    const target = this.pathOf(sha256);
    if (this.get(sha256) !== undefined && existsSync(target)) return ref;
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const record: MediaRecord = { sha256, size: bytes.length, mimeType, createdAt: Date.now() };
    await this.db.put([sha256], record);
    return ref;
  }
}
