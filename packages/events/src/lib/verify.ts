// The receiving side of a SET (RFC 8417 §2, RFC 9967 §5): check the signature against the issuer's
// keys, then `typ`, `iss`, `aud`, `iat`, the claims every SET has, and that its `jti` was not seen
// before. Every expected failure is an issue in the result, never a throw: a push receiver answers
// each with the RFC 8935 error code the issue names. Options are checked on every call, and a
// misconfiguration (no audience decision, a NaN maximum age) throws, since it would otherwise make a
// check pass everything.
import {
  compactVerify,
  decodeProtectedHeader,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
} from 'jose';
import type { SetClaims } from './claims.js';
import type { JsonWebKeySet, SetSigningAlgorithm, SigningKeySet } from './keys.js';
import { checkNumberOption, LATEST_DATE_MS, type ReplayCache } from './replay.js';
import { SET_TYP } from './sign.js';
import { resolverOf, type KeyResolver, type RemoteJwks } from './verify-keys.js';

export { createRemoteJwks, type RemoteJwks } from './verify-keys.js';

/**
 * The error codes of RFC 8935 §2.4 a push receiver answers a refused SET with (a 400 with
 * `{ "err": code, "description": … }`).
 * @example `return Response.json({ err: issue.err, description: issue.message }, { status: 400 })`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.4
 */
export type SetErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

/**
 * Why a SET was refused:
 * - `malformed`: not a compact JWS with a JSON object payload;
 * - `invalid_typ`: the header's `typ` is not `secevent+jwt` (RFC 8417 §2.3);
 * - `algorithm_not_allowed`: signed with an algorithm the options do not allow;
 * - `unknown_key`: no published key matches the header's `kid` and `alg`. From a remote JWKS in
 *   its cooldown it carries no error code: the transmitter may have just rotated to a key the cached
 *   JWKS lacks, which is fetched again only once the cooldown has passed, so the SET is to be
 *   retried. A `kid` missing from a JWKS just fetched, or from keys given directly, is refused;
 * - `invalid_key`: the key cannot verify it (an RSA key under 2048 bits);
 * - `invalid_signature`: the signature does not match;
 * - `jwks_unavailable`: the issuer's JWKS could not be fetched; the fault is not the sender's;
 * - `invalid_issuer`, `invalid_audience`: `iss` or `aud` is not the expected one;
 * - `missing_claim`: `iss`, `iat` or `jti` is missing or of the wrong type;
 * - `invalid_events`: `events` is not an object of event URIs to payload objects;
 * - `issued_in_future`: `iat` is later than now plus the clock tolerance. It carries no error code:
 *   the transmitter's clock runs ahead, and the receiver's catches up, so the SET is to be retried;
 * - `too_old`: `iat` is older than the maximum age, or `exp` has passed;
 * - `replayed`: a SET with this `iss` and `jti` was accepted before. It carries no RFC 8935 error
 *   code: answer 202, as the SET was already received, so that a transmitter whose first 202 was
 *   lost stops retrying instead of dead-lettering the event.
 * @example `if (issue.code === 'replayed') return new Response(null, { status: 202 }); // already have it`
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2
 */
export type SetVerifyIssueCode =
  | 'malformed'
  | 'invalid_typ'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'invalid_key'
  | 'invalid_signature'
  | 'jwks_unavailable'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'missing_claim'
  | 'invalid_events'
  | 'issued_in_future'
  | 'too_old'
  | 'replayed';

/**
 * One reason a SET was refused, with the RFC 8935 error code to answer with. `err` is absent when a
 * later delivery of the same SET may verify, so the receiver answers 5xx and the transmitter retries
 * (a 400 with an `err` makes it dead-letter the SET at once): `jwks_unavailable` (the receiver could
 * not fetch keys), `unknown_key` from a remote JWKS (a key not fetched yet) and `issued_in_future`
 * (clocks apart). It is absent for `replayed` too (the SET was received before: answer 202).
 * @example `{ code: 'invalid_audience', err: 'invalid_audience', message: 'aud "https://a.example" is not this receiver' }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.4
 */
