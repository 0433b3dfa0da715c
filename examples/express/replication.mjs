// @ts-check
// The receiving end of the example's security events (RFC 9967): a second server that keeps a copy
// of the users and groups of a transmitter (this example started with SCIM_EVENTS_PUSH_URL) by
// applying the SETs it pushes (RFC 8935). The transmitter is named by its issuer; its keys are found
// through its /.well-known/ssf-configuration. Nothing here depends on Express: receiver-app.mjs
// mounts `handlePush` and a read-only SCIM API over the same stores.
import {
  createEventReceiver,
  createMemoryReceiverState,
  createMemoryReplayCache,
  createRemoteJwks,
  createResourceSource,
} from '@scim/events';
import { bearerTokens, hashBearerToken } from '@scim/server';
import { isLoopbackUrl, SSF_CONFIGURATION_PATH } from './events.mjs';

/** Where the replica takes pushed SETs, on its own origin. */
export const EVENTS_PATH = '/events';

/**
 * What the variables say, read once at start-up: the transmitter's issuer (required), the audience
 * SETs must name (undefined: the replica's origin, known once it listens), the bearer token pushes
 * must carry, and where to read resources back from the transmitter. Refuses an issuer or source
 * that is not https, unless its host is a loopback address (a bearer token travels to the source).
 * @param {Readonly<Record<string, string | undefined>>} env
 */
export function replicationSettingsFromEnv(env) {
  const issuer = issuerOf(env.SCIM_RECEIVER_ISSUER ?? '');
  const sourceToken = env.SCIM_RECEIVER_SOURCE_TOKEN || undefined;
  const sourceUrl = env.SCIM_RECEIVER_SOURCE_URL || `${issuer}/scim/v2`;
  if (sourceToken !== undefined) requireTls('SCIM_RECEIVER_SOURCE_URL', sourceUrl);
  return {
    issuer,
    audience: env.SCIM_RECEIVER_AUDIENCE || undefined,
    pushToken: env.SCIM_RECEIVER_PUSH_TOKEN || undefined,
    source: sourceToken === undefined ? undefined : { baseUrl: sourceUrl, token: sourceToken },
  };
}

/** @typedef {ReturnType<typeof replicationSettingsFromEnv>} ReplicationSettings */

/**
 * The issuer as the transmitter spells it in `iss`: an origin (this example's) or an https URL
 * with a path, never with a trailing slash, credentials, a query or a fragment.
 * @param {string} text
 */
function issuerOf(text) {
  if (text === '')
    throw new Error(
      'SCIM_RECEIVER_ISSUER is not set: name the transmitter, such as http://127.0.0.1:8080 ' +
        '(the origin of its SCIM_BASE_URL)',
    );
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== ''
  )
    throw new Error('SCIM_RECEIVER_ISSUER must be an http(s) URL without credentials or a query');
  requireTls('SCIM_RECEIVER_ISSUER', url.href);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Keys and resources are only as trustworthy as the connection they come over: https, or plain
 * http to this machine.
 * @param {string} variable
 * @param {string} url
 */
function requireTls(variable, url) {
  if (!URL.canParse(url)) throw new Error(`${variable} is not a URL`);
  const { protocol } = new URL(url);
  if (protocol !== 'https:' && !(protocol === 'http:' && isLoopbackUrl(url)))
    throw new Error(`${variable} must be https:// (plain http only to localhost or 127.0.0.1)`);
}

/**
 * Reads the transmitter's SSF configuration, where SSF 1.0 §7.2 puts it for `issuer`, and returns
 * its `jwks_uri`. The document must name the same issuer (§7.2: a document served for another
 * issuer is not this transmitter's) and keys on https, or plain http to this machine.
 * @param {string} issuer
 * @param {{ fetch?: typeof fetch, timeoutMs?: number }} [options]
 */
