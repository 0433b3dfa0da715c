// @ts-check
// Security events (RFC 9967) for the example: when SCIM_EVENTS_PUSH_URL is set, every change the
// server records in its lifecycle outbox is signed as a Security Event Token and pushed to that URL
// (RFC 8935), over one stream the operator defines here (no stream management API). The SETs' keys
// are published at the JWKS that /.well-known/ssf-configuration names, on the example's origin.
// Nothing here depends on Express: app.mjs mounts the two documents and the `onEvent` hook.
import { GroupResourceType, PUSH_DELIVERY_METHOD, UserResourceType } from '@scim/core';
import {
  checkReceiverUrl,
  createEventPublisher,
  createMemorySetQueue,
  createMemoryStreamStore,
  createSigningKeySet,
  createStreamDeliverer,
  generateSigningKey,
  importSigningKey,
} from '@scim/events';

/** Where SSF 1.0 §7.2 puts the transmitter's configuration for an issuer without a path. */
export const SSF_CONFIGURATION_PATH = '/.well-known/ssf-configuration';
/** Where `createSsfEndpoints` would serve the JWKS under a base URL of `<origin>/ssf`. */
export const JWKS_PATH = '/ssf/jwks.json';
/** Receivers refresh their cached copy within minutes, so a rotated key is picked up soon. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=300';

/** The one stream this example delivers: defined by the operator's variables, not through SSF. */
const STREAM_ID = 'push';

/**
 * What the variables say, read once at start-up: undefined when SCIM_EVENTS_PUSH_URL is unset or
 * empty (no events). Refuses a URL that can never be delivered to (not https, unless the host is a
 * loopback address; credentials in it; a private address) and a SCIM_EVENTS_SIGNING_KEY that is
 * not a private P-256 or RSA JWK, without repeating its value.
 * @param {Readonly<Record<string, string | undefined>>} env
 */
export async function eventsSettingsFromEnv(env) {
  const pushUrl = env.SCIM_EVENTS_PUSH_URL ?? '';
  if (pushUrl === '') return undefined;
  // The operator chose this URL, so a receiver on this host is fine; private networks are not,
  // and plain http is only for a receiver that never leaves the machine.
  const loopback = isLoopbackUrl(pushUrl);
  const check = await checkReceiverUrl(pushUrl, { allowLoopback: loopback, allowHttp: loopback });
  // A host that does not resolve yet may later: the deliverer checks again before every attempt.
  if (!check.ok && check.code !== 'unresolvable')
    throw new Error(`SCIM_EVENTS_PUSH_URL is refused: ${check.reason}`);
  const pushToken = env.SCIM_EVENTS_PUSH_TOKEN || undefined;
  const audience = env.SCIM_EVENTS_AUDIENCE || new URL(pushUrl).origin;
  const configured = env.SCIM_EVENTS_SIGNING_KEY ?? '';
  const key = configured === '' ? await generateSigningKey() : await importKey(configured);
  return {
    pushUrl,
    pushToken,
    audience,
    loopback,
    keys: createSigningKeySet({ active: key }),
    keyMadeForThisRun: configured === '',
  };
}

