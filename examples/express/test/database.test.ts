// The Express example on its SQL storage: the whole HTTP conformance kit on a SQLite file, and on
// PostgreSQL and MariaDB when SCIM_TEST_POSTGRES_URL / SCIM_TEST_MYSQL_URL name servers (CI sets
// both, and a missing one fails there); and users and groups created through the example's process
// survive its restart on a SQLite file, the default of `npm start`.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBearerToken } from '@scim/server';
import { conformanceCases } from '@scim/server/testing';
import { openDatabase } from '@scim/sql';
import { createApp } from '../app.mjs';
import { openStorage } from '../storage.mjs';
import { startExample, type ExampleProcess } from './example-process.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'scim-example-db-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TABLES = [
  'event_sets',
  'event_queues',
  'event_streams',
  'outbox',
  'members',
  'emails',
  'unique_values',
  'resources',
  'tokens',
  'migrations',
];

interface Engine {
  readonly name: string;
  readonly url: string | undefined;
  /** A server other tests use too: a fresh table prefix per run, dropped afterwards. */
  readonly shared: boolean;
}

const ENGINES: readonly Engine[] = [
  { name: 'sqlite', url: `sqlite:${join(root, 'kit')}`, shared: false },
  { name: 'postgres', url: process.env.SCIM_TEST_POSTGRES_URL, shared: true },
  { name: 'mysql', url: process.env.SCIM_TEST_MYSQL_URL, shared: true },
];
for (const engine of ENGINES)
  if (engine.url === undefined && process.env.CI === 'true')
    throw new Error(`CI must run the example on ${engine.name}, but its URL is not set`);

let prefixes = 0;
const freshPrefix = () =>
  `ex${process.pid.toString(36)}_${(prefixes++).toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}_`;

for (const engine of ENGINES)
  for (const compatibility of ['default', 'entra', 'okta'] as const) {
    describe.skipIf(engine.url === undefined)(
      `examples/express on ${engine.name} (${compatibility})`,
      () => {
        const url = engine.shared ? (engine.url ?? '') : `${engine.url ?? ''}-${compatibility}.db`;
        const tablePrefix = engine.shared ? freshPrefix() : 'scim_';
        let server: Server;
        let baseUrl = '';
        let app: ReturnType<typeof createApp>;
        let close: () => Promise<void>;
        beforeAll(async () => {
          const opened = await openStorage(url, { tablePrefix, log: () => {} });
          close = opened.close;
          server = createServer();
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
          const tokens = [await hashBearerToken('db-token')];
          app = createApp({
            storage: opened.storage,
            tokens,
            baseUrl,
            compatibility,
            log: () => {},
          });
          server.on('request', app);
        }, 60_000);
        afterAll(async () => {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await app.close();
          await close();
          if (!engine.shared) return;
          const cleanup = await openDatabase(url);
          for (const table of TABLES)
            await sql`DROP TABLE IF EXISTS ${sql.table(`${tablePrefix}${table}`)}`.execute(
              cleanup.db,
            );
          await cleanup.close();
        }, 60_000);

        const target = {
          fetch: (request: Request) => fetch(request),
          get baseUrl() {
            return baseUrl;
          },
          headers: { authorization: 'Bearer db-token' },
        };
        for (const conformance of conformanceCases(target, { dialect: compatibility }))
          it(`${conformance.id}: ${conformance.name}`, conformance.run, 30_000);
      },
    );
  }

describe('examples/express as a process on a SQLite file', () => {
  const TOKEN = 'restart-token';
  const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
  const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
  let example: ExampleProcess | undefined;
  // Every process started, not only the last: a test that fails midway leaves its own running.
  const started: ExampleProcess[] = [];
  afterAll(() => {
    for (const { child } of started) child.kill('SIGKILL');
  });
  const start = async (...args: Parameters<typeof startExample>) => {
    const running = await startExample(...args);
    started.push(running);
    return running;
  };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${example?.baseUrl ?? ''}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const stop = async () => {
    example?.child.kill('SIGTERM');
    expect(await example?.exited).toBe(0);
  };

  it('a user and a group created through the example survive a restart', async () => {
    const file = join(root, 'restart', 'scim.db');
    const env = { SCIM_DATABASE_URL: `sqlite:${file}` };
    example = await start('express', TOKEN, env);
    expect(example.output()).toContain(`storage: ${file}, from sqlite:${file}`);
    expect(example.output()).toMatch(/migrations: [1-9]\d* applied in \d+ ms/);
    expect(example.output()).toMatch(/ready in \d+ ms/);
    const user = await call('POST', '/Users', { schemas: [U], userName: 'bjensen@example.com' });
    expect(user.status).toBe(201);
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: user.body.id }],
    });
    expect(group.status).toBe(201);
    await stop();

    example = await start('express', TOKEN, env);
    expect(example.output()).toMatch(/migrations: 0 applied in \d+ ms/);
    const again = await call('GET', `/Users/${String(user.body.id)}`);
    expect(again).toMatchObject({
      status: 200,
      body: {
        userName: 'bjensen@example.com',
        groups: [{ value: group.body.id, display: 'Tour Guides' }],
      },
    });
    expect((await call('GET', `/Groups/${String(group.body.id)}`)).body).toMatchObject({
      displayName: 'Tour Guides',
      members: [{ value: user.body.id }],
    });
    const found = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "BJENSEN@example.com"')}`,
    );
    expect(found.body).toMatchObject({ totalResults: 1 });
    await stop();
  }, 60_000);

  it('with no SCIM_DATABASE_URL, the data lives in ./data/scim.db under the working directory, and start-up says so', async () => {
    const cwd = join(root, 'default-cwd');
    mkdirSync(cwd);
    example = await start('express', TOKEN, { SCIM_DATABASE_URL: '' }, cwd);
    const file = join(cwd, 'data', 'scim.db');
    expect(example.output()).toContain(`storage: ${file}, from sqlite:./data/scim.db`);
    expect(existsSync(file)).toBe(true);
    await stop();
  }, 60_000);
});
