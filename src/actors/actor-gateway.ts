// The main thread's typed façade over the shards: what the transport layer calls. It resolves the sender's identities
// to one customer (through the identity actors that own them), hands the message to that customer's actor, and
// serves reads. It knows nothing of HTTP: a test, the uWS gateway or a NATS consumer all call the same methods.
import type { Logger } from 'pino';
import {
  identityKey,
  normalizeEmail,
  normalizePhone,
  OmniError,
  orderIdentities,
  senderIdentity,
  type ChannelType,
  type Conversation,
  type ConversationId,
  type ConversationWithMessages,
  type CustomerId,
  type CustomerProfile,
  type Identity,
  type MediaRef,
  type SentimentTrend,
  type TenantId,
} from '../domain/index.js';
import type {
  AnalysisRecord,
  CustomerUpdate,
  InboundDraft,
  IngestResult,
  MergeHandOver,
  RecordAnalysisResult,
  ReplyRequest,
  ReplyResult,
  ShardStats,
} from './protocol.js';
import { IdentityCache } from './identity-cache.js';
import type { ShardTransport } from './shard-transport.js';

/** What the gateway needs of an admission control: run an ingest in a slot, or refuse it (OVERLOADED). */
export interface IngestAdmission {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Throws OVERLOADED if a message arriving now would be refused (takes no slot). */
  check(): void;
}

export class ActorGateway {
  private readonly identities = new IdentityCache();
  private readonly storedListeners: Array<(tenant: TenantId, draft: InboundDraft, result: IngestResult) => void> = [];

  private admission: IngestAdmission | undefined;

  constructor(
    private readonly pool: ShardTransport,
    private readonly logger: Logger,
  ) {}

  /** The identities a message names, in resolution order (phone, email, channel id). */
  identitiesOf(draft: InboundDraft): Identity[] {
    const sender = senderIdentity(draft.channel, draft.from);
    if (sender === undefined) {
      throw new OmniError(
        'INVALID_SENDER',
        `"${draft.from}" is not a valid sender address for channel ${draft.channel}`,
      );
    }
    const identities: Identity[] = [sender];
    if (draft.email !== undefined) {
      const email = normalizeEmail(draft.email);
      if (email === undefined) throw new OmniError('VALIDATION_FAILED', `email "${draft.email}" is not an address`);
      identities.push({ kind: 'email', value: email });
    }
    if (draft.phone !== undefined) {
      const phone = normalizePhone(draft.phone);
      if (phone === undefined) throw new OmniError('VALIDATION_FAILED', `phone "${draft.phone}" is not a phone number`);
      identities.push({ kind: 'phone', value: phone });
    }
    return orderIdentities(identities);
  }

  /**
   * Admission control for inbound messages (the node's overload behaviour): every ingest runs inside it, and it
   * refuses with OVERLOADED, before anything is stored, when the node is past capacity.
   */
  setAdmission(admission: IngestAdmission): void {
    this.admission = admission;
  }

  /**
   * Throws OVERLOADED when an inbound message arriving now would be refused: lets a webhook be refused before its
   * body is read, its signature checked and its JSON parsed, so that refusing costs the node little when it is past
   * capacity. (ingest() checks again: this is only the cheap early answer.)
   */
  checkAdmission(): void {
    this.admission?.check();
  }

  /**
   * Stores an inbound message; resolves once it is durably committed (or found to be a provider retry). Throws
   * OVERLOADED (nothing stored) when the admission control refuses it.
   */
  ingest(
    tenant: TenantId,
    draft: InboundDraft,
    options: { preferredCustomer?: CustomerId } = {},
  ): Promise<IngestResult> {
    const admission = this.admission;
    return admission === undefined
      ? this.store(tenant, draft, options)
      : admission.run(() => this.store(tenant, draft, options));
  }

