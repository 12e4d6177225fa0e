// CustomerActor: owns one customer's profile and their single active conversation (Requirement 4.1). Every inbound
// message of the customer, from any channel, passes through here: provider-id deduplication, profile upkeep (contacts
// per channel, identities), opening a conversation when none is active, and the archival decision, so new messages
// and archiving can never interleave badly. Its conversations live on the same shard, so hand-offs stay in-thread.
import {
  identityKey,
  newConversationId,
  OmniError,
  type ChannelContact,
  type Conversation,
  type ConversationId,
  type CustomerId,
  type CustomerProfile,
  type Identity,
  type MessageId,
} from '../domain/index.js';
import type { TenantStore } from '../persistence/index.js';
import type { Actor } from './actor-host.js';
import type { ConversationMsg } from './conversation-actor.js';
import { countRepeatContacts, rememberIntent } from '../inference/urgency/index.js';
import type {
  AnalysisRecord,
  CustomerUpdate,
  InboundDraft,
  IngestResult,
  MergeHandOver,
  RecordAnalysisResult,
  ShardResponse,
} from './protocol.js';
import { ask, type Reply } from './reply.js';

export type CustomerMsg =
  | ({ type: 'inbound'; draft: InboundDraft; identities: Identity[] } & Reply<ShardResponse<'customer.inbound'>>)
  | { type: 'conversationIdle'; conversationId: ConversationId }
  | ({ type: 'mergeInto'; into: CustomerId } & Reply<ShardResponse<'customer.mergeInto'>>)
  | ({ type: 'absorb'; identities: Identity[]; merged?: MergeHandOver } & Reply<ShardResponse<'customer.absorb'>>)
  | ({
      type: 'recordAnalysis';
      conversationId: ConversationId;
      seq: number;
      analysis: AnalysisRecord;
    } & Reply<ShardResponse<'customer.recordAnalysis'>>)
  | ({ type: 'update'; update: CustomerUpdate } & Reply<ShardResponse<'customer.update'>>);

export interface CustomerActorDeps {
  store: TenantStore;
  /** Delivers a message to one of this customer's conversation actors (same shard). */
  toConversation: (conversationId: ConversationId, msg: ConversationMsg) => void;
  /** Same customer, same intent within this window counts as a repeat contact. */
  repeatWindowMs: number;
}

export class CustomerActor implements Actor<CustomerMsg> {
  private profile: CustomerProfile | undefined;
  /** Provider message ids accepted but not yet durable: a retry arriving meanwhile gets the same answer. */
  private readonly pending = new Map<string, Promise<IngestResult>>();
  private inflight = 0;
  /** Appends forwarded to the active conversation and not yet answered. */
  private forwarded = 0;

  constructor(
    private readonly id: CustomerId,
    private readonly deps: CustomerActorDeps,
  ) {
    this.profile = deps.store.getCustomer(id);
  }

  isBusy(): boolean {
    return this.inflight > 0;
  }

  receive(msg: CustomerMsg): void {
    switch (msg.type) {
      case 'inbound':
        return this.inbound(msg);
      case 'conversationIdle':
        return this.conversationIdle(msg.conversationId);
      case 'mergeInto':
        return this.mergeInto(msg);
      case 'absorb':
        return this.absorb(msg);
      case 'recordAnalysis':
        return this.recordAnalysis(msg);
      case 'update':
        return this.update(msg);
    }
  }

