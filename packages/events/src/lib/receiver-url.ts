// Server-side request forgery protection for push receiver URLs. How a transmitter learns the
// endpoint is outside RFC 8935; here it comes from whoever configured the stream, possibly the
// receiver itself through stream management. Without this check, a stream could make the server
// POST to its own loopback, its private network or the cloud metadata service. A URL passes when
// it is https, carries no credentials, and every address its host resolves to is a public unicast
// address.
//
// The check returns the addresses it vetted, and the transport connects to one of those and nowhere
// else: resolving again at connect time would let a DNS server answer "public" to the check and
// "private" to the connection (DNS rebinding). The check runs again before every delivery, so a host
// that later moves to a private address is refused from then on.
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/**
 * Resolves a host name to all of its IPv4 and IPv6 addresses, as text. The default asks the
 * operating system (`dns.lookup` with `all: true`), which is what a connection would use.
 * @example `const resolve: ReceiverUrlResolver = async () => ['93.184.215.14'];`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export type ReceiverUrlResolver = (hostname: string) => Promise<readonly string[]>;

/**
 * Options of {@link checkReceiverUrl}:
 * - `allowLoopback` admits loopback addresses only (127.0.0.0/8, ::1), for a receiver the operator
 *   runs on the same host;
 * - `allowPrivate` admits loopback, private, link-local and carrier-grade NAT addresses, for
 *   receivers on the operator's network;
 * - `allowMetadata` admits the cloud metadata and credential services (169.254.169.254,
 *   169.254.170.2, 169.254.170.23, fd00:ec2::254, fd00:ec2::23, 100.100.100.200), which
 *   `allowPrivate` does not: they hand out the host's credentials. Only an emulator needs it.
 *
 * Unspecified, multicast, reserved and Teredo addresses are refused whatever the options.
 * @example `checkReceiverUrl('http://127.0.0.1:8080/events', { allowHttp: true, allowLoopback: true })`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export interface ReceiverUrlOptions {
  readonly allowLoopback?: boolean | undefined;
  readonly allowPrivate?: boolean | undefined;
  readonly allowMetadata?: boolean | undefined;
  readonly allowHttp?: boolean | undefined;
  readonly resolve?: ReceiverUrlResolver | undefined;
  /** Abandons a slow resolution; the result is then `unresolvable`. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * One address a receiver URL's host resolved to, vetted by {@link checkReceiverUrl}.
 * @example `{ address: '93.184.215.14', family: 4 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export interface VettedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Why a receiver URL was refused:
 * - `invalid_url`: not an absolute URL;
 * - `insecure_scheme`: not `https:` (or `http:` without `allowHttp`), since SETs must travel over TLS;
 * - `credentials_in_url`: a user name or password in the URL, which would leak into logs;
 * - `unresolvable`: the host has no address, or resolution failed or timed out (may be temporary);
 * - `forbidden_address`: the host is, or resolves to, an address the options do not allow.
 * @example `if (!check.ok && check.code === 'unresolvable') scheduleRetry();`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export type ReceiverUrlIssueCode =
  'invalid_url' | 'insecure_scheme' | 'credentials_in_url' | 'unresolvable' | 'forbidden_address';

/**
 * The outcome of {@link checkReceiverUrl}: the parsed URL with the addresses a connection may use,
 * or why the URL was refused.
 * @example `const check = await checkReceiverUrl(url); if (!check.ok) log(check.reason);`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export type ReceiverUrlCheck =
  | { readonly ok: true; readonly url: URL; readonly addresses: readonly VettedAddress[] }
  | { readonly ok: false; readonly code: ReceiverUrlIssueCode; readonly reason: string };

/**
 * Checks a push receiver URL against server-side request forgery, resolving its host now. Call it
 * before every delivery and connect only to the addresses it returns (as `pushSet` does).
 * Numeric host forms (`http://2130706433/`, `http://0x7f.1/`, `[::ffff:7f00:1]`) are read as the
 * WHATWG URL parser reads them, so they are judged as the address they really are.
 * @example
 * ```ts
 * const check = await checkReceiverUrl('https://receiver.example.com/events');
 * if (!check.ok) throw new Error(`receiver URL refused: ${check.reason}`);
 * console.log(check.addresses); // [{ address: '93.184.215.14', family: 4 }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export async function checkReceiverUrl(
  url: string | URL,
  options: ReceiverUrlOptions = {},
): Promise<ReceiverUrlCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('invalid_url', 'the receiver URL is not an absolute URL');
  }
  const scheme = parsed.protocol;
  if (scheme !== 'https:' && !(scheme === 'http:' && options.allowHttp === true))
    return refuse(
      'insecure_scheme',
      scheme === 'http:'
        ? 'the receiver URL is http; SETs travel over TLS (https) unless plain http is allowed'
        : `the receiver URL scheme ${scheme} is not https`,
    );
  if (parsed.username !== '' || parsed.password !== '')
    return refuse(
      'credentials_in_url',
      'the receiver URL carries credentials; configure authorization separately',
    );

  const host = toHostname(parsed);
  const literal = isIP(host);
  let texts: readonly string[];
  if (literal !== 0) texts = [host];
  else {
    const resolved = await resolveHost(host, options);
    if (!resolved.ok) return resolved;
    texts = resolved.texts;
  }
  if (texts.length === 0) return refuse('unresolvable', `${host} has no address`);

  const addresses: VettedAddress[] = [];
  for (const text of texts) {
    const address = stripZone(text);
    const family = isIP(address);
    if (family !== 4 && family !== 6)
      return refuse('unresolvable', `the resolver answered something that is not an address`);
    const range = classify(address, family);
    if (range !== undefined && !isAdmitted(range.kind, options)) {
      const via = literal === 0 ? `${host} resolves to ${address}, ` : `${address} is `;
      return refuse('forbidden_address', `${via}${range.label}`);
    }
    addresses.push({ address, family });
  }
  return { ok: true, url: parsed, addresses };
}

/**
 * A `lookup` for `http.request` / `https.request` that answers only the vetted addresses, so the
 * connection goes where the check looked while the request keeps the original Host and TLS name.
 * Node calls it with `all: true` when it races IPv4 and IPv6 (`autoSelectFamily`), else once.
 * @example `https.request(url, { lookup: toVettedLookup(check.addresses) })`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export function toVettedLookup(addresses: readonly VettedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (first === undefined) {
      const error: NodeJS.ErrnoException = new Error('no vetted address to connect to');
      error.code = 'ENOTFOUND';
      callback(error, '');
    } else if (options.all === true)
      callback(
        null,
        addresses.map((entry) => ({ ...entry })),
      );
    else callback(null, first.address, first.family);
  };
}

async function resolveHost(
  host: string,
  options: ReceiverUrlOptions,
): Promise<
  | { readonly ok: true; readonly texts: readonly string[] }
  | { readonly ok: false; readonly code: 'unresolvable'; readonly reason: string }
> {
  const resolve = options.resolve ?? systemResolve;
  const { signal } = options;
  if (signal?.aborted === true) return refuse('unresolvable', `resolving ${host} was abandoned`);
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<'abandoned'>((settle) => {
    onAbort = () => settle('abandoned');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const texts = await Promise.race([resolve(host), abandoned]);
    if (texts === 'abandoned') return refuse('unresolvable', `resolving ${host} was abandoned`);
    return { ok: true, texts };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return refuse('unresolvable', `${host} could not be resolved${code ? ` (${code})` : ''}`);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function systemResolve(hostname: string): Promise<readonly string[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

/** Whether the options admit an address of this kind. */
function isAdmitted(kind: Range['kind'], options: ReceiverUrlOptions): boolean {
  switch (kind) {
    case 'loopback':
      return options.allowLoopback === true || options.allowPrivate === true;
    case 'private':
      return options.allowPrivate === true;
    case 'metadata':
      return options.allowMetadata === true;
    case 'never':
      return false;
  }
}

