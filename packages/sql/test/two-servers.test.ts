// Several servers behind one database (docs/scaling.md): two Node processes, each serving
// createScimHandler over createSqlStorage on the same database, take concurrent writes over loopback.
// The database alone keeps them consistent: a userName sent to both at once is created once (RFC 7644
// §3.3: 409 uniqueness for the other), member adds to one group from both all land, and every
// lifecycle event is delivered once, by one of the two (the outbox claim under row locks).
// A SQLite file in WAL mode always; PostgreSQL and MySQL/MariaDB when their test URLs are set.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStorage, migrate, openDatabase, type OpenedDatabase } from '@scim/sql';
import { bundle, start } from './fixtures/bundle.js';
import { SCHEMA_TABLES } from './fixtures/tables.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Backend {
  readonly name: string;
  readonly url: (dir: string) => string | undefined;
  /** Servers share the database with other test files: a prefix of their own. */
  readonly shared: boolean;
}

const BACKENDS: readonly Backend[] = [
  { name: 'sqlite file (WAL)', url: (dir) => `sqlite:${join(dir, 'scim.db')}`, shared: false },
  { name: 'postgres', url: () => process.env.SCIM_TEST_POSTGRES_URL, shared: true },
  { name: 'mysql', url: () => process.env.SCIM_TEST_MYSQL_URL, shared: true },
];

interface Server {
  readonly base: string;
  readonly stop: () => Promise<void>;
  readonly output: () => string;
}

let serverBundle: Awaited<ReturnType<typeof bundle>>;
beforeAll(async () => {
  serverBundle = await bundle(
    fileURLToPath(new URL('./fixtures/scim-server.ts', import.meta.url)),
    'scim-server',
  );
}, 60_000);
afterAll(() => serverBundle?.remove());