export async function discoverTransmitter(
  issuer,
  { fetch: send = fetch, timeoutMs = 10_000 } = {},
) {
  const { origin, pathname } = new URL(issuer);
  const url = `${origin}${SSF_CONFIGURATION_PATH}${pathname === '/' ? '' : pathname}`;
  /** @type {unknown} */
  let document;
  try {
    const response = await send(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`it answered ${response.status}`);
    }
    document = await response.json();
  } catch (error) {
    throw new Error(
      `The transmitter's configuration ${url} could not be read: ${error instanceof Error ? error.message : String(error)}. ` +
        'Is the transmitter running with SCIM_EVENTS_PUSH_URL set?',
      { cause: error },
    );
  }
  const { issuer: named, jwks_uri: jwksUri } = /** @type {Record<string, unknown>} */ (
    typeof document === 'object' && document !== null ? document : {}
  );
  if (named !== issuer)
    throw new Error(`${url} names the issuer ${JSON.stringify(named)}, not ${issuer}`);
  if (typeof jwksUri !== 'string') throw new Error(`${url} names no jwks_uri`);
  requireTls(`The jwks_uri of ${url}`, jwksUri);
  return { configurationUrl: url, jwksUri };
}

/**
 * The receiver over the replica's stores: SETs from `settings.issuer` are verified with the keys its
 * configuration names (followed by `kid`, so a key rotation needs nothing here), for `audience`,
 * each `jti` once, and applied to `stores` with the transmitter's ids, versions and times;
 * `baseUrl` (the replica's `/scim/v2`) goes into their `meta.location`. With `settings.source`, each
 * change is applied by reading the resource back from the transmitter, which also covers groups:
 * their events are notices, naming what changed but not the members (RFC 9967 §2.4). Without it,
 * users are written from their events' data and group events are refused. What was applied is
 * remembered in memory: after a restart without a source, a late SET of a subject deleted before
 * can bring it back (with one, reading it back finds it gone).
 * @param {{
 *   settings: ReplicationSettings,
 *   stores: import('@scim/events').ReceiverTarget['stores'],
 *   baseUrl: string,
 *   audience: string,
 *   log?: (line: string) => void,
 *   fetch?: typeof fetch,
 * }} options
 */
export async function createReplication({
  settings,
  stores,
  baseUrl,
  audience,
  log = console.log,
  fetch: send = fetch,
}) {
  const { issuer, pushToken, source } = settings;
  const { jwksUri } = await discoverTransmitter(issuer, { fetch: send });
  const checkPushToken =
    pushToken === undefined
      ? undefined
      : bearerTokens({ tokens: [await hashBearerToken(pushToken)] });
  const receiver = createEventReceiver({
    keys: createRemoteJwks(jwksUri),
    issuer,
    audience,
    replayCache: createMemoryReplayCache(),
    state: createMemoryReceiverState(),
    target: { stores, baseUrl },
    source:
      source === undefined
        ? undefined
        : createResourceSource({
            baseUrl: source.baseUrl,
            authorization: `Bearer ${source.token}`,
            fetch: (request) => send(request),
          }),
    // bearerTokens compares digests in constant time; its 401 becomes the receiver's own.
    authorize:
      checkPushToken === undefined
        ? undefined
        : (request) =>
            checkPushToken(request).then(
              () => true,
              () => false,
            ),
    onError: (error, { jti, subject }) =>
      log(
        `events: ${subject ?? jti ?? 'receiver'}: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
  const pushUrl = `${new URL(baseUrl).origin}${EVENTS_PATH}`;
  return {
    issuer,
    handlePush: receiver.handlePush,
    /** The start-up lines: what is replicated, and how; never a token. */
    summary: [
      `replicating ${issuer}: SETs pushed to ${pushUrl} (aud ${audience}; keys at ${jwksUri}; ` +
        `${pushToken === undefined ? 'any push, SCIM_RECEIVER_PUSH_TOKEN is not set' : 'pushes carry SCIM_RECEIVER_PUSH_TOKEN'})`,
      source === undefined
        ? 'groups: not replicated, their events are notices: set SCIM_RECEIVER_SOURCE_TOKEN to read them back'
        : `resources: read back from ${source.baseUrl} on each change`,
    ],
  };
}

/**
 * What a pushed SET says it is about, for the log line of its push: its subject and events, read
 * without verifying (the receiver verifies). Undefined when it is no JWS with such claims.
 * @param {string} token
 */
export function describeSet(token) {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    const subject = String(payload.sub_id?.uri ?? payload.sub_id?.format ?? '?');
    const events = Object.keys(payload.events ?? {}).map((uri) => uri.replace(/^.*:event:/, ''));
    return `${subject} ${events.join(' ')}`;
  } catch {
    return undefined;
  }
}
