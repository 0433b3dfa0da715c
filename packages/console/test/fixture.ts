// One SCIM endpoint (memory storage, Entra dialect, debug log) with a console fed by its log, for the
// unit and browser tests; and a tiny Node server that routes /scim/v2 and /console to them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bearerTokens,
  createMemoryTokenStore,
  createScimHandler,
  createTokenManager,
  hashBearerToken,
  type RequestLogRecord,
  type ScimHandler,
} from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createScimConsole, type ScimConsole, type ScimConsoleOptions } from '../src/index.ts';

export const SCIM_TOKEN = 'scimSecretToken0123456789abcdefXYZ';
export const CONSOLE_TOKEN = 'consoleSecretToken9876543210fedcbaQRS';
export const PASSWORD = 'Hunter2-Plaintext-Password!';
export const NEW_PASSWORD = 'Another-Secret-Password-42';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface Fixture {
  readonly handler: ScimHandler;
  readonly console: ScimConsole;
  /** Every secret that must never reach the console's output. */
  readonly secrets: string[];
  /** Whether the onDeactivate hook throws. */
  failHook: boolean;
  scim(method: string, path: string, body?: unknown, origin?: string): Promise<Response>;
  page(path: string, init?: RequestInit & { origin?: string }): Promise<Response>;
}

export async function createFixture(
  options: Partial<ScimConsoleOptions> = {},
  origin = 'https://scim.example.com',
): Promise<Fixture> {
  const storage = createMemoryStorage();
  const tokenStore = createMemoryTokenStore();
  const manager = createTokenManager({ store: tokenStore });
  const issued = await manager.issue({ tenant: 'acme', label: 'entra-prod' });
  await manager.issue({ tenant: 'acme', label: 'okta-test', scopes: ['scim:read'] });
  // The resources view reads through a SCIM handler of its own over the same stores: never mounted
  // on a route, so it needs no credential, and read-only by its scopes.
  const reader = createScimHandler({
    stores: storage.stores,
    authenticate: () => ({ principal: 'console', scopes: ['scim:read'] }),
  });
  const scimConsole = createScimConsole({
    basePath: '/console',
    credential: CONSOLE_TOKEN,
    outbox: storage.outbox,
    resources: {
      search: (type, { filter, startIndex, count }) => {
        const query = new URLSearchParams({
          startIndex: String(startIndex),
          count: String(count),
          ...(filter === undefined ? {} : { filter }),
        });
        return reader.fetch(new Request(`${origin}/scim/v2/${type}s?${query}`));
      },
    },
    dialect: 'entra',
    tenants: {
      names: () => ['acme'],
      settings: () => ({
        compatibility: 'entra',
        clientSecret: 'settings-secret-value',
        token: issued.token,
      }),
      tokens: (tenant) => manager.list(tenant),
    },
    ...options,
  });
  const fixture: Fixture = {
    failHook: false,
    secrets: [
      SCIM_TOKEN,
      CONSOLE_TOKEN,
      PASSWORD,
      NEW_PASSWORD,
      issued.token,
      'settings-secret-value',
    ],
    handler: undefined as unknown as ScimHandler,
    console: scimConsole,
    scim: (method, path, body, from = origin) =>
      fixture.handler.fetch(
        new Request(`${from}/scim/v2${path}`, {
          method,
          headers: {
            authorization: `Bearer ${SCIM_TOKEN}`,
            'content-type': 'application/scim+json; charset=utf-8',
            'user-agent': 'Azure Active Directory SCIM Client',
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      ),
    page: (path, init = {}) => {
      const { origin: from = origin, ...rest } = init;
      return scimConsole.fetch(new Request(`${from}/console${path}`, rest));
    },
  };
  const handler = createScimHandler({
    ...storage,
    authenticate: bearerTokens({ tokens: [await hashBearerToken(SCIM_TOKEN)] }),
    compatibility: 'entra',
    debug: true,
    log: scimConsole.record,
    delivery: { maxAttempts: 1, pollMs: 0 },
    // The failing hook is on purpose: the outbox records its error, the test output need not.
    onError: () => undefined,
    hooks: {
      onDeactivate: () => {
        if (fixture.failHook) throw new Error('session service unavailable (503)');
      },
    },
  });
  Object.assign(fixture, { handler });
  return fixture;
}

/** A `POST /Users` log record as made elsewhere than the server: bodies as given, no sizes. */
export function postRecord(
  index: number,
  body: unknown,
  headers: readonly string[] = [],
): RequestLogRecord {
  return {
    requestId: `r${index}`,
    method: 'POST',
    path: '/scim/v2/Users',
    query: '',
    status: 201,
    durationMs: 1,
    principal: undefined,
    tenant: undefined,
    requestHeaders: ['Content-Type', 'application/scim+json', ...headers],
    requestBody: body,
    responseBody: body,
  };
}

/** An Entra ID create-user body (the provisioning tutorial's shape), with a password. */
export function entraUser(userName: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: userName.split('@')[0],
    userName,
    active: true,
    password: PASSWORD,
    displayName: 'Barbara Jensen',
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: 'Barbara Jensen', familyName: 'Jensen', givenName: 'Barbara' },
  };
}

/** Serves the fixture over HTTP on loopback: /scim/v2 to the handler, /console to the console. */
/**
 * Entra's way of deprovisioning (idp-quirks §3.1 items 1 and 2): creates the user, then PATCHes
 * `"op": "Replace"` of `active` to `"False"`. Resolves the user's id.
 */
export async function deactivateAsEntra(
  fixture: Fixture,
  userName: string,
  origin?: string,
): Promise<string> {
  const created = (await (
    await fixture.scim('POST', '/Users', entraUser(userName), origin)
  ).json()) as { id: string };
  await fixture.scim(
    'PATCH',
    `/Users/${created.id}`,
    { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
    origin,
  );
  return created.id;
}

export async function serve(fixture: Fixture): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      const method = req.method ?? 'GET';
      const request = new Request(url, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const target = new URL(url).pathname.startsWith('/console')
        ? fixture.console
        : fixture.handler;
      target
        .fetch(request)
        .then(async (response) => {
          const out: Record<string, string | string[]> = {};
          response.headers.forEach((value, name) => {
            out[name] = name === 'set-cookie' ? response.headers.getSetCookie() : value;
          });
          res.writeHead(response.status, out);
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
