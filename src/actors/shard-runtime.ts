// One shard's runtime, independent of threads: the actor host with its three actor kinds, the archival sweeper and
// the request handlers. The worker entry wraps it in a MessagePort; tests can also drive it directly.
import { EventLoopLag } from '../observability/index.js';
import type { Logger } from 'pino';
import {
  identityKey,
  OmniError,
  type ConversationId,
  type ConversationWithMessages,
  type CustomerId,
  type CustomerProfile,
  type TenantId,
} from '../domain/index.js';
import type { Storage } from '../persistence/index.js';
import { ActorHost } from './actor-host.js';
import { actorKey, CONVERSATION, CUSTOMER, IDENTITY, parseActorKey } from './actor-keys.js';
import { ArchivalSweeper } from './archival-sweeper.js';
import { ConversationActor } from './conversation-actor.js';
import { CustomerActor } from './customer-actor.js';
import { IdentityActor } from './identity-actor.js';
import {
  ANALYSIS_DISABLED,
  type ShardAnalysisOptions,
  type ShardRequest,
  type ShardRequestType,
  type ShardResponse,
  type ShardStats,
} from './protocol.js';
import { ask } from './reply.js';
import type { PendingAnalyses } from './pending-analyses.js';
import { shardOf } from './shard-router.js';

export interface ShardRuntimeOptions {
  shard: number;
  shards: number;
  storage: Storage;
  passivateAfterMs: number;
  /** This shard's cap on actors in memory (all kinds); undefined: none. */
  maxLiveActors?: number;
  archiveAfterMs: number;
  /** Message analysis (off unless the node runs an inference pool). */
  analysis?: ShardAnalysisOptions;
  /**
   * Analyses answered before their commit, shared by every shard that may serve a read of them. Only possible when
   * all shards share a thread (inline): with it conversation actors write analyses behind; without it they answer
   * after the commit.
   */
  pending?: PendingAnalyses;
  logger: Logger;
}

/** One shard's share of the node's live-actor cap, as an option to spread (none when the node has no cap). */
export function shardActorCap(nodeCap: number | undefined, shards: number): { maxLiveActors?: number } {
  return nodeCap === undefined || nodeCap <= 0 ? {} : { maxLiveActors: Math.max(1, Math.ceil(nodeCap / shards)) };
}

export class ShardRuntime {
  readonly host: ActorHost;
  private readonly sweeper: ArchivalSweeper;
  private readonly loopLag = new EventLoopLag();

  constructor(private readonly options: ShardRuntimeOptions) {
    const { storage, logger } = options;
    const analysis = options.analysis ?? ANALYSIS_DISABLED;
    this.host = new ActorHost({
      passivateAfterMs: options.passivateAfterMs,
      ...(options.maxLiveActors === undefined ? {} : { maxLive: options.maxLiveActors }),
      logger,
    });
    this.host.register(
      IDENTITY,
      (key) => {
        const { tenant, id } = parseActorKey(key);
        return new IdentityActor(id, storage.forTenant(tenant));
        // The gateway caches resolved identities, so an identity actor is cold soon after a customer's first message.
      },
      { passivateAfterMs: Math.min(options.passivateAfterMs, 10_000) },
    );
    this.host.register(CUSTOMER, (key) => {
      const { tenant, id } = parseActorKey<CustomerId>(key);
      return new CustomerActor(id, {
        store: storage.forTenant(tenant),
        toConversation: (conversationId, msg) => this.host.tell(CONVERSATION, actorKey(tenant, conversationId), msg),
        repeatWindowMs: analysis.repeatWindowMs,
      });
    });
    this.host.register(CONVERSATION, (key) => {
      const { tenant, id } = parseActorKey<ConversationId>(key);
      return new ConversationActor(id, {
        store: storage.forTenant(tenant),
        archiveAfterMs: options.archiveAfterMs,
        analysisEnabled: analysis.enabled,
        notifyIdle: (customerId, conversationId) =>
          this.host.tell(CUSTOMER, actorKey(tenant, customerId), { type: 'conversationIdle', conversationId }),
        self: (msg) => this.host.tell(CONVERSATION, key, msg),
        ...(options.pending === undefined ? {} : { pending: options.pending }),
      });
    });
    this.sweeper = new ArchivalSweeper({
      index: storage.archiveDue,
      owns: (entry) => shardOf(entry.tenant, entry.customerId, options.shards) === options.shard,
      wake: (entry) =>
        this.host.tell(CONVERSATION, actorKey(entry.tenant, entry.conversationId), {
          type: 'archiveCheck',
          dueAt: entry.dueAt,
        }),
      maxIntervalMs: Math.max(50, Math.min(options.archiveAfterMs / 4, 30_000)),
    });
    this.sweeper.start();
  }

