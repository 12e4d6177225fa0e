// Which tenant a request acts for. With no tenants configured the node is single-tenant (`default`, no credential).
// With tenants configured every /v1 request must carry `Authorization: Bearer <api key>`, and the key alone decides
// the tenant: there is no tenant header a caller could set to read someone else's data.
import { createHash } from 'node:crypto';
import { DEFAULT_TENANT, OmniError, parseTenantId, type TenantId } from '../domain/index.js';

export interface TenantCredentials {
  id: string;
  apiKeys: string[];
}

export class TenantResolver {
  private readonly byKeyHash = new Map<string, TenantId>();

  constructor(tenants: TenantCredentials[]) {
    for (const tenant of tenants) {
      const id = parseTenantId(tenant.id);
      for (const key of tenant.apiKeys) this.byKeyHash.set(hashKey(key), id);
    }
  }

  get multiTenant(): boolean {
    return this.byKeyHash.size > 0;
  }

  /** The tenant for an Authorization header value (may be empty). */
  resolve(authorization: string): TenantId {
    if (!this.multiTenant) return DEFAULT_TENANT;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (match === null) throw new OmniError('UNAUTHORIZED', 'missing or malformed Authorization: Bearer <api key>');
    // Looking up a hash (not the key) keeps comparison time independent of how much of a guess is right.
    const tenant = this.byKeyHash.get(hashKey(match[1] as string));
    if (tenant === undefined) throw new OmniError('UNAUTHORIZED', 'unknown API key');
    return tenant;
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