export interface SetVerifyIssue {
  readonly code: SetVerifyIssueCode;
  readonly err?: SetErrorCode;
  readonly message: string;
}

/**
 * A verified SET: its claims and its protected header. Its `jti` is reserved in the replay cache;
 * `release()` takes the reservation back, for when applying the event failed, so that the
 * transmitter's retry is processed rather than refused as a replay. It resolves true when the jti is
 * free again, false when the cache has no `release` (the retry will be answered as a replay).
 * `release` is not enumerable, so it stays out of JSON, spreads and deep comparisons.
 * @example `const { claims, header } = result.value; console.log(header.kid, Object.keys(claims.events))`
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2
 */
export interface VerifiedSet {
  readonly claims: SetClaims;
  readonly header: { readonly alg: string; readonly kid?: string; readonly typ?: string };
  readonly release: () => Promise<boolean>;
}

/**
 * The outcome of {@link verifySet}: the SET, or every reason it was refused.
 * @example `const result = await verifySet(token, options); if (!result.ok) console.warn(result.issues)`
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2
 */
export type SetVerifyResult =
  | { readonly ok: true; readonly value: VerifiedSet }
  | { readonly ok: false; readonly issues: readonly SetVerifyIssue[] };

/**
 * What {@link verifySet} checks a SET against.
 * @example
 * ```ts
 * const options: SetVerifyOptions = {
 *   keys: createRemoteJwks('https://scim.example.com/.well-known/jwks.json'),
 *   issuer: 'https://scim.example.com',
 *   audience: 'https://receiver.example.com',
 *   replayCache: createMemoryReplayCache(),
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2
 */
export interface SetVerifyOptions {
  /** The issuer's public keys: a JWKS, a key set of this process, or a remote JWKS. */
  readonly keys: JsonWebKeySet | SigningKeySet | RemoteJwks;
  /** The expected `iss`, or any of several. */
  readonly issuer: string | readonly string[];
  /**
   * `aud` must hold this value (or one of these); `false` skips the audience check on purpose, for a
   * receiver that is the only one its transmitters send to. Required: leaving it out is a TypeError.
   */
  readonly audience: string | readonly string[] | false;
  /**
   * The oldest `iat` accepted, in seconds before now; ≥ 0. Default 604,800 (7 days): `iat` is fixed
   * when the transmitter queues a SET, not when it signs it, and our push deliverer retries for 72
   * hours, so the default covers a receiver down that long with room for an operator's replay from
   * the dead letters. The replay cache keeps each `jti` this long (plus the clock tolerance).
   */
  readonly maxAgeSeconds?: number | undefined;
  /** Clock difference allowed between transmitter and receiver, in seconds (default 60); ≥ 0. */
  readonly clockToleranceSeconds?: number | undefined;
  /** Where accepted SETs are remembered; `false` to skip the replay check on purpose. */
  readonly replayCache: ReplayCache | false;
  /** The algorithms accepted (default ES256 and RS256). */
  readonly algorithms?: readonly SetSigningAlgorithm[] | undefined;
  /** The clock (default the system clock). */
  readonly now?: (() => Date) | undefined;
}

// A SET older than this is refused for good, so it must outlast the transmitter's retries (72 hours
// in delivery-policy.ts, counted from queuing, when iat is set) and a replay of its dead letters.
const DEFAULT_MAX_AGE_SECONDS = 604_800;
const DEFAULT_TOLERANCE_SECONDS = 60;
const DEFAULT_ALGORITHMS: readonly SetSigningAlgorithm[] = ['ES256', 'RS256'];