  private async store(
    tenant: TenantId,
    draft: InboundDraft,
    options: { preferredCustomer?: CustomerId },
  ): Promise<IngestResult> {
    const identities = this.identitiesOf(draft);
    // Hot path: a single, already-resolved identity goes straight to its customer.
    const cacheKey = identities.length === 1 ? `${tenant}\u0000${identityKey(identities[0] as Identity)}` : undefined;
    const cached = cacheKey === undefined ? undefined : this.identities.get(cacheKey);
    const { customerId: resolved, owned } =
      cached !== undefined
        ? { customerId: cached, owned: identities }
        : await this.resolveCustomer(tenant, identities, options.preferredCustomer);
    if (cacheKey !== undefined && cached === undefined) this.identities.set(cacheKey, resolved);
    let customerId = resolved;
    for (let hop = 0; hop < 4; hop++) {
      const shard = this.pool.shardFor(tenant, customerId);
      const answer = await this.pool.request(shard, {
        type: 'customer.inbound',
        tenant,
        customerId,
        draft,
        identities: owned,
      });
      if (answer.kind === 'stored') {
        if (!answer.result.duplicate)
          for (const listener of this.storedListeners) listener(tenant, draft, answer.result);
        // The shard answered at commit (its analysis is already under way); the provider is acknowledged only once
        // the commit is on disk (the durability contract).
        await this.pool.request(shard, { type: 'shard.flushed' });
        return answer.result;
      }
      customerId = answer.customerId; // the customer was merged into another: follow it
      if (cacheKey !== undefined) this.identities.set(cacheKey, customerId);
    }
    throw new OmniError('INTERNAL', `customer ${resolved} redirects too many times`);
  }

  /**
   * One customer for a set of identities. The common case (one identity) is a single claim at the identity's actor:
   * atomic, so simultaneous first contacts get the same customer. With several identities, an existing owner is
   * preferred, and the others are claimed for it.
   */
  private async resolveCustomer(
    tenant: TenantId,
    identities: Identity[],
    /** A customer a new identity should join (mail threading); an identity already owned keeps its owner. */
    preferred?: CustomerId,
  ): Promise<{ customerId: CustomerId; owned: Identity[] }> {
    const first = identities[0];
    if (first === undefined) throw new OmniError('INVALID_SENDER', 'message names no sender');
    const claim = (identity: Identity, candidate?: CustomerId) =>
      this.pool.request(this.pool.shardFor(tenant, identityKey(identity)), {
        type: 'identity.claim',
        tenant,
        identity,
        ...(candidate === undefined ? {} : { candidate }),
      });
    if (identities.length === 1) return { customerId: (await claim(first, preferred)).customerId, owned: identities };

    const owners = await Promise.all(
      identities.map((identity) =>
        this.pool.request(this.pool.shardFor(tenant, identityKey(identity)), {
          type: 'identity.lookup',
          tenant,
          identity,
        }),
      ),
    );
    const known = owners.find((o) => o.customerId !== null)?.customerId ?? undefined;
    const customerId = known ?? (await claim(first, preferred)).customerId;
    const claims = await Promise.all(identities.map((identity) => claim(identity, customerId)));
    // Another customer already holds one of this person's identities: they are the same person, merge them.
    let survivor = customerId;
    for (const result of claims) {
      if (result.customerId !== survivor) survivor = await this.merge(tenant, survivor, result.customerId);
    }
    if (claims.some((c) => c.customerId !== survivor)) {
      // Identities claimed in this very request may not be in the merged profile yet: move them explicitly.
      await Promise.all(
        identities.map((identity, i) => {
          const owner = (claims[i] as { customerId: CustomerId }).customerId;
          if (owner === survivor) return undefined;
          return this.pool.request(this.pool.shardFor(tenant, identityKey(identity)), {
            type: 'identity.reassign',
            tenant,
            identity,
            from: owner,
            to: survivor,
          });
        }),
      );
    }
    return { customerId: survivor, owned: identities };
  }