/** @param {string} text the private JWK, as JSON */
async function importKey(text) {
  /** @type {unknown} */
  let jwk;
  try {
    jwk = JSON.parse(text);
  } catch {
    // Not the parser's error as cause: its message quotes the start of the secret.
    throw new Error('SCIM_EVENTS_SIGNING_KEY is not JSON: it holds a private JWK');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new Error('SCIM_EVENTS_SIGNING_KEY is not a JSON object: it holds a private JWK');
  try {
    return await importSigningKey(/** @type {import('@scim/events').Jwk} */ (jwk));
  } catch (error) {
    throw new Error(
      `SCIM_EVENTS_SIGNING_KEY is refused: ${error instanceof Error ? error.message : 'not a signing key'}`,
      { cause: error },
    );
  }
}

/**
 * A literal loopback host or `localhost`, which resolves to loopback addresses only (RFC 6761 §6.3).
 * @param {string} url
 */
export function isLoopbackUrl(url) {
  let hostname;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * The publisher, the operator's push stream and its deliverer, over memory: SETs queued but not yet
 * delivered when the process stops are lost (the outbox keeps what was not yet handed over).
 * `issuer` is the example's origin (the SETs' `iss`); `drainMs` bounds how long `close()` lets the
 * deliveries in flight, and those the last writes queued, finish before cutting them off.
 * @param {{
 *   pushUrl: string,
 *   pushToken?: string | undefined,
 *   audience: string,
 *   loopback: boolean,
 *   keys: import('@scim/events').SigningKeySet,
 *   keyMadeForThisRun?: boolean,
 *   issuer: string,
 *   drainMs?: number,
 *   delivery?: import('@scim/events').StreamDeliveryOptions,
 *   log?: (line: string) => void,
 * }} options
 */
export async function createSecurityEvents({
  pushUrl,
  pushToken,
  audience,
  loopback,
  keys,
  keyMadeForThisRun = false,
  issuer,
  drainMs = 5_000,
  delivery,
  log = console.log,
}) {
  const origin = new URL(issuer).origin;
  const streams = createMemoryStreamStore();
  const queue = createMemorySetQueue();
  const now = new Date().toISOString();
  await streams.put({
    id: STREAM_ID,
    tenant: undefined,
    audience,
    delivery: {
      method: 'push',
      endpointUrl: pushUrl,
      ...(pushToken === undefined ? {} : { authorization: { kind: 'bearer', token: pushToken } }),
      // Admits the loopback receiver the variables named (and plain http to it), nothing else.
      allowPrivateNetwork: loopback,
    },
    eventsRequested: [],
    status: 'enabled',
    defaultSubjects: 'all',
    subjectsAdded: [],
    subjectsRemoved: [],
    description: 'SCIM_EVENTS_PUSH_URL',
    createdAt: now,
    updatedAt: now,
  });
  const publisher = createEventPublisher({
    streams,
    queue,
    issuer: origin,
    resourceTypes: [UserResourceType, GroupResourceType],
    onError: (error, { eventId }) => log(`security events: event ${eventId}: ${String(error)}`),
  });
  const deliverer = createStreamDeliverer({
    streams,
    queue,
    keys,
    options: delivery,
    onError: (error) => log(`security events: ${String(error)}`),
  });
  const jwksUri = `${origin}${JWKS_PATH}`;
  const shownUrl = pushUrl.replace(/[?#].*$/, '');
  /** @type {Promise<void> | undefined} */
  let closed;

  const close = async () => {
    // Without this, close() would abort the deliveries in flight at once; this lets them, and the
    // SETs the last writes queued, go out first, for at most drainMs.
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const bound = new Promise((resolve) => (timer = setTimeout(resolve, drainMs)));
    await Promise.race([deliverer.deliverDue(), bound]);
    clearTimeout(timer);
    await deliverer.close();
    const left = (await queue.list(STREAM_ID, { state: 'pending' })).length;
    if (left > 0) log(`security events: ${left} SET(s) not delivered to ${shownUrl} are dropped`);
  };

  return {
    issuer: origin,
    keys,
    jwksUri,
    /** The server's `hooks.onEvent`: each lifecycle record becomes SETs on the queue, signed as they are pushed. */
    onEvent: publisher.onEvent,
    /** The start-up line: where SETs go, never the token or the URL's query. */
    summary:
      `security events: pushed to ${shownUrl} as RFC 8935 SETs (aud ${audience}; keys at ` +
      `${jwksUri}${keyMadeForThisRun ? ', made for this run' : ''})`,
    /** The SSF 1.0 §7.1 transmitter configuration: no stream management, push only. */
    configuration: () => ({
      spec_version: '1_0',
      issuer: origin,
      jwks_uri: jwksUri,
      delivery_methods_supported: [PUSH_DELIVERY_METHOD],
    }),
    jwks: () => keys.jwks(),
    start: () => deliverer.start(),
    close: () => (closed ??= close()),
  };
}

/** @typedef {Awaited<ReturnType<typeof createSecurityEvents>>} SecurityEvents */
