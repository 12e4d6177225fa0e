// Provider media waiting to be downloaded, durable so that a restart or a provider outage never loses a file: a job is
// recorded when its message is committed and removed only once the file is stored and attached (or given up on).
import type { Database, Key } from 'lmdb';
import type { ChannelType, ConversationId, CustomerId, JsonObject, TenantId } from '../domain/index.js';

export interface MediaJob {
  tenant: TenantId;
  channel: ChannelType;
  conversationId: ConversationId;
  customerId: CustomerId;
  seq: number;
  /** The adapter's PendingMedia (provider media id or URL, declared type and hash). */
  media: JsonObject;
  attempts: number;
  dueAt: number;
  lastError?: string;
}

export class MediaJobQueue {
  constructor(private readonly db: Database<unknown, Key>) {}

  private key(job: Pick<MediaJob, 'dueAt' | 'tenant' | 'conversationId' | 'seq'>): Key {
    return [job.dueAt, job.tenant, job.conversationId, job.seq];
  }

  add(job: MediaJob): Promise<boolean> {
    return this.db.put(this.key(job), job);
  }

  /** Moves a job to a new due time (a retry), atomically. */
  reschedule(job: MediaJob, next: MediaJob): Promise<boolean> {
    return this.db.batch(() => {
      void this.db.remove(this.key(job));
      void this.db.put(this.key(next), next);
    });
  }

  remove(job: MediaJob): Promise<boolean> {
    return this.db.remove(this.key(job));
  }

  *due(now: number, limit: number): Generator<MediaJob> {
    for (const { value } of this.db.getRange({ start: [0], end: [now + 1], limit })) yield value as MediaJob;
  }

  nextDueAt(): number | undefined {
    for (const key of this.db.getKeys({ start: [0], limit: 1 })) return (key as [number])[0];
    return undefined;
  }

  size(): number {
    return this.db.getKeysCount();
  }
}
