// What the console shows of data that may carry secrets. Request and response bodies arrive already
// redacted by the server's debug log (`log` with `debug: true`); what the console reads itself (the
// outbox's resource states, a principal, tenant settings) and every record, whatever its log source,
// passes through here again. Stored resources hold a password hash: RFC 7643 §4.1.1 makes `password`
// writeOnly, never returned, and the console returns nothing of it.

export const REDACTED = '[redacted]';
/** What a diff shows for a secret that changed: that it did, never its values. */
export const CHANGED = '[changed]';

// Names whose value is a secret wherever they appear: `password`, `clientSecret`, `accessToken`,
// `X-Auth-Token`, `signingKey`, `hmacKey`, `pwd`, `sha256` and the like, with `-`, `_` or `.` as a
// separator as much as camelCase (but not `tokenId` or `tokens`, which name or list without revealing).
const SECRET_NAME =
  /password|passwd|passphrase|secret|credential|sha256|digest|authorization|cookie|private[-_.]?key|api[-_.]?key|(^|[a-z0-9_.-])(token|key|pwd|bearer)$/i;
// Query parameters that carry a secret by their short name alone (a signed URL's `sig`, OAuth's `code`).
const SECRET_PARAMETER = /^(sig|signature|code)$/i;
// A JSON Web Key's private members (RFC 7518 §6.2.2 and §6.3.2, and `k` of a symmetric key, §6.4.1).
const JWK_PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);
// Text that names a secret attribute: a filter or a PATCH path on it quotes the secret as a value.
const NAMES_SECRET = /password|passwd|secret|token|credential|pwd/i;
// A comparison's value in a SCIM filter (RFC 7644 §3.4.2.2): a JSON string, to its end if unclosed,
// or a bare word as some clients send one.
const COMPARISON = /\b(eq|ne|co|sw|ew|gt|lt|ge|le)(\s+)("(?:[^"\\]|\\.)*(?:"|$)|[^\s)\]]+)/gi;
// The password of a URL's userinfo: `postgres://scim:…@db`, `https://user:…@host`.
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;

/** Whether a member or header of this name holds a secret. */
export function namesSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Free text with what it may quote of a secret taken out: the password of any URL in it, and every
 * comparison value when it names a secret attribute (`password eq "…"`, a PATCH path
 * `password[value eq "…"]`, or an error detail quoting either).
 */
export function redactText(text: string): string {
  let out = text.includes('://') ? text.replace(USERINFO_PASSWORD, `$1:${REDACTED}@`) : text;
  if (NAMES_SECRET.test(out)) out = out.replace(COMPARISON, `$1$2"${REDACTED}"`);
  return out;
}

/**
 * A request's query string (`?filter=…&startIndex=1`) as the console shows it: a parameter whose
 * name looks secret (`access_token`, `api_key`, `sig`) keeps its name only, and a filter that
 * names a secret attribute loses its comparison values.
 */
export function redactQuery(query: string): string {
  if (query.length <= 1) return query;
  const parts = query.slice(1).split('&');
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] ?? '';
    const equals = part.indexOf('=');
    const name = decoded(equals < 0 ? part : part.slice(0, equals)) ?? '';
    if (equals < 0) continue;
    if (SECRET_NAME.test(name) || SECRET_PARAMETER.test(name)) {
      parts[index] = `${part.slice(0, equals)}=${REDACTED}`;
      continue;
    }
    const value = decoded(part.slice(equals + 1));
    // Undecodable text is shown only when it names nothing secret.
    if (value === undefined) {
      if (NAMES_SECRET.test(part)) parts[index] = `${part.slice(0, equals)}=${REDACTED}`;
      continue;
    }
    const shown = redactText(value);
    if (shown !== value) parts[index] = `${part.slice(0, equals)}=${encodeURIComponent(shown)}`;
  }
  return `?${parts.join('&')}`;
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

// Request headers the page shows: what says which client sent what. Any other header's value may be
// a credential (`X-Api-Key`, `X-MS-TOKEN-AAD-ACCESS-TOKEN`, `Cf-Access-Jwt-Assertion`, a proxy's
// own), so only its name is kept: an allow-list, because a list of secret names is never complete.
const SHOWN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'if-match',
  'if-none-match',
  'user-agent',
  'x-request-id',
]);