/**
 * Verifies a SET: the signature with the issuer's keys, the header's `typ`, then `iss`, `aud`, `iat`
 * (not in the future beyond the clock tolerance, not older than the maximum age), `jti` and
 * `events`, and last that no SET with the same `iss` and `jti` was accepted before, reserving its
 * `jti`. Problems with the token are issues in the result; only a misconfiguration (no `audience`
 * decision, a number option that is NaN, infinite or negative, a malformed JWKS) throws.
 *
 * The flow of a push receiver: verify, apply, answer 202. When applying fails, `release()` the jti
 * and answer 5xx, so the transmitter's retry is processed. A `replayed` SET was received before
 * (its first 202 may have been lost): answer 202 again, never 400, or the transmitter dead-letters it.
 * @example
 * ```ts
 * const result = await verifySet(await request.text(), { keys, issuer, audience, replayCache });
 * if (!result.ok) {
 *   const [issue] = result.issues;
 *   if (issue?.code === 'replayed') return new Response(null, { status: 202 }); // already received
 *   return issue?.err === undefined
 *     ? new Response(null, { status: 503 }) // may verify later: the transmitter retries
 *     : Response.json({ err: issue.err, description: issue.message }, { status: 400 });
 * }
 * try {
 *   await apply(result.value.claims);
 * } catch {
 *   await result.value.release(); // so that the retry is applied, not refused as a replay
 *   return new Response(null, { status: 503 });
 * }
 * return new Response(null, { status: 202 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2
 */
export async function verifySet(
  token: string,
  options: SetVerifyOptions,
): Promise<SetVerifyResult> {
  const checks = checkOptions(options);
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return refuse('malformed', 'The SET is not a compact JWS');
  }
  if (!isSetTyp(header.typ))
    return refuse(
      'invalid_typ',
      `The header's typ is ${JSON.stringify(header.typ)}, not "${SET_TYP}"`,
    );
  if (header.b64 === false) return refuse('malformed', 'A SET payload is base64url-encoded');
  const verified = await verifySignature(
    token,
    resolverOf(options.keys),
    options.algorithms ?? DEFAULT_ALGORITHMS,
  );
  if ('issue' in verified) return { ok: false, issues: [verified.issue] };
  const claims = parseClaims(verified.payload);
  if (claims === undefined) return refuse('malformed', 'The SET payload is not a JSON object');
  const now = (options.now ?? (() => new Date()))().getTime() / 1000;
  if (!Number.isFinite(now)) throw new RangeError('verifySet: the clock gave an invalid Date');
  const issues = claimIssues(claims, checks, now);
  if (issues.length > 0) return { ok: false, issues };
  const set = claims as unknown as SetClaims;
  const { replayCache } = options;
  let release = (): Promise<boolean> => Promise.resolve(true);
  if (replayCache !== false) {
    // Until the SET would be refused as too old anyway; capped, as a Date past the last one is
    // invalid and an invalid expiry would never count as live.
    const expiresMs = Math.min((set.iat + checks.maxAge + checks.tolerance) * 1000, LATEST_DATE_MS);
    const key = JSON.stringify([set.iss, set.jti]);
    const fresh = await replayCache.remember(key, new Date(expiresMs));
    if (!fresh)
      return refuse('replayed', `A SET with jti "${set.jti}" from ${set.iss} was already accepted`);
    let released: Promise<boolean> | undefined;
    release = () =>
      (released ??=
        replayCache.release === undefined
          ? Promise.resolve(false)
          : Promise.resolve()
              .then(() => replayCache.release?.(key))
              .then(() => true));
  }
  const value = {
    claims: set,
    header: {
      alg: String(header.alg),
      ...(typeof header.kid === 'string' && { kid: header.kid }),
      ...(typeof header.typ === 'string' && { typ: header.typ }),
    },
  };
  // Not enumerable: the value stays the plain data it was (for logs, JSON and deep comparisons);
  // release is a capability of this one verification, not part of the SET.
  Object.defineProperty(value, 'release', { value: release, enumerable: false });
  return { ok: true, value: value as VerifiedSet };
}

/** The options' checks with every default filled in, each value known to be usable. */
interface Checks {
  readonly issuers: readonly string[];
  /** Undefined when the caller chose `audience: false`. */
  readonly audiences: readonly string[] | undefined;
  readonly maxAge: number;
  readonly tolerance: number;
}