  private inbound(msg: Extract<CustomerMsg, { type: 'inbound' }>): void {
    if (this.profile?.mergedInto !== undefined) {
      msg.resolve({ kind: 'redirect', customerId: this.profile.mergedInto });
      return;
    }
    const { draft } = msg;
    const dedupKey =
      draft.providerMessageId === undefined ? undefined : `${draft.channel}\u0000${draft.providerMessageId}`;
    if (dedupKey !== undefined && draft.providerMessageId !== undefined) {
      const inFlight = this.pending.get(dedupKey);
      if (inFlight !== undefined) {
        inFlight.then((result) => msg.resolve({ kind: 'stored', result: { ...result, duplicate: true } }), msg.reject);
        return;
      }
      const stored = this.deps.store.getProviderRef(draft.channel, draft.providerMessageId);
      if (stored !== undefined) {
        msg.resolve({ kind: 'stored', result: { ...stored, duplicate: true } });
        return;
      }
    }

    const now = Date.now();
    const { profile, changed } = this.upsertProfile(draft, msg.identities, now);
    let open: Conversation | undefined;
    if (profile.activeConversationId === undefined) {
      open = this.newConversation(draft, now);
      profile.activeConversationId = open.id;
      profile.conversationIds = [...profile.conversationIds, open.id];
    }
    this.profile = profile;
    const conversationId = profile.activeConversationId as ConversationId;

    this.inflight++;
    this.forwarded++;
    const profileWrite = changed || open !== undefined ? this.deps.store.putCustomer(profile) : Promise.resolve(true);
    const appended = ask<{ messageId: MessageId; seq: number }>((reply) =>
      this.deps.toConversation(conversationId, {
        type: 'append',
        draft,
        customerId: this.id,
        ...(open === undefined ? {} : { open }),
        ...reply,
      }),
    ).finally(() => this.forwarded--);

    const result = Promise.all([appended, profileWrite]).then(([{ messageId, seq }]): IngestResult => ({
      conversationId,
      customerId: this.id,
      messageId,
      seq,
      duplicate: false,
    }));
    if (dedupKey !== undefined) this.pending.set(dedupKey, result);
    result
      .finally(() => {
        this.inflight--;
        if (dedupKey !== undefined) this.pending.delete(dedupKey);
      })
      .then(
        (stored) => msg.resolve({ kind: 'stored', result: stored }),
        (error: unknown) => {
          if (
            error instanceof OmniError &&
            error.code === 'CONVERSATION_NOT_FOUND' &&
            this.profile?.activeConversationId === conversationId
          ) {
            // The active conversation vanished or was archived under us (a crash between writes): drop it so the
            // next message opens a fresh one. This message is answered with a retryable error, not stored twice.
            this.profile = withoutActiveConversation(this.profile);
            msg.reject(new OmniError('SHARD_UNAVAILABLE', 'conversation was reset; retry', { retry: true }));
            return;
          }
          msg.reject(error);
        },
      );
  }

  /**
   * Brings the profile up to date with this message. The profile is this actor's private state and lmdb-js encodes a
   * value when `put` is called, so it is updated in place; `changed` says whether a structural change needs a write.
   */
  private upsertProfile(
    draft: InboundDraft,
    identities: Identity[],
    now: number,
  ): { profile: CustomerProfile; changed: boolean } {
    const profile = this.profile ?? this.emptyProfile(now);
    let changed = this.profile === undefined;
    for (const identity of identities) {
      const key = identityKey(identity);
      if (!profile.identities.some((known) => identityKey(known) === key)) {
        profile.identities = [...profile.identities, identity];
        changed = true;
      }
      if (identity.kind === 'email' && profile.email === undefined) {
        profile.email = identity.value;
        changed = true;
      }
      if (identity.kind === 'phone' && profile.phone === undefined) {
        profile.phone = identity.value;
        changed = true;
      }
    }
    const contact = profile.contacts.find((c) => c.channel === draft.channel && c.address === draft.from);
    if (contact === undefined) {
      const added: ChannelContact = { channel: draft.channel, address: draft.from, firstSeenAt: now, lastSeenAt: now };
      profile.contacts = [...profile.contacts, added];
      changed = true;
    } else {
      // lastSeenAt is persisted with the next structural change: not worth a write per message.
      contact.lastSeenAt = now;
    }
    if (draft.name !== undefined && profile.name === undefined) {
      profile.name = draft.name;
      changed = true;
    }
    if (changed) profile.updatedAt = now;
    return { profile, changed };
  }

  private newConversation(draft: InboundDraft, now: number): Conversation {
    return {
      id: newConversationId(),
      tenantId: this.deps.store.tenant,
      customerId: this.id,
      status: 'active',
      channels: [draft.channel],
      createdAt: now,
      lastActivityAt: now,
      lastSeq: 0,
    };
  }

