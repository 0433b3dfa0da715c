// Where a tenant sits in the URL: a base path with one `{tenant}` segment, such as
// `/scim/v2/{tenant}` or `/t/{tenant}/scim/v2`, matched with string operations (it runs on every
// request) and expanded into each tenant's own base path, so the tenant's handler routes, links and
// answers `meta.location` and `Location` under it.

const PLACEHOLDER = '{tenant}';
const PLAIN = /^[A-Za-z0-9\-._~]+$/;

/** A base path pattern with its `{tenant}` segment located. */
export interface TenantPath {
  /** The tenant a request path names, or undefined when the path is not under the pattern. */
  match(pathname: string): string | undefined;
  /** The base path a tenant is served under: the pattern, the tenant percent-encoded in it. */
  basePathOf(tenant: string): string;
}

/** Checks a pattern when the handler is made: exactly one `{tenant}`, a whole segment of its own. */
export function parseTenantPath(pattern: string, option: string): TenantPath {
  const segments = pattern.split('/').filter((segment) => segment !== '');
  const at = segments.indexOf(PLACEHOLDER);
  if (at === -1 || segments.filter((segment) => segment.includes('{')).length !== 1)
    throw new TypeError(
      `${option} must hold {tenant} once, as a whole path segment (such as /scim/v2/{tenant}), got ${JSON.stringify(pattern)}`,
    );
  const prefix = `/${segments
    .slice(0, at)
    .map((segment) => `${segment}/`)
    .join('')}`;
  const suffix = segments
    .slice(at + 1)
    .map((segment) => `/${segment}`)
    .join('');
  return {
    match(pathname) {
      if (!pathname.startsWith(prefix)) return undefined;
      const end = pathname.indexOf('/', prefix.length);
      const raw = pathname.slice(prefix.length, end === -1 ? undefined : end);
      if (raw === '') return undefined;
      if (suffix !== '') {
        const rest = end === -1 ? '' : pathname.slice(end);
        if (rest !== suffix && !rest.startsWith(`${suffix}/`)) return undefined;
      }
      // Most tenant names need no decoding: letters, digits and `-._~` are their own encoding.
      if (PLAIN.test(raw)) return raw;
      let tenant: string;
      try {
        tenant = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      // One spelling per tenant: its handler's base path is built from the tenant, and a path that
      // spells it otherwise (`%61cme` for `acme`) would not be under that base path.
      return encodeURIComponent(tenant) === raw ? tenant : undefined;
    },
    basePathOf: (tenant) => `${prefix}${encodeURIComponent(tenant)}${suffix}`,
  };
}

/** Whether an option names the tenant (`{tenant}` anywhere in it). */
export function namesTenant(value: string | undefined): boolean {
  return value !== undefined && value.includes(PLACEHOLDER);
}

/** A `baseUrl` pattern for one tenant: `{tenant}` replaced by the tenant, percent-encoded. */
export function fillTenant(pattern: string, tenant: string): string {
  return pattern.replace(PLACEHOLDER, encodeURIComponent(tenant));
}

/** Checks a `baseUrl` pattern when the handler is made: `{tenant}` once, in its path. */
export function checkBaseUrlPattern(pattern: string): void {
  const count = pattern.split(PLACEHOLDER).length - 1;
  const probe = pattern.replace(PLACEHOLDER, 'tenant');
  if (count !== 1 || !URL.canParse(probe) || !new URL(probe).pathname.includes('/tenant'))
    throw new TypeError(
      `baseUrl must hold {tenant} once, in its path (such as https://scim.example.com/scim/v2/{tenant}), got ${JSON.stringify(pattern)}`,
    );
}