  /**
   * Merges two customers who are one person. The older customer (ids are time-ordered) survives whichever side asks,
   * so concurrent merges converge. The other is marked merged (it redirects from then on), its active conversation
   * archived, its identities moved, and its history absorbed by the survivor. Returns the survivor.
   */
  async merge(tenant: TenantId, a: CustomerId, b: CustomerId, depth = 0): Promise<CustomerId> {
    if (a === b) return a;
    if (depth > 8) throw new OmniError('IDENTITY_CONFLICT', `cannot settle a merge of ${a} and ${b}`);
    const [survivor, merged] = a < b ? [a, b] : [b, a];
    const handOver = await this.pool.request(this.pool.shardFor(tenant, merged), {
      type: 'customer.mergeInto',
      tenant,
      customerId: merged,
      into: survivor,
    });
    if (handOver.kind === 'redirect') return this.merge(tenant, survivor, handOver.customerId, depth + 1);
    await Promise.all(
      handOver.identities.map((identity) =>
        this.pool.request(this.pool.shardFor(tenant, identityKey(identity)), {
          type: 'identity.reassign',
          tenant,
          identity,
          from: merged,
          to: survivor,
        }),
      ),
    );
    const absorbed = await this.absorb(tenant, survivor, [], handOver);
    this.logger.info({ tenant, survivor: absorbed.id, merged }, 'customers merged');
    return absorbed.id;
  }

  private async absorb(
    tenant: TenantId,
    customerId: CustomerId,
    identities: Identity[],
    merged?: MergeHandOver,
  ): Promise<CustomerProfile> {
    let target = customerId;
    for (let hop = 0; hop < 8; hop++) {
      const answer = await this.pool.request(this.pool.shardFor(tenant, target), {
        type: 'customer.absorb',
        tenant,
        customerId: target,
        identities,
        ...(merged === undefined ? {} : { merged }),
      });
      if (answer.kind === 'ok') return answer.profile;
      target = answer.customerId;
    }
    throw new OmniError('INTERNAL', `customer ${customerId} redirects too many times`);
  }

  /**
   * Links identities to a customer explicitly (an integrator knows this phone and this email are one person). An
   * identity already held by another customer merges the two. Answers with the surviving profile.
   */
  async linkIdentities(tenant: TenantId, customerId: CustomerId, identities: Identity[]): Promise<CustomerProfile> {
    const current = await this.getCustomer(tenant, customerId); // 404 for an unknown customer
    let survivor = current.id;
    const owners: Array<[Identity, CustomerId]> = [];
    for (const identity of orderIdentities(identities)) {
      const { customerId: owner } = await this.pool.request(this.pool.shardFor(tenant, identityKey(identity)), {
        type: 'identity.claim',
        tenant,
        identity,
        candidate: survivor,
      });
      owners.push([identity, owner]);
      if (owner !== survivor) survivor = await this.merge(tenant, survivor, owner);
    }
    // Claims made before a merge changed the survivor point at the merged customer: move them on.
    await Promise.all(
      owners
        .filter(([, owner]) => owner !== survivor)
        .map(([identity, owner]) =>
          this.pool.request(this.pool.shardFor(tenant, identityKey(identity)), {
            type: 'identity.reassign',
            tenant,
            identity,
            from: owner,
            to: survivor,
          }),
        ),
    );
    return this.absorb(tenant, survivor, identities);
  }

  /** Stores a reply in a conversation and queues it for delivery; resolves once both are durable. */
  async reply(tenant: TenantId, conversationId: ConversationId, reply: ReplyRequest): Promise<ReplyResult> {
    const conversation = await this.getConversationHead(tenant, conversationId);
    // Conversation actors live on their customer's shard.
    return this.pool.request(this.pool.shardFor(tenant, conversation.customerId), {
      type: 'conversation.reply',
      tenant,
      conversationId,
      customerId: conversation.customerId,
      reply,
    });
  }