async function startServer(env: Record<string, string>): Promise<Server> {
  const process = start(serverBundle.file, [], env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port in 30 s: ${text()}`)), 30_000);
    const text = () => `${process.output().stdout}${process.output().stderr}`;
    const look = () => {
      const match = /listening (\d+)/.exec(process.output().stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    };
    process.child.stdout?.on('data', look);
    void process.exited.then((done) => {
      clearTimeout(timer);
      reject(new Error(`exited ${done.code} before listening: ${text()}`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}/scim/v2`,
    output: () => `${process.output().stdout}${process.output().stderr}`,
    async stop() {
      if (process.child.exitCode !== null) return;
      process.child.kill('SIGTERM');
      const timer = setTimeout(() => process.child.kill('SIGKILL'), 5_000);
      await process.exited;
      clearTimeout(timer);
    },
  };
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

for (const backend of BACKENDS) {
  const probe = backend.url('/');
  describe.skipIf(probe === undefined)(`two servers on one database: ${backend.name}`, () => {
    let dir: string;
    let database: OpenedDatabase;
    let tablePrefix: string;
    let a: Server;
    let b: Server;
    const hookLog = () => join(dir, 'hooks.log');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'scim-two-servers-'));
      const url = backend.url(dir) as string;
      tablePrefix = backend.shared ? `two${process.pid.toString(36)}_` : 'scim_';
      database = await openDatabase(url);
      // Once, before the servers start: the deploy step (`scim-sql migrate`).
      await migrate(database.db, { tablePrefix });
      const env = {
        SCIM_DATABASE_URL: url,
        SCIM_TABLE_PREFIX: tablePrefix,
        SCIM_HOOK_LOG: hookLog(),
      };
      [a, b] = await Promise.all([startServer(env), startServer(env)]);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      if (backend.shared)
        for (const table of SCHEMA_TABLES)
          await sql`DROP TABLE IF EXISTS ${sql.table(`${tablePrefix}${table}`)}`.execute(
            database.db,
          );
      await database?.close();
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('the same userName sent to both servers at once: exactly one 201 and one 409 uniqueness, case-insensitively', async () => {
      const names = Array.from({ length: 12 }, (_, i) => `race-${i}@example.com`);
      const answers = await Promise.all(
        names.flatMap((name) => [
          call(a.base, 'POST', '/Users', { schemas: [USER], userName: name }),
          // userName is caseExact false (RFC 7643 §4.1.1): the other case is the same name.
          call(b.base, 'POST', '/Users', { schemas: [USER], userName: name.toUpperCase() }),
        ]),
      );
      for (let i = 0; i < names.length; i++) {
        const pair = [answers[2 * i]!, answers[2 * i + 1]!];
        const statuses = pair.map((answer) => answer.status).sort();
        expect(statuses, `${names[i]}: ${JSON.stringify(pair.map((p) => p.body))}`).toEqual([
          201, 409,
        ]);
        expect(pair.find((answer) => answer.status === 409)!.body.scimType).toBe('uniqueness');
      }
      // Each name is stored once, and both servers say so.
      for (const server of [a, b])
        for (const name of names) {
          const found = await call(
            server.base,
            'GET',
            `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`,
          );
          expect(found.body.totalResults, `${name} via ${server.base}`).toBe(1);
        }
    }, 60_000);

    it('member adds to one group through both servers at once all land, each member once', async () => {
      const group = await call(a.base, 'POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Everyone',
      });
      expect(group.status).toBe(201);
      const users = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          call(i % 2 === 0 ? a.base : b.base, 'POST', '/Users', {
            schemas: [USER],
            userName: `member-${i}`,
          }),
        ),
      );
      const ids = users.map((user) => {
        expect(user.status, `${JSON.stringify(user.body)}\n${a.output()}\n${b.output()}`).toBe(201);
        return user.body.id as string;
      });
      const add = (server: Server, id: string) =>
        call(server.base, 'PATCH', `/Groups/${group.body.id as string}`, {
          schemas: [PATCH],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        });
      // Every member through one server or the other, and the first six through both at once.
      const patches = await Promise.all([
        ...ids.map((id, i) => add(i % 2 === 0 ? b : a, id)),
        ...ids.slice(0, 6).map((id, i) => add(i % 2 === 0 ? a : b, id)),
      ]);
      for (const patch of patches)
        expect([200, 204], JSON.stringify(patch.body)).toContain(patch.status);
      for (const server of [a, b]) {
        const read = await call(server.base, 'GET', `/Groups/${group.body.id as string}`);
        const members = (read.body.members as { value: string }[]).map((member) => member.value);
        expect(members.sort()).toEqual([...ids].sort());
      }
      // A user's groups is one indexed query over the member rows, from either server.
      const user = await call(b.base, 'GET', `/Users/${ids[1]!}`);
      expect((user.body.groups as { value: string }[]).map((g) => g.value)).toEqual([
        group.body.id,
      ]);
    }, 60_000);

    it('every lifecycle event in the outbox is delivered once, by one server or the other', async () => {
      const storage = createSqlStorage({ db: database.db, tablePrefix });
      let events = await storage.outbox.list();
      const deadline = Date.now() + 30_000;
      while (events.some((entry) => entry.state !== 'delivered') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        events = await storage.outbox.list();
      }
      expect(events.filter((entry) => entry.state !== 'delivered')).toEqual([]);
      // 12 users raced for, 1 group and 60 members: one `created` event each.
      expect(events.filter((entry) => entry.event.type === 'created')).toHaveLength(73);
      expect(existsSync(hookLog())).toBe(true);
      const lines = readFileSync(hookLog(), 'utf8').trim().split('\n');
      const byId = new Map<string, string[]>();
      for (const line of lines) {
        const [pid, , id] = line.split(' ');
        byId.set(id!, [...(byId.get(id!) ?? []), pid!]);
      }
      const duplicates = [...byId].filter(([, pids]) => pids.length > 1);
      expect(duplicates, 'events delivered more than once').toEqual([]);
      expect(new Set(byId.keys())).toEqual(new Set(events.map((entry) => entry.event.id)));
      // Both processes delivered: neither server sat idle while the other did all the work.
      expect(new Set(lines.map((line) => line.split(' ')[0])).size).toBe(2);
    }, 60_000);
  });
}