  /**
   * This customer turns out to be the same person as `into`: from now on it only redirects. Its active conversation
   * is archived (reason customer-merged) and everything it knew is handed over for the survivor to absorb.
   */
  private mergeInto(msg: Extract<CustomerMsg, { type: 'mergeInto' }>): void {
    const profile = this.profile;
    if (profile === undefined) {
      msg.reject(new OmniError('CUSTOMER_NOT_FOUND', `customer ${this.id} not found`));
      return;
    }
    if (profile.mergedInto !== undefined) {
      msg.resolve({ kind: 'redirect', customerId: profile.mergedInto });
      return;
    }
    const active = profile.activeConversationId;
    const merged: CustomerProfile = {
      ...withoutActiveConversation(profile),
      mergedInto: msg.into,
      updatedAt: Date.now(),
    };
    this.profile = merged;
    this.inflight++;
    const writes: Promise<unknown>[] = [this.deps.store.putCustomer(merged)];
    if (active !== undefined) {
      writes.push(
        ask<boolean>((reply) =>
          this.deps.toConversation(active, { type: 'archive', reason: 'customer-merged', ...reply }),
        ),
      );
    }
    Promise.all(writes)
      .finally(() => this.inflight--)
      .then(
        () =>
          msg.resolve({
            kind: 'merged',
            from: this.id,
            identities: profile.identities,
            contacts: profile.contacts,
            conversationIds: profile.conversationIds,
            ...(profile.name === undefined ? {} : { name: profile.name }),
            purchaseHistory: profile.purchaseHistory,
            previousIssues: profile.previousIssues,
            vip: profile.vip,
            createdAt: profile.createdAt,
          }),
        msg.reject,
      );
  }

  /** Adds identities, and after a merge everything the merged customer knew, to this profile. */
  private absorb(msg: Extract<CustomerMsg, { type: 'absorb' }>): void {
    if (this.profile?.mergedInto !== undefined) {
      msg.resolve({ kind: 'redirect', customerId: this.profile.mergedInto });
      return;
    }
    const now = Date.now();
    const profile: CustomerProfile = this.profile ? { ...this.profile } : this.emptyProfile(now);
    const known = new Set(profile.identities.map(identityKey));
    const incoming = [...msg.identities, ...(msg.merged?.identities ?? [])];
    profile.identities = [
      ...profile.identities,
      ...incoming.filter((i) => !known.has(identityKey(i)) && known.add(identityKey(i))),
    ];
    for (const identity of profile.identities) {
      if (identity.kind === 'email') profile.email ??= identity.value;
      if (identity.kind === 'phone') profile.phone ??= identity.value;
    }
    const merged = msg.merged;
    if (merged !== undefined) {
      const contactKeys = new Set(profile.contacts.map((c) => `${c.channel} ${c.address}`));
      profile.contacts = [
        ...profile.contacts,
        ...merged.contacts.filter((c) => !contactKeys.has(`${c.channel} ${c.address}`)),
      ];
      // Ids are time-ordered, so sorting keeps the customer's conversation history chronological.
      profile.conversationIds = [...new Set([...profile.conversationIds, ...merged.conversationIds])].sort();
      profile.name ??= merged.name;
      profile.purchaseHistory = [...profile.purchaseHistory, ...merged.purchaseHistory].sort((a, b) => a.at - b.at);
      profile.previousIssues = [...profile.previousIssues, ...merged.previousIssues].sort((a, b) => a.at - b.at);
      profile.vip ||= merged.vip;
      profile.createdAt = Math.min(profile.createdAt, merged.createdAt);
      profile.mergedFrom = [...(profile.mergedFrom ?? []), merged.from];
    }
    profile.updatedAt = now;
    this.profile = profile;
    this.inflight++;
    this.deps.store
      .putCustomer(profile)
      .finally(() => this.inflight--)
      .then(() => msg.resolve({ kind: 'ok', profile }), msg.reject);
  }