/**
 * Request headers as the page shows them, from the record's list (`[name, value, …]`): names
 * lowercased, a repeated header's values joined with `, `, and the value of every header not on
 * the allow-list redacted.
 */
export function redactHeaders(
  headers: readonly string[] | undefined,
): Record<string, string> | null {
  if (headers === undefined) return null;
  const out: Record<string, string> = {};
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = String(headers[index]).toLowerCase();
    const value = SHOWN_HEADERS.has(name) ? String(headers[index + 1]) : REDACTED;
    const before = Object.hasOwn(out, name) ? out[name] : undefined;
    // defineProperty, so a `__proto__` header stays a plain key.
    Object.defineProperty(out, name, {
      value: before === undefined || value === REDACTED ? value : `${before}, ${value}`,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** The value of a header in the record's list (`[name, value, …]`), the first in any case. */
export function headerValue(
  headers: readonly string[] | undefined,
  lower: string,
): string | undefined {
  if (headers === undefined) return undefined;
  for (let index = 0; index + 1 < headers.length; index += 2)
    if (String(headers[index]).toLowerCase() === lower) return headers[index + 1];
  return undefined;
}

/** A copy of a JSON value with every secret-named value replaced, at any depth. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((element) => redactSecrets(element, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  // A PATCH operation whose path names the password: its value is the secret. The server's PATCH
  // reader takes `path`, `value` and `op` in any case (`"Path": "password"`), and so does its debug
  // log's redaction: matching `path` in lowercase only would show a `Value` the log hid.
  const pathIsSecret = Object.keys(record).some(
    (name) => name.toLowerCase() === 'path' && namesSecretPath(record[name]),
  );
  // A JSON Web Key (RFC 7517 §4.1: `kty` is required) shows its public members only.
  const jwk = typeof record.kty === 'string';
  const out: Record<string, unknown> = {};
  for (const [name, element] of Object.entries(record)) {
    const secret =
      SECRET_NAME.test(name) ||
      (pathIsSecret && name.toLowerCase() === 'value') ||
      (jwk && JWK_PRIVATE.has(name));
    Object.defineProperty(out, name, {
      value: secret ? REDACTED : redactSecrets(element, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function namesSecretPath(path: unknown): boolean {
  return typeof path === 'string' && /password/i.test(path);
}

/** One changed leaf of a resource: its path (`name.givenName`, `emails[0].value`), before and after. */
export interface DiffLine {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A leaf as shown (redacted) and as stored, to compare. */
interface Leaf {
  readonly shown: unknown;
  readonly raw: unknown;
}

/**
 * The leaves that differ between two states of a resource, secrets redacted. A secret is compared
 * before it is redacted, so a password that changed is a line `password: [changed]`, without either
 * value (RFC 7643 §4.1.1), rather than no line at all.
 */
export function diffResources(before: unknown, after: unknown): DiffLine[] {
  const old = new Map<string, Leaf>();
  const now = new Map<string, Leaf>();
  flatten(redactSecrets(before), before, '', old);
  flatten(redactSecrets(after), after, '', now);
  const lines: DiffLine[] = [];
  for (const path of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(path);
    const b = now.get(path);
    if (JSON.stringify(a?.raw) === JSON.stringify(b?.raw)) continue;
    // Shown alike but stored differently: a secret (or part of one) changed.
    const hidden = a !== undefined && b !== undefined && same(a.shown, b.shown);
    lines.push({
      path,
      ...(a === undefined ? {} : { before: a.shown }),
      ...(b === undefined ? {} : { after: hidden ? CHANGED : b.shown }),
    });
  }
  return lines.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Walks the redacted copy and the original together: redaction keeps the shape above a secret. */
function flatten(shown: unknown, raw: unknown, prefix: string, into: Map<string, Leaf>): void {
  if (Array.isArray(shown) && Array.isArray(raw)) {
    if (shown.length === 0) into.set(prefix, { shown: [], raw: [] });
    shown.forEach((element, index) => flatten(element, raw[index], `${prefix}[${index}]`, into));
    return;
  }
  if (isRecord(shown) && isRecord(raw)) {
    const entries = Object.entries(shown);
    if (entries.length === 0 && prefix !== '') into.set(prefix, { shown: {}, raw: {} });
    for (const [name, element] of entries)
      flatten(element, raw[name], prefix === '' ? name : `${prefix}.${name}`, into);
    return;
  }
  if (prefix !== '') into.set(prefix, { shown, raw });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