function refuse<C extends ReceiverUrlIssueCode>(code: C, reason: string) {
  return { ok: false as const, code, reason };
}

/**
 * A URL's host as a connection names it: an IPv6 literal without its brackets.
 * @example `toHostname(new URL('https://[2001:db8::1]/events')) // '2001:db8::1'`
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-3.2.2
 */
export function toHostname(url: URL): string {
  const { hostname } = url;
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** A resolver may answer a scoped link-local address (`fe80::1%eth0`); the scope is not the address. */
function stripZone(address: string): string {
  const percent = address.indexOf('%');
  return percent === -1 ? address : address.slice(0, percent);
}

// ---- address ranges -------------------------------------------------------------------------

/**
 * `loopback` ranges are admitted by `allowLoopback` or `allowPrivate`, `private` ones by
 * `allowPrivate`, `metadata` addresses by `allowMetadata` alone; nothing may be sent to a `never` one.
 */
interface Range {
  readonly kind: 'loopback' | 'private' | 'metadata' | 'never';
  readonly label: string;
}

interface Block extends Range {
  readonly prefix: readonly number[];
  readonly bits: number;
}

const PRIVATE_USE = 'a private-use address (RFC 1918)';

const METADATA = 'a cloud metadata service address, which hands out the host’s credentials';

// IANA special-purpose registries (RFC 6890 and successors), limited to what a request could reach
// or must never be sent to. Documentation ranges are left out: they route nowhere, harmlessly. The
// first block that matches decides, so the single metadata addresses come before their ranges.
const IPV4_BLOCKS: readonly Block[] = [
  // AWS, GCP, Azure and Oracle instance metadata; AWS ECS task credentials; EKS Pod Identity.
  { prefix: [169, 254, 169, 254], bits: 32, kind: 'metadata', label: METADATA },
  { prefix: [169, 254, 170, 2], bits: 32, kind: 'metadata', label: METADATA },
  { prefix: [169, 254, 170, 23], bits: 32, kind: 'metadata', label: METADATA },
  // Alibaba Cloud instance metadata, inside the carrier-grade NAT range.
  { prefix: [100, 100, 100, 200], bits: 32, kind: 'metadata', label: METADATA },
  { prefix: [0], bits: 8, kind: 'never', label: 'an unspecified ("this network") address' },
  { prefix: [10], bits: 8, kind: 'private', label: PRIVATE_USE },
  { prefix: [100, 64], bits: 10, kind: 'private', label: 'a carrier-grade NAT address (RFC 6598)' },
  { prefix: [127], bits: 8, kind: 'loopback', label: 'a loopback address' },
  { prefix: [169, 254], bits: 16, kind: 'private', label: 'a link-local address' },
  { prefix: [172, 16], bits: 12, kind: 'private', label: PRIVATE_USE },
  { prefix: [192, 0, 0], bits: 24, kind: 'private', label: 'an IETF protocol address (RFC 6890)' },
  { prefix: [192, 168], bits: 16, kind: 'private', label: PRIVATE_USE },
  { prefix: [198, 18], bits: 15, kind: 'private', label: 'a benchmarking address (RFC 2544)' },
  { prefix: [224], bits: 4, kind: 'never', label: 'a multicast address' },
  { prefix: [240], bits: 4, kind: 'never', label: 'a reserved or broadcast address' },
];

const IPV6_BLOCKS: readonly Block[] = [
  // AWS instance metadata and EKS Pod Identity over IPv6 (fd00:ec2::254, fd00:ec2::23).
  {
    prefix: [0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54],
    bits: 128,
    kind: 'metadata',
    label: METADATA,
  },
  {
    prefix: [0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x23],
    bits: 128,
    kind: 'metadata',
    label: METADATA,
  },
  { prefix: [0x01, 0x00], bits: 64, kind: 'never', label: 'a discard-only address (RFC 6666)' },
  // Teredo tunnels IPv6 through IPv4 via a relay, to a client address that is hidden (inverted) in
  // the address: a connection there could reach into a network that this check cannot see.
  {
    prefix: [0x20, 0x01, 0x00, 0x00],
    bits: 32,
    kind: 'never',
    label: 'a Teredo tunnel address (2001::/32)',
  },
  {
    prefix: [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01],
    bits: 48,
    kind: 'private',
    label: 'a local-use NAT64 address (RFC 8215)',
  },
  { prefix: [0xfc], bits: 7, kind: 'private', label: 'a unique local address (fc00::/7)' },
  { prefix: [0xfe, 0x80], bits: 10, kind: 'private', label: 'a link-local address (fe80::/10)' },
  { prefix: [0xfe, 0xc0], bits: 10, kind: 'private', label: 'a site-local address (fec0::/10)' },
  { prefix: [0xff], bits: 8, kind: 'never', label: 'a multicast address' },
];

/** IPv6 forms that carry an IPv4 address, judged by that address: where the packets really go. */
const EMBEDDED_IPV4: readonly {
  readonly prefix: readonly number[];
  readonly bits: number;
  readonly at: number;
  readonly form: string;
}[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], bits: 96, at: 12, form: 'an IPv4-mapped' },
  // IPv4-translated (::ffff:0:a.b.c.d, RFC 2765 SIIT).
  {
    prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0],
    bits: 96,
    at: 12,
    form: 'an IPv4-translated',
  },
  { prefix: [0x00, 0x64, 0xff, 0x9b], bits: 96, at: 12, form: 'a NAT64' },
  { prefix: [0x20, 0x02], bits: 16, at: 2, form: 'a 6to4' },
  // IPv4-compatible (::a.b.c.d, deprecated); `::` and `::1` are judged before this.
  { prefix: [], bits: 96, at: 12, form: 'an IPv4-compatible' },
];

