// Downloads provider media after the message that carries it is committed (the provider was answered already), stores
// the file once by content hash, and attaches the reference to the message. Jobs are durable and retried with the
// delivery backoff, so an unreachable provider or a restart delays a file but never loses it; a permanent failure
// (too large, gone) is logged and the message keeps its provider media id.
import type { Logger } from 'pino';
import type { ActorGateway, IngestResult } from '../../actors/index.js';
import type { ChannelType, JsonObject, TenantId } from '../../domain/index.js';
import type { MediaJob, MediaJobQueue, MediaStore } from '../../persistence/index.js';
import type { PendingMedia } from '../channels/webhook-adapter.js';
import { DeliveryError, retryDelay, type BackoffPolicy } from '../outbound/index.js';
import type { MediaFetcher } from './provider-media.js';

export interface MediaDownloaderOptions {
  queue: MediaJobQueue;
  store: MediaStore;
  gateway: ActorGateway;
  fetchers: Partial<Record<ChannelType, MediaFetcher>>;
  policy: BackoffPolicy;
  concurrency: number;
  logger: Logger;
  onOutcome?: (job: MediaJob, outcome: 'stored' | 'retry' | 'failed') => void;
}

export class MediaDownloader {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<string>();
  private stopped = true;

  constructor(private readonly options: MediaDownloaderOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** Records the download of a just-committed message's media; resolves when the job is durable. */
  async enqueue(tenant: TenantId, channel: ChannelType, result: IngestResult, media: PendingMedia): Promise<void> {
    await this.options.queue.add({
      tenant,
      channel,
      conversationId: result.conversationId,
      customerId: result.customerId,
      seq: result.seq,
      media: { ...media } as JsonObject,
      attempts: 0,
      dueAt: Date.now(),
    });
    this.schedule(0);
  }

  /** Runs every due job once and waits for the outcomes (the loop does the same on its schedule). */
  async runOnce(now = Date.now()): Promise<number> {
    const started: Promise<void>[] = [];
    for (const job of this.options.queue.due(now, this.options.concurrency * 2)) {
      const key = `${job.tenant}\u0000${job.conversationId}\u0000${job.seq}`;
      if (this.inFlight.has(key) || this.inFlight.size >= this.options.concurrency) continue;
      this.inFlight.add(key);
      started.push(this.attempt(job).finally(() => this.inFlight.delete(key)));
    }
    await Promise.all(started);
    return started.length;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => {
        const next = this.options.queue.nextDueAt();
        this.schedule(next === undefined ? 1000 : Math.min(1000, Math.max(10, next - Date.now())));
      });
    }, delay);
    this.timer.unref();
  }

  private async attempt(job: MediaJob): Promise<void> {
    const { logger, queue } = this.options;
    const media = job.media as unknown as PendingMedia;
    try {
      const fetcher = this.options.fetchers[job.channel];
      if (fetcher === undefined)
        throw new DeliveryError(`no media fetcher configured for ${job.channel}`, false, 'NOT_CONFIGURED');
      const fetched = await fetcher(media);
      const ref = await this.options.store.put(fetched.bytes, media.mimeType ?? fetched.mimeType, media.fileName);
      await this.options.gateway.attachMedia(job.tenant, job, ref);
      await queue.remove(job);
      logger.debug(
        { conversationId: job.conversationId, seq: job.seq, sha256: ref.sha256, size: ref.size },
        'media stored',
      );
      this.options.onOutcome?.(job, 'stored');
    } catch (error) {
      const failure =
        error instanceof DeliveryError ? error : new DeliveryError(String((error as Error)?.message ?? error), true);
      const attempts = job.attempts + 1;
      const log = {
        conversationId: job.conversationId,
        seq: job.seq,
        channel: job.channel,
        attempts,
        reason: failure.message,
      };
      if (!failure.retryable || attempts >= this.options.policy.maxAttempts) {
        logger.error(log, 'media download failed for good; the message keeps its provider reference');
        await queue.remove(job).catch(() => undefined);
        this.options.onOutcome?.(job, 'failed');
        return;
      }
      const next: MediaJob = {
        ...job,
        attempts,
        lastError: failure.message,
        dueAt: Date.now() + retryDelay(this.options.policy, attempts, Math.random, failure.retryAfterMs),
      };
      logger.warn({ ...log, retryInMs: next.dueAt - Date.now() }, 'media download failed; will retry');
      await queue
        .reschedule(job, next)
        .catch((err: unknown) => logger.error({ err }, 'could not reschedule a media download'));
      this.options.onOutcome?.(job, 'retry');
    }
  }
}