  /**
   * Answers only once the commit behind the answer is on disk. lmdb-js resolves a write when its transaction is
   * committed (visible, and safe from a process crash) and fsyncs afterwards (`overlappingSync`); a queued reply is
   * acknowledged to the outside, so it waits for that fsync too (the durability contract): for its own
   * transaction's, not for those committed after it (`Storage.appendsFlushed`). Inbound messages are answered at
   * commit and made durable by the gateway ('shard.flushed'), so their analysis does not wait for the disk.
   */
  private async durable<T>(committed: Promise<T>): Promise<T> {
    const answer = await committed;
    await this.options.storage.appendsFlushed();
    return answer;
  }

  /** Handles one request; the answer (or a typed error) comes back as a promise. */
  handle(request: ShardRequest): Promise<ShardResponse<ShardRequestType>> {
    const host = this.host;
    switch (request.type) {
      case 'identity.claim': {
        const key = actorKey(request.tenant, identityKey(request.identity));
        return ask((reply) =>
          host.tell(IDENTITY, key, {
            type: 'claim',
            identity: request.identity,
            ...(request.candidate === undefined ? {} : { candidate: request.candidate }),
            ...reply,
          }),
        );
      }
      case 'identity.lookup': {
        const key = actorKey(request.tenant, identityKey(request.identity));
        return ask((reply) => host.tell(IDENTITY, key, { type: 'lookup', ...reply }));
      }
      case 'customer.inbound':
        // Answered at commit, so analysis starts at once; the gateway acknowledges after 'shard.flushed'.
        return ask((reply) =>
          host.tell(CUSTOMER, actorKey(request.tenant, request.customerId), {
            type: 'inbound',
            draft: request.draft,
            identities: request.identities,
            ...reply,
          }),
        );
      case 'identity.reassign': {
        const key = actorKey(request.tenant, identityKey(request.identity));
        return ask((reply) =>
          host.tell(IDENTITY, key, { type: 'reassign', from: request.from, to: request.to, ...reply }),
        );
      }
      case 'customer.mergeInto':
        return ask((reply) =>
          host.tell(CUSTOMER, actorKey(request.tenant, request.customerId), {
            type: 'mergeInto',
            into: request.into,
            ...reply,
          }),
        );
      case 'customer.absorb':
        return ask((reply) =>
          host.tell(CUSTOMER, actorKey(request.tenant, request.customerId), {
            type: 'absorb',
            identities: request.identities,
            ...(request.merged === undefined ? {} : { merged: request.merged }),
            ...reply,
          }),
        );
      case 'conversation.reply':
        return this.durable(
          ask((reply) =>
            host.tell(CONVERSATION, actorKey(request.tenant, request.conversationId), {
              type: 'reply',
              reply: request.reply,
              ...reply,
            }),
          ),
        );
      case 'conversation.attachMedia':
        return ask((reply) =>
          host.tell(CONVERSATION, actorKey(request.tenant, request.conversationId), {
            type: 'attachMedia',
            seq: request.seq,
            media: request.media,
            ...reply,
          }),
        );
      case 'read.conversationHead': {
        const conversation = this.options.storage.forTenant(request.tenant).getConversation(request.conversationId);
        if (conversation === undefined) {
          return Promise.reject(
            new OmniError('CONVERSATION_NOT_FOUND', `conversation ${request.conversationId} not found`),
          );
        }
        return Promise.resolve(conversation);
      }
      case 'conversation.recordSentiment':
        return ask((reply) =>
          host.tell(CONVERSATION, actorKey(request.tenant, request.conversationId), {
            type: 'recordSentiment',
            seq: request.seq,
            score: request.score,
            ...reply,
          }),
        );
      case 'customer.recordAnalysis':
        return ask((reply) =>
          host.tell(CUSTOMER, actorKey(request.tenant, request.customerId), {
            type: 'recordAnalysis',
            conversationId: request.conversationId,
            seq: request.seq,
            analysis: request.analysis,
            ...reply,
          }),
        );
      case 'customer.update':
        return ask((reply) =>
          host.tell(CUSTOMER, actorKey(request.tenant, request.customerId), {
            type: 'update',
            update: request.update,
            ...reply,
          }),
        );
      case 'read.conversation':
        return Promise.resolve(
          this.readConversation(request.tenant, request.conversationId, request.fromSeq, request.limit),
        );
      case 'read.customer':
        return Promise.resolve(this.readCustomer(request.tenant, request.customerId));
      case 'read.providerMessage': {
        const ref = this.options.storage
          .forTenant(request.tenant)
          .getProviderRef(request.channel, request.providerMessageId);
        return Promise.resolve(ref === undefined ? null : { ...ref, duplicate: false });
      }
      case 'shard.flushed':
        // The inbound messages committed so far, not writes committed after them (their analysis, other messages).
        return this.options.storage.appendsFlushed().then(() => true as const);
      case 'shard.stats':
        return Promise.resolve(this.stats());
      case 'shard.crash':
        return Promise.reject(new OmniError('INTERNAL', 'shard.crash is handled by the worker entry'));
    }
  }