  /**
   * A message's analysis: repeat contacts are counted from this customer's recent intents (known only here), the
   * conversation actor adds urgency and the sentiment trend and commits, and the intent joins the recent ones.
   */
  private recordAnalysis(msg: Extract<CustomerMsg, { type: 'recordAnalysis' }>): void {
    const profile = this.profile;
    if (profile === undefined) {
      msg.reject(new OmniError('CUSTOMER_NOT_FOUND', `customer ${this.id} not found`));
      return;
    }
    const stored = this.deps.store.getMessage(msg.conversationId, msg.seq);
    const at = stored?.receivedAt ?? Date.now();
    // A message analysed after its customer was merged away is handled here all the same: its conversation actor
    // lives on this shard. It counts no repeat contacts (the survivor holds the history from now on).
    const counts = !msg.analysis.outOfScope && stored?.analysis === undefined && profile.mergedInto === undefined;
    const window = this.deps.repeatWindowMs;
    const recent = profile.recentIntents ?? [];
    const repeatContacts = counts ? countRepeatContacts(recent, msg.analysis.intent, at, window) : 0;
    // Remembered at once, so the customer's next message (analysed right after) already sees this one.
    if (counts) profile.recentIntents = rememberIntent(recent, msg.analysis.intent, at, window);
    this.inflight++;
    ask<RecordAnalysisResult>((reply) =>
      this.deps.toConversation(msg.conversationId, {
        type: 'recordAnalysis',
        seq: msg.seq,
        analysis: msg.analysis,
        customer: { valueTier: profile.valueTier, vip: profile.vip, repeatContacts },
        ...reply,
      }),
    )
      .then((result) => {
        // The current profile, not the one captured above: an update may have replaced it meanwhile. Written behind
        // like the analysis itself (same transaction, as both are queued in this event turn); a lost write only
        // loses a repeat-contact count, and the next profile write carries it again.
        const profile = this.profile;
        if (counts && !result.already && profile !== undefined) {
          this.inflight++;
          this.deps.store
            .putCustomer(profile)
            .catch(() => undefined)
            .finally(() => this.inflight--);
        }
        return result;
      })
      .finally(() => this.inflight--)
      .then((result) => msg.resolve({ kind: 'ok', result }), msg.reject);
  }

  /** Integrator-owned profile fields: value tier and VIP drive urgency; purchases are history. */
  private update(msg: Extract<CustomerMsg, { type: 'update' }>): void {
    if (this.profile?.mergedInto !== undefined) {
      msg.resolve({ kind: 'redirect', customerId: this.profile.mergedInto });
      return;
    }
    if (this.profile === undefined) {
      msg.reject(new OmniError('CUSTOMER_NOT_FOUND', `customer ${this.id} not found`));
      return;
    }
    const { update } = msg;
    const profile: CustomerProfile = {
      ...this.profile,
      ...(update.name === undefined ? {} : { name: update.name }),
      ...(update.valueTier === undefined ? {} : { valueTier: update.valueTier }),
      ...(update.vip === undefined ? {} : { vip: update.vip }),
      purchaseHistory: [...this.profile.purchaseHistory, ...(update.purchases ?? [])],
      updatedAt: Date.now(),
    };
    this.profile = profile;
    this.inflight++;
    this.deps.store
      .putCustomer(profile)
      .finally(() => this.inflight--)
      .then(() => msg.resolve({ kind: 'ok', profile }), msg.reject);
  }

  private emptyProfile(now: number): CustomerProfile {
    return {
      id: this.id,
      tenantId: this.deps.store.tenant,
      identities: [],
      contacts: [],
      valueTier: 'standard',
      vip: false,
      purchaseHistory: [],
      previousIssues: [],
      conversationIds: [],
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The conversation's timer says it has been idle: archive it unless a message is on its way into it. */
  private conversationIdle(conversationId: ConversationId): void {
    const profile = this.profile;
    const isActive = profile?.activeConversationId === conversationId;
    if (isActive && this.forwarded > 0) return; // activity in flight; the conversation's timer will check again
    if (isActive && profile !== undefined) {
      const updated: CustomerProfile = { ...withoutActiveConversation(profile), updatedAt: Date.now() };
      this.profile = updated;
      this.inflight++;
      void this.deps.store
        .putCustomer(updated)
        .finally(() => this.inflight--)
        .catch(() => undefined);
    }
    this.inflight++;
    void ask<boolean>((reply) =>
      this.deps.toConversation(conversationId, { type: 'archive', reason: 'inactive', ...reply }),
    )
      .finally(() => this.inflight--)
      .catch(() => undefined);
  }
}

function withoutActiveConversation(profile: CustomerProfile): CustomerProfile {
  const { activeConversationId: _dropped, ...rest } = profile;
  return rest;
}
