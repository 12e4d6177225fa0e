// IdentityActor: owns one identity (a phone number, an email address, a channel user id) and the customer it belongs
// to. All resolution for one identity runs through this one actor, one message at a time, so two channels of the same
// person arriving at once get the same customer: the first claim mints it, the second finds it.
import { newCustomerId, OmniError, type CustomerId, type Identity } from '../domain/index.js';
import type { TenantStore } from '../persistence/index.js';
import type { Actor } from './actor-host.js';
import type { Reply } from './reply.js';

export type IdentityMsg =
  | ({ type: 'claim'; identity: Identity; candidate?: CustomerId } & Reply<{
      customerId: CustomerId;
      created: boolean;
    }>)
  | ({ type: 'lookup' } & Reply<{ customerId: CustomerId | null }>)
  | ({ type: 'reassign'; from: CustomerId; to: CustomerId } & Reply<{ customerId: CustomerId }>);

export class IdentityActor implements Actor<IdentityMsg> {
  private owner: CustomerId | undefined;
  /** Resolves when the owner mapping is durable; answers wait for it so nobody acts on an uncommitted claim. */
  private committed: Promise<unknown>;
  private inflight = 0;

  constructor(
    private readonly identityKey: string,
    private readonly store: TenantStore,
  ) {
    this.owner = store.getIdentityOwner(identityKey);
    this.committed = Promise.resolve();
  }

  isBusy(): boolean {
    return this.inflight > 0;
  }

  receive(msg: IdentityMsg): void {
    if (msg.type === 'lookup') {
      const owner = this.owner ?? null;
      this.committed.then(() => msg.resolve({ customerId: owner }), msg.reject);
      return;
    }
    if (msg.type === 'reassign') {
      // Only the merged customer's identities move; one claimed meanwhile by someone else stays where it is.
      const owner = this.owner;
      if (owner !== undefined && owner !== msg.from) {
        this.committed.then(() => msg.resolve({ customerId: owner }), msg.reject);
        return;
      }
      this.write(msg.to).then(() => msg.resolve({ customerId: msg.to }), msg.reject);
      return;
    }
    if (this.owner !== undefined) {
      const owner = this.owner;
      this.committed.then(() => msg.resolve({ customerId: owner, created: false }), msg.reject);
      return;
    }
    const owner = msg.candidate ?? newCustomerId();
    this.write(owner).then(() => msg.resolve({ customerId: owner, created: msg.candidate === undefined }), msg.reject);
  }

  /** Sets the owner in memory at once (later messages see it) and resolves when it is durable. */
  private write(owner: CustomerId): Promise<void> {
    const previous = this.owner;
    this.owner = owner;
    this.inflight++;
    const committed = this.store
      .putIdentityOwner(this.identityKey, owner)
      .finally(() => this.inflight--)
      .then(
        () => undefined,
        (error: unknown) => {
          // Never became durable: forget it so the next message retries from the store.
          this.owner = previous;
          this.committed = Promise.resolve();
          throw new OmniError('STORAGE_FAILURE', `identity owner not committed: ${String(error)}`);
        },
      );
    this.committed = committed.catch(() => undefined);
    return committed;
  }
}