  /** Reads come straight from LMDB: every acknowledged message is committed there, so it is the source of truth. */
  private readConversation(
    tenant: TenantId,
    conversationId: ConversationId,
    fromSeq = 1,
    limit?: number,
  ): ConversationWithMessages {
    const store = this.options.storage.forTenant(tenant);
    const conversation = store.getConversation(conversationId);
    if (conversation === undefined) {
      throw new OmniError('CONVERSATION_NOT_FOUND', `conversation ${conversationId} not found`);
    }
    const { archiveDueAt: _internal, ...visible } = conversation as typeof conversation & { archiveDueAt?: number };
    // Stored under [tenant, conversation, seq]: the range scan already yields chronological (seq) order. Analyses
    // answered but still being committed are applied on top.
    const messages = store.getMessages(conversationId, fromSeq, limit);
    const read = this.options.pending?.overlay(tenant, conversationId, visible, messages) ?? {
      conversation: visible,
      messages,
    };
    return { ...read.conversation, archived: conversation.status === 'archived', messages: read.messages };
  }

  private readCustomer(tenant: TenantId, customerId: CustomerId): CustomerProfile {
    const store = this.options.storage.forTenant(tenant);
    let profile = store.getCustomer(customerId);
    // Follow merges, with a bound so a corrupt cycle cannot spin.
    for (let hops = 0; profile?.mergedInto !== undefined && hops < 8; hops++)
      profile = store.getCustomer(profile.mergedInto);
    if (profile === undefined) throw new OmniError('CUSTOMER_NOT_FOUND', `customer ${customerId} not found`);
    return profile;
  }

  stats(): ShardStats {
    const memory = process.memoryUsage();
    const lag = this.loopLag.takeP99Ms();
    return {
      shard: this.options.shard,
      actors: {
        conversations: this.host.count(CONVERSATION),
        customers: this.host.count(CUSTOMER),
        identities: this.host.count(IDENTITY),
      },
      passivated: this.host.passivated,
      evicted: this.host.evicted,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      eventLoopLagP99Ms: lag,
    };
  }

  close(): void {
    this.loopLag.stop();
    this.sweeper.stop();
    this.host.close();
  }
}