/** Reads and checks the options, throwing on a misconfiguration that would make a check pass all. */
function checkOptions(options: SetVerifyOptions): Checks {
  const { audience } = options as { readonly audience?: unknown };
  let audiences: readonly string[] | undefined;
  if (audience === false) audiences = undefined;
  else if (typeof audience === 'string' && audience !== '') audiences = [audience];
  else if (
    Array.isArray(audience) &&
    audience.length > 0 &&
    audience.every((value) => typeof value === 'string' && value !== '')
  )
    audiences = audience as readonly string[];
  else
    throw new TypeError(
      'verifySet: audience must be this receiver’s audience (a string or a non-empty list), or false to skip the aud check on purpose',
    );
  const issuers = typeof options.issuer === 'string' ? [options.issuer] : options.issuer;
  return {
    issuers,
    audiences,
    maxAge: checkNumberOption(
      'verifySet',
      'maxAgeSeconds',
      options.maxAgeSeconds,
      DEFAULT_MAX_AGE_SECONDS,
    ),
    tolerance: checkNumberOption(
      'verifySet',
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      DEFAULT_TOLERANCE_SECONDS,
    ),
  };
}

/**
 * Checks the signature with the key the header names. Without a `kid`, several published keys may fit
 * the algorithm: each is tried (jose hands them over with its multiple-keys error).
 */
async function verifySignature(
  token: string,
  resolve: KeyResolver,
  algorithms: readonly SetSigningAlgorithm[],
): Promise<{ readonly payload: Uint8Array } | { readonly issue: SetVerifyIssue }> {
  const options = { algorithms: [...algorithms] };
  let lookupFailed = false;
  let fetchHeldBack = false;
  try {
    const { payload } = await compactVerify(
      token,
      async (protectedHeader: JWSHeaderParameters, input: FlattenedJWSInput) => {
        // Read before the look-up, which may fetch: a remote set in its cooldown looks a missing
        // kid up in what it has, one past it fetches the set again first.
        fetchHeldBack = isCoolingDown(resolve);
        try {
          return await resolve(protectedHeader, input);
        } catch (error) {
          lookupFailed = true;
          throw error;
        }
      },
      options,
    );
    return { payload };
  } catch (error) {
    if (joseCode(error) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' && isAsyncIterable(error)) {
      for await (const key of error) {
        try {
          const { payload } = await compactVerify(token, key as CryptoKey, options);
          return { payload };
        } catch {
          // The next candidate, then: only one key signed it.
        }
      }
      return { issue: issue('invalid_signature', 'The SET signature does not verify') };
    }
    return { issue: verificationIssue(error, lookupFailed, fetchHeldBack) };
  }
}

/**
 * Whether the keys are a remote JWKS (jose's) that fetched its set within its cooldown, and so
 * fetches no more now; keys given directly have no cooldown, and waiting never changes them.
 */
function isCoolingDown(resolve: KeyResolver): boolean {
  return (resolve as { readonly coolingDown?: unknown }).coolingDown === true;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** `secevent+jwt`, also with the `application/` prefix, in any case (RFC 7515 §4.1.9). */
function isSetTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === SET_TYP || lower === `application/${SET_TYP}`;
}

/**
 * The issue a failed signature check means; `duringKeyLookup` when finding the key failed,
 * `fetchHeldBack` when a remote JWKS's cooldown kept it from fetching the set for a missing kid.
 */
