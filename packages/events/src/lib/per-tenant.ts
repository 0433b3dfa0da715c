// A setting that is the same for every tenant or chosen per tenant: the signing keys, the issuer and
// the base URL. Shared by the SSF endpoints, the deliverer and the poll endpoint, which each resolve
// it for the tenant of the stream or request at hand.

/**
 * A value the same for every tenant, or one per tenant (a function of the tenant, possibly async).
 * @example `(tenant) => `https://scim.example.com/tenants/${tenant}``
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#discovery-meta
 */
export type PerTenant<T> = T | ((tenant: string | undefined) => T | Promise<T>);

/** The tenant's value of a {@link PerTenant} setting. */
export function resolvePerTenant<T>(
  value: PerTenant<T>,
  tenant: string | undefined,
): T | Promise<T> {
  return typeof value === 'function'
    ? (value as (tenant: string | undefined) => T | Promise<T>)(tenant)
    : value;
}
