// Two example servers in this process, on loopback: A, the example (app.mjs) pushing its security
// events (events.mjs) to B, the replica (receiver-app.mjs over replication.mjs). B listens first, so
// that A's push URL can name its port, and is wired once A serves its SSF configuration, in the
// order receiver.mjs follows: settings from variables, storage, discovery, app.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashBearerToken } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createApp } from '../app.mjs';
import { createSecurityEvents, eventsSettingsFromEnv, type SecurityEvents } from '../events.mjs';
import { createReceiverApp } from '../receiver-app.mjs';
import { createReplication, replicationSettingsFromEnv } from '../replication.mjs';
import { openStorage } from '../storage.mjs';

export const A_TOKEN = 'replication-a-token';
export const B_TOKEN = 'replication-b-token';
export const PUSH_TOKEN = 'replication-push-token';

export interface Listening {
  readonly server: Server;
  readonly origin: string;
  readonly baseUrl: string;
}

/** A Node server on a free loopback port, with no app yet. */
export async function listen(): Promise<Listening> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, baseUrl: `${origin}/scim/v2` };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface Transmitter extends Listening {
  readonly events: SecurityEvents | undefined;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** Server A, as server.mjs wires it from `env` (SCIM_EVENTS_PUSH_URL and the rest), on memory. */
export async function startTransmitter(env: Record<string, string>): Promise<Transmitter> {
  const listening = await listen();
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const settings = await eventsSettingsFromEnv(env);
  const events =
    settings === undefined
      ? undefined
      : await createSecurityEvents({ ...settings, issuer: listening.baseUrl, log });
  const app = createApp({
    storage: createMemoryStorage(),
    tokens: [await hashBearerToken(A_TOKEN)],
    baseUrl: listening.baseUrl,
    log,
    events,
  });
  listening.server.on('request', app);
  return {
    ...listening,
    events,
    lines,
    async stop() {
      await closeServer(listening.server);
      await app.close();
    },
  };
}

export interface Replica extends Listening {
  readonly lines: string[];
  stop(): Promise<void>;
}

/**
 * Server B on `listening`, as receiver.mjs wires it from `env` (SCIM_RECEIVER_ISSUER and the rest),
 * on the storage `databaseUrl` names (a SQLite file, as receiver.mjs by default; or `memory:`).
 */
export async function startReplica(
  listening: Listening,
  env: Record<string, string>,
  databaseUrl: string,
): Promise<Replica> {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const settings = replicationSettingsFromEnv(env);
  const { storage, close } = await openStorage(databaseUrl, { tablePrefix: 'replica_', log });
  const replication = await createReplication({
    settings,
    stores: storage.stores,
    baseUrl: listening.baseUrl,
    audience: settings.audience ?? listening.origin,
    log,
  });
  lines.push(...replication.summary);
  const app = createReceiverApp({
    storage,
    tokens: [await hashBearerToken(B_TOKEN)],
    baseUrl: listening.baseUrl,
    replication,
    log,
  });
  listening.server.on('request', app);
  return {
    ...listening,
    lines,
    async stop() {
      await closeServer(listening.server);
      await app.close();
      await close();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** One SCIM request with `token`; the answer's JSON body (empty when it has none). */
export async function scim(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
  };
}

/**
 * GET /Users and /Groups as JSON text, resources ordered by id, the server's base URL written as
 * `base`: two servers holding the same resources give the same text.
 */
export async function snapshot(baseUrl: string, token: string, base = baseUrl): Promise<string> {
  const lists: Record<string, unknown> = {};
  for (const endpoint of ['/Users', '/Groups']) {
    const { status, body } = await scim(baseUrl, token, 'GET', `${endpoint}?count=1000`);
    if (status !== 200) throw new Error(`GET ${endpoint} answered ${status}`);
    const resources = (body.Resources ?? []) as { id: string }[];
    lists[endpoint] = { ...body, Resources: resources.sort((x, y) => x.id.localeCompare(y.id)) };
  }
  return JSON.stringify(lists, null, 2).replaceAll(baseUrl, base);
}

/**
 * Asks `check` again until it holds, up to `attempts` times, pausing a little in between: deliveries
 * finish when they do, and no test waits for a fixed time.
 */
export async function eventually(check: () => Promise<boolean>, attempts = 400): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}