function classify(address: string, family: 4 | 6): Range | undefined {
  if (family === 4) return match(ipv4Bytes(address), IPV4_BLOCKS);
  const bytes = ipv6Bytes(address);
  if (bytes.every((byte) => byte === 0))
    return { kind: 'never', label: 'the unspecified address (::)' };
  if (bytes.slice(0, 15).every((byte) => byte === 0) && bytes[15] === 1)
    return { kind: 'loopback', label: 'the loopback address (::1)' };
  for (const embedding of EMBEDDED_IPV4) {
    if (!startsWith(bytes, embedding.prefix, embedding.bits)) continue;
    const inner = bytes.slice(embedding.at, embedding.at + 4);
    const range = match(inner, IPV4_BLOCKS);
    if (range === undefined) return undefined;
    return {
      kind: range.kind,
      label: `${embedding.form} form of ${inner.join('.')}, ${range.label}`,
    };
  }
  return match(bytes, IPV6_BLOCKS);
}

function match(bytes: readonly number[], blocks: readonly Block[]): Range | undefined {
  return blocks.find((block) => startsWith(bytes, block.prefix, block.bits));
}

/** Whether the first `bits` bits of `bytes` equal those of `prefix` (missing prefix bytes are 0). */
function startsWith(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** Dotted-quad text (validated by `isIP`) as four bytes. */
function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** IPv6 text (validated by `isIP`, zone removed) as sixteen bytes, `::` and a dotted tail expanded. */
function ipv6Bytes(address: string): number[] {
  const groupsOf = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(group);
          return [(a << 8) | b, (c << 8) | d];
        });
  const gap = address.indexOf('::');
  const head = groupsOf(gap === -1 ? address : address.slice(0, gap));
  const tail = gap === -1 ? [] : groupsOf(address.slice(gap + 2));
  const groups = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}