  /** Attaches a downloaded file to its message; false if the message is not a media message. */
  async attachMedia(
    tenant: TenantId,
    ref: { conversationId: ConversationId; customerId: CustomerId; seq: number },
    media: MediaRef,
  ): Promise<boolean> {
    const answer = await this.pool.request(this.pool.shardFor(tenant, ref.customerId), {
      type: 'conversation.attachMedia',
      tenant,
      conversationId: ref.conversationId,
      customerId: ref.customerId,
      seq: ref.seq,
      media,
    });
    return answer.attached;
  }

  /** Called after each newly stored inbound message (not for provider retries): the pipeline's entry. */
  onStored(listener: (tenant: TenantId, draft: InboundDraft, result: IngestResult) => void): void {
    this.storedListeners.push(listener);
  }

  /** Stores a message's analysis; the customer actor adds urgency (profile, repeat contacts) and the trend. */
  async recordAnalysis(
    tenant: TenantId,
    ref: { conversationId: ConversationId; customerId: CustomerId; seq: number },
    analysis: AnalysisRecord,
  ): Promise<RecordAnalysisResult> {
    const answer = await this.pool.request(this.pool.shardFor(tenant, ref.customerId), {
      type: 'customer.recordAnalysis',
      tenant,
      customerId: ref.customerId,
      conversationId: ref.conversationId,
      seq: ref.seq,
      analysis,
    });
    return answer.result;
  }

  /** Sets integrator-owned profile fields (value tier, VIP, name, purchases), following merges. */
  async updateCustomer(tenant: TenantId, customerId: CustomerId, update: CustomerUpdate): Promise<CustomerProfile> {
    let target = customerId;
    for (let hop = 0; hop < 4; hop++) {
      const answer = await this.pool.request(this.pool.shardFor(tenant, target), {
        type: 'customer.update',
        tenant,
        customerId: target,
        update,
      });
      if (answer.kind === 'ok') return answer.profile;
      target = answer.customerId;
    }
    throw new OmniError('INTERNAL', `customer ${customerId} redirects too many times`);
  }

  /** Records the sentiment score of a stored message in its conversation; answers the updated trend. */
  recordSentiment(
    tenant: TenantId,
    ref: { conversationId: ConversationId; customerId: CustomerId; seq: number },
    score: number,
  ): Promise<SentimentTrend> {
    return this.pool.request(this.pool.shardFor(tenant, ref.customerId), {
      type: 'conversation.recordSentiment',
      tenant,
      conversationId: ref.conversationId,
      customerId: ref.customerId,
      seq: ref.seq,
      score,
    });
  }

  /** The conversation record without its messages. */
  getConversationHead(tenant: TenantId, conversationId: ConversationId): Promise<Conversation> {
    return this.pool.request(this.pool.shardFor(tenant, conversationId), {
      type: 'read.conversationHead',
      tenant,
      conversationId,
    });
  }

  getConversation(
    tenant: TenantId,
    conversationId: ConversationId,
    page: { fromSeq?: number; limit?: number } = {},
  ): Promise<ConversationWithMessages> {
    return this.pool.request(this.pool.shardFor(tenant, conversationId), {
      type: 'read.conversation',
      tenant,
      conversationId,
      ...page,
    });
  }

  getCustomer(tenant: TenantId, customerId: CustomerId): Promise<CustomerProfile> {
    return this.pool.request(this.pool.shardFor(tenant, customerId), { type: 'read.customer', tenant, customerId });
  }

  findByProviderId(tenant: TenantId, channel: ChannelType, providerMessageId: string): Promise<IngestResult | null> {
    return this.pool.request(this.pool.shardFor(tenant, `${channel}:${providerMessageId}`), {
      type: 'read.providerMessage',
      tenant,
      channel,
      providerMessageId,
    });
  }

  stats(): Promise<ShardStats[]> {
    return Promise.all(
      Array.from({ length: this.pool.shards }, (_, shard) => this.pool.request(shard, { type: 'shard.stats' })),
    );
  }
}
