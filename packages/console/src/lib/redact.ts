// What the console shows of data that may carry secrets. Request and response bodies arrive already
// redacted by the server's debug log (`log` with `debug: true`); what the console reads itself (the
// outbox's resource states, a principal) passes through here. Stored resources hold a password hash:
// RFC 7643 §4.1.1 makes `password` writeOnly, never returned, and the console returns nothing of it.

export const REDACTED = '[redacted]';

// Names whose value is a secret wherever they appear: `password`, `clientSecret`, `accessToken`,
// `sha256` and the like (but not `tokenId` or `tokens`, which name or list without revealing).
const SECRET_NAME =
  /password|secret|credential|sha256|digest|authorization|cookie|private_?key|api_?key|(^|[a-z_])token$/i;

/** A copy of a JSON value with every secret-named value replaced, at any depth. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((element) => redactSecrets(element, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  // A PATCH operation whose path names the password: its value is the secret. The server's PATCH
  // reader takes `path`, `value` and `op` in any case (`"Path": "password"`), and so does its debug
  // log's redaction: matching `path` in lowercase only would show a `Value` the log hid.
  const pathIsSecret = Object.keys(record).some(
    (name) => name.toLowerCase() === 'path' && namesSecretPath(record[name]),
  );
  const out: Record<string, unknown> = {};
  for (const [name, element] of Object.entries(record)) {
    const secret = SECRET_NAME.test(name) || (pathIsSecret && name.toLowerCase() === 'value');
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

/** The leaves that differ between two states of a resource, secrets already redacted. */
export function diffResources(before: unknown, after: unknown): DiffLine[] {
  const old = new Map<string, unknown>();
  const now = new Map<string, unknown>();
  flatten(redactSecrets(before), '', old);
  flatten(redactSecrets(after), '', now);
  const lines: DiffLine[] = [];
  for (const path of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(path);
    const b = now.get(path);
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    lines.push({
      path,
      ...(old.has(path) ? { before: a } : {}),
      ...(now.has(path) ? { after: b } : {}),
    });
  }
  return lines.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(prefix, []);
    value.forEach((element, index) => flatten(element, `${prefix}[${index}]`, into));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix !== '') into.set(prefix, {});
    for (const [name, element] of entries)
      flatten(element, prefix === '' ? name : `${prefix}.${name}`, into);
    return;
  }
  if (prefix !== '') into.set(prefix, value);
}
