// Tenancy: every stored key, actor key and API call carries a TenantId. The brand makes it impossible to pass a raw
// string where a tenant is expected, so a tenant can only come from `parseTenantId` (config or an authenticated request).
export type TenantId = string & { readonly __brand: 'TenantId' };

export const DEFAULT_TENANT = 'default' as TenantId;

const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Validates a tenant identifier (lowercase letters, digits, `_`, `-`; 1-63 chars). */
export function parseTenantId(raw: string): TenantId {
  if (!TENANT_PATTERN.test(raw)) throw new Error(`invalid tenant id ${JSON.stringify(raw)}`);
  return raw as TenantId;
}