function verificationIssue(
  error: unknown,
  duringKeyLookup: boolean,
  fetchHeldBack: boolean,
): SetVerifyIssue {
  const code = joseCode(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ERR_JWKS_NO_MATCHING_KEY':
      // A transmitter publishes a rotated key as it starts signing with it, but jose fetches the set
      // again at most once per cooldown: refused for good, SETs signed right after a rotation would
      // be dead-lettered. Without an err the transmitter retries, and a later try fetches the set.
      // A kid missing from a set just fetched, or from keys given directly, is refused: waiting
      // changes nothing.
      return fetchHeldBack
        ? {
            code: 'unknown_key',
            message:
              'No key of the issuer’s JWKS, as last fetched, matches the SET header’s kid and alg; it is fetched again after its cooldown',
          }
        : issue('unknown_key', 'No published key matches the SET header’s kid and alg');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return issue('invalid_signature', 'The SET signature does not verify');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return issue('algorithm_not_allowed', message);
    case 'ERR_JWS_INVALID':
      return issue('malformed', message);
    case 'ERR_JOSE_NOT_SUPPORTED':
      return issue(duringKeyLookup ? 'unknown_key' : 'algorithm_not_allowed', message);
  }
  // Finding the key failed for another reason (a timeout, a network error, a JWKS the server could
  // not parse): the receiver's problem, not the transmitter's.
  if (duringKeyLookup)
    return issue('jwks_unavailable', `The issuer's keys are unavailable: ${message}`);
  return issue('invalid_key', message);
}

function joseCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function parseClaims(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(payload));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Every problem with the claims of a SET whose signature verified. */
function claimIssues(
  claims: Record<string, unknown>,
  checks: Checks,
  now: number,
): SetVerifyIssue[] {
  const issues: SetVerifyIssue[] = [];
  const { iss, aud, iat, exp, jti, events } = claims;
  const { issuers, audiences: expected, maxAge, tolerance } = checks;
  if (typeof iss !== 'string') issues.push(issue('missing_claim', 'The SET has no iss'));
  else if (!issuers.includes(iss))
    issues.push(issue('invalid_issuer', `iss ${JSON.stringify(iss)} is not the expected issuer`));
  if (expected !== undefined) {
    const given = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!given.some((value) => typeof value === 'string' && expected.includes(value)))
      issues.push(issue('invalid_audience', `aud ${JSON.stringify(aud)} is not this receiver`));
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    issues.push(issue('missing_claim', 'The SET has no numeric iat'));
  else if (iat > now + tolerance)
    issues.push(issue('issued_in_future', `iat ${iat} is in the future`));
  else if (now - iat > maxAge + tolerance)
    issues.push(issue('too_old', `iat ${iat} is more than ${maxAge} seconds ago`));
  if (typeof exp === 'number' && now - tolerance >= exp)
    issues.push(issue('too_old', `exp ${exp} has passed`));
  if (typeof jti !== 'string' || jti === '')
    issues.push(issue('missing_claim', 'The SET has no jti'));
  if (!isEventsClaim(events))
    issues.push(issue('invalid_events', 'events must map one or more event URIs to objects'));
  return issues;
}

/** RFC 8417 §2.2: `events` is a JSON object of one or more event URIs, each with an object payload. */
function isEventsClaim(events: unknown): boolean {
  if (typeof events !== 'object' || events === null || Array.isArray(events)) return false;
  const payloads = Object.values(events);
  return (
    payloads.length > 0 &&
    payloads.every((value) => typeof value === 'object' && value !== null && !Array.isArray(value))
  );
}

const ERR_CODES: Readonly<Record<SetVerifyIssueCode, SetErrorCode | undefined>> = {
  malformed: 'invalid_request',
  invalid_typ: 'invalid_request',
  algorithm_not_allowed: 'invalid_request',
  unknown_key: 'invalid_key',
  invalid_key: 'invalid_key',
  invalid_signature: 'invalid_key',
  jwks_unavailable: undefined,
  invalid_issuer: 'invalid_issuer',
  invalid_audience: 'invalid_audience',
  missing_claim: 'invalid_request',
  invalid_events: 'invalid_request',
  // The transmitter's clock runs ahead: the same SET verifies once the receiver's catches up.
  issued_in_future: undefined,
  too_old: 'invalid_request',
  // Already received: the answer is 202, not an error (see verifySet).
  replayed: undefined,
};

function issue(code: SetVerifyIssueCode, message: string): SetVerifyIssue {
  const err = ERR_CODES[code];
  return err === undefined ? { code, message } : { code, err, message };
}

function refuse(code: SetVerifyIssueCode, message: string): SetVerifyResult {
  return { ok: false, issues: [issue(code, message)] };
}
