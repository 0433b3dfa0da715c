// The example wired in this process as server.mjs wires it from its variables, for the tests of
// SCIM_TENANTS and the admin route: tenantsFromEnv and adminTokenFromEnv read the variables,
// storeTokens prepares the token store, createApp serves it on a loopback port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { TokenStore } from '@scim/server';
import { createApp } from '../app.mjs';
import { ADMIN_PATH } from '../admin.mjs';
import { openStorage } from '../storage.mjs';
import { adminTokenFromEnv, tenantConfigs, tenantsFromEnv } from '../tenants.mjs';
import { storeTokens } from '../tokens.mjs';
import { startExample, type ExampleProcess } from './example-process.ts';

export const ACME_TOKEN = `acme_${'A1b2C3d4'.repeat(5)}`;
export const GLOBEX_TOKEN = `globex_${'Z9y8X7w6'.repeat(5)}`;
export const ADMIN_TOKEN = `admin_${'Q5r6S7t8'.repeat(5)}`;
/** Two tenants: acme provisioned by Entra ID, globex by Okta. */
export const TENANTS = JSON.stringify({
  acme: { token: ACME_TOKEN, compatibility: 'entra' },
  globex: { token: GLOBEX_TOKEN, compatibility: 'okta' },
});
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

export interface RunningExample {
  /** The public address of /scim/v2 (a tenant's URL is `${baseUrl}/${tenant}`). */
  readonly baseUrl: string;
  /** Where the admin route is: `<origin>/admin`. */
  readonly adminUrl: string;
  /** The start-up lines storeTokens answered, and the warnings it printed. */
  readonly lines: readonly string[];
  /** Every line the app logged. */
  readonly logged: readonly string[];
  readonly tokenStore: TokenStore;
  /** A request with `token` as its bearer token (none when undefined) to `url`. */
  call(token: string | undefined, method: string, url: string, body?: unknown): Promise<Reply>;
  stop(): Promise<void>;
}

/**
 * Starts the example from `env`, as server.mjs does, on `databaseUrl` (memory by default). The
 * variables are checked as at start-up: a mistake throws the Error server.mjs would print.
 * `baseUrl` replaces the loopback address as the public one (SCIM_BASE_URL).
 */
export async function startTenantExample(
  env: Record<string, string>,
  options: {
    databaseUrl?: string;
    baseUrl?: string;
    /** Users and groups kept elsewhere (another app's), instead of those of `databaseUrl`. */
    storage?: Parameters<typeof createApp>[0]['storage'];
  } = {},
): Promise<RunningExample> {
  const { databaseUrl = 'memory:', baseUrl } = options;
  const tenants = tenantsFromEnv(env);
  const adminToken = adminTokenFromEnv(env, tenants);
  const opened = await openStorage(databaseUrl, { log: () => {} });
  const { tokenStore, close } = opened;
  const storage = options.storage ?? opened.storage;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const publicUrl = baseUrl ?? `${origin}/scim/v2`;
  const lines: string[] = [];
  const logged: string[] = [];
  try {
    lines.push(
      ...(await storeTokens({
        store: tokenStore,
        tenants,
        env,
        baseUrl: publicUrl,
        adminUrl: adminToken === undefined ? undefined : `${origin}${ADMIN_PATH}`,
        warn: (line) => lines.push(line),
      })),
    );
  } catch (error) {
    // As server.mjs does: the start fails, and nothing stays open.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await close();
    throw error;
  }
  const app = createApp({
    storage,
    tokenStore,
    ...(tenants === undefined ? {} : { tenants: tenantConfigs(tenants) }),
    adminToken,
    baseUrl: publicUrl,
    log: (line) => logged.push(line),
  });
  server.on('request', app);
  return {
    baseUrl: `${origin}/scim/v2`,
    adminUrl: `${origin}${ADMIN_PATH}`,
    lines,
    logged,
    tokenStore,
    call: (token, method, url, body) => call(token, method, url, body),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await close();
    },
  };
}

/** A request with a bearer token and a JSON body; the answer's body parsed when it is JSON. */
export async function call(
  token: string | undefined,
  method: string,
  url: string,
  body?: unknown,
): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    // Not JSON (Express's own 404 page): `text` has it.
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/**
 * The example as a child process, as server.mjs runs it from `env`, for the tests of the describe
 * block this is called in: started before them and killed after them. Call the answer in a test.
 */
export function exampleProcess(env: Record<string, string>): () => ExampleProcess {
  let example: ExampleProcess | undefined;
  beforeAll(async () => {
    example = await startExample('express', '', env);
  }, 30_000);
  afterAll(() => {
    example?.child.kill('SIGKILL');
  });
  return () => {
    if (example === undefined) throw new Error('the example process has not started');
    return example;
  };
}
