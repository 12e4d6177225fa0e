// Mail threading: which customer a Message-ID belongs to. Inbound mails and our outbound replies are recorded, so a
// reply that quotes one of them in In-Reply-To/References joins that customer's conversation even when it comes from
// another address (an alias, a colleague's forward) instead of opening a new one. Written only by the main thread.
import type { Database, Key } from 'lmdb';
import type { CustomerId, TenantId } from '../domain/index.js';

export class EmailThreadIndex {
  constructor(private readonly db: Database<unknown, Key>) {}

  record(tenant: TenantId, messageId: string, customerId: CustomerId): Promise<boolean> {
    return this.db.put([tenant, normalize(messageId)], customerId);
  }

  /** The customer of the most recent referenced message we know (References are oldest first). */
  find(tenant: TenantId, messageIds: readonly string[]): CustomerId | undefined {
    for (let i = messageIds.length - 1; i >= 0; i--) {
      const found = this.db.get([tenant, normalize(messageIds[i] as string)]) as CustomerId | undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

function normalize(messageId: string): string {
  return messageId.trim().replace(/^<|>$/g, '').toLowerCase();
}
