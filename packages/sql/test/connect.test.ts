// openDatabase: one URL opens SQLite (a file or memory), PGlite, PostgreSQL or MySQL/MariaDB, loads
// only the driver that URL needs, and never shows a password in what it reports.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ScimError, SCIM_MEDIA_TYPE } from '@scim/core';
import { createScimHandler } from '@scim/server';
import { createSqlStorage, migrate, openDatabase, type OpenedDatabase } from '@scim/sql';
import { openDatabaseWith } from '../src/lib/connect.ts';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const postgresUrl = process.env.SCIM_TEST_POSTGRES_URL;
const mysqlUrl = process.env.SCIM_TEST_MYSQL_URL;
const root = realpathSync(mkdtempSync(join(tmpdir(), 'scim-connect-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A handler over the opened database's SQL storage, answering as a client sees it; `close` stops
 * its outbox delivery before the database closes under it.
 */
function endpoint(opened: OpenedDatabase, tablePrefix = 'scim_') {
  const handler = createScimHandler({
    ...createSqlStorage({ db: opened.db, tablePrefix }),
    hashPassword: (password) => Promise.resolve(`test:${password.length}`),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== 'Bearer t')
        throw ScimError.unauthorized('A valid bearer token is required');
      return { principal: 'connect-test' };
    },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await handler.fetch(
      new Request(`https://scim.example.com/scim/v2${path}`, {
        method,
        headers: { authorization: 'Bearer t', 'content-type': SCIM_MEDIA_TYPE },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return Object.assign(call, { close: () => handler.close() });
}

/** Creates a user on one opening, closes it, and reads the user back on a second opening. */
async function survivesReopen(url: string, userName: string): Promise<void> {
  const first = await openDatabase(url);
  await migrate(first.db);
  const writer = endpoint(first);
  const created = await writer('POST', '/Users', { schemas: [U], userName });
  expect(created.status).toBe(201);
  await writer.close();
  await first.close();
  const second = await openDatabase(url);
  try {
    expect((await migrate(second.db)).applied).toEqual([]);
    const reader = endpoint(second);
    const read = await reader('GET', `/Users/${String(created.body.id)}`);
    await reader.close();
    expect(read).toMatchObject({ status: 200, body: { userName } });
  } finally {
    await second.close();
  }
}

const missing = (name: string) => () =>
  Promise.reject(
    Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' }),
  );
const NO_DRIVERS = {
  'better-sqlite3': missing('better-sqlite3'),
  pg: missing('pg'),
  mysql2: missing('mysql2'),
  '@electric-sql/pglite': missing('@electric-sql/pglite'),
};

describe('openDatabase: SQLite', () => {
  it('sqlite:<file> creates the missing folders, opens the file in WAL mode with a busy timeout, and keeps users across a reopen', async () => {
    const file = join(root, 'nested', 'deeper', 'scim.db');
    const opened = await openDatabase(`sqlite:${file}`);
    expect(opened).toMatchObject({ dialect: 'sqlite', driver: 'better-sqlite3', path: file });
    expect(existsSync(file)).toBe(true);
    const journal = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(opened.db);
    expect(journal.rows[0]?.journal_mode).toBe('wal');
    const timeout = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(opened.db);
    expect(timeout.rows[0]?.timeout).toBeGreaterThanOrEqual(1_000);
    await opened.close();
    await opened.close(); // a second close does nothing
    await survivesReopen(`sqlite:${file}`, 'sqlite-file@example.com');
  });

  it('a relative sqlite: path is resolved against the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const opened = await openDatabase('sqlite:./data/relative.db');
      expect(opened.path).toBe(join(root, 'data', 'relative.db'));
      await opened.close();
      expect(existsSync(join(root, 'data', 'relative.db'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('two processes share one file: a write waits for the other process to commit instead of failing SQLITE_BUSY', async () => {
    const file = join(root, 'shared.db');
    const opened = await openDatabase(`sqlite:${file}`);
    await sql`CREATE TABLE shared_writes (value INTEGER)`.execute(opened.db);
    // The other process takes the write lock and holds it for 600 ms.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
         db.exec('BEGIN IMMEDIATE; INSERT INTO shared_writes VALUES (1)');
         console.log('locked');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
         db.exec('COMMIT'); db.close();`,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
    await new Promise<void>((resolve) =>
      holder.stdout.on('data', (data: Buffer) => {
        if (data.toString().includes('locked')) resolve();
      }),
    );
    const started = performance.now();
    await sql`INSERT INTO shared_writes VALUES (2)`.execute(opened.db);
    expect(performance.now() - started).toBeGreaterThan(300);
    expect(await exited).toBe(0);
    const rows = await sql<{
      value: number;
    }>`SELECT value FROM shared_writes ORDER BY value`.execute(opened.db);
    expect(rows.rows.map((row) => row.value)).toEqual([1, 2]);
    await opened.close();
  }, 20_000);

  it('sqlite::memory: opens a private in-memory database and writes no file', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const opened = await openDatabase('sqlite::memory:');
      expect(opened).toMatchObject({ dialect: 'sqlite', path: undefined });
      await migrate(opened.db);
      const call = endpoint(opened);
      expect((await call('POST', '/Users', { schemas: [U], userName: 'm' })).status).toBe(201);
      await call.close();
      await opened.close();
      expect(existsSync(join(root, ':memory:'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a path that cannot be a file fails with the path in the message', async () => {
    await expect(openDatabase(`sqlite:${root}`)).rejects.toThrow(
      `Cannot open the SQLite database ${root}`,
    );
  });
});

describe('openDatabase: PGlite', () => {
  it('pglite:memory speaks the postgres dialect', async () => {
    const opened = await openDatabase('pglite:memory');
    expect(opened).toMatchObject({
      dialect: 'postgres',
      driver: '@electric-sql/pglite',
      path: undefined,
    });
    const version = await sql<{ version: string }>`SELECT version() AS version`.execute(opened.db);
    expect(version.rows[0]?.version).toMatch(/PostgreSQL/);
    await opened.close();
  }, 60_000);

  it('pglite:<folder> creates the folder and keeps users across a reopen', async () => {
    const folder = join(root, 'pglite-data');
    await survivesReopen(`pglite:${folder}`, 'pglite@example.com');
    expect(existsSync(join(folder, 'PG_VERSION'))).toBe(true);
  }, 120_000);
});

describe.skipIf(postgresUrl === undefined)('openDatabase: PostgreSQL', () => {
  const url = postgresUrl ?? '';
  for (const scheme of ['postgres', 'postgresql'])
    it(`${scheme}:// opens a pg pool that answers`, async () => {
      const opened = await openDatabase(url.replace(/^[a-z]+:/, `${scheme}:`));
      expect(opened).toMatchObject({ dialect: 'postgres', driver: 'pg', path: undefined });
      const result = await sql<{ name: string }>`SELECT current_database() AS name`.execute(
        opened.db,
      );
      expect(result.rows[0]?.name).toBe(new URL(url).pathname.slice(1));
      await opened.close();
      await opened.close();
    });

  it('a pooled connection the server ends while idle does not end the process, and the next query reconnects', async () => {
    const opened = await openDatabase(url);
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(opened.db);
    const other = await openDatabase(url);
    await sql`SELECT pg_terminate_backend(${rows[0]?.pid ?? 0})`.execute(other.db);
    await other.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(opened.db);
    expect(again.rows).toEqual([{ one: 1 }]);
    await opened.close();
  });

  it('a password in the URL is *** in redactedUrl', async () => {
    // The server trusts loopback, so the password is sent nowhere; it must not be shown either.
    const withPassword = new URL(url);
    withPassword.password = 'hunter2';
    const opened = await openDatabase(withPassword.href);
    expect(opened.redactedUrl).toContain(':***@');
    expect(opened.redactedUrl).not.toContain('hunter2');
    await opened.close();
  });
});

describe.skipIf(mysqlUrl === undefined)('openDatabase: MySQL and MariaDB', () => {
  const url = mysqlUrl ?? '';
  for (const scheme of ['mysql', 'mariadb'])
    it(`${scheme}:// opens a mysql2 pool that answers`, async () => {
      const opened = await openDatabase(url.replace(/^[a-z]+:/, `${scheme}:`));
      expect(opened).toMatchObject({ dialect: 'mysql', driver: 'mysql2', path: undefined });
      const result = await sql<{ name: string }>`SELECT DATABASE() AS name`.execute(opened.db);
      expect(result.rows[0]?.name).toBe(new URL(url).pathname.slice(1));
      await opened.close();
    });

  it('a pooled connection the server ends while idle does not end the process, and the next query reconnects', async () => {
    const opened = await openDatabase(url);
    const { rows } = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(opened.db);
    const other = await openDatabase(url);
    await sql`KILL ${rows[0]?.id ?? 0}`.execute(other.db);
    await other.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(opened.db);
    expect(again.rows.map((row) => Number(row.one))).toEqual([1]);
    await opened.close();
  });
});

describe('openDatabase: what it refuses', () => {
  for (const url of [
    '',
    'scim.db',
    'http://example.com/db',
    'mongodb://admin:hunter2@db.example.com/scim',
    'sqlite:',
    'sqlite://data/scim.db',
    'pglite:',
    'postgres:db.example.com',
    'mysql:/var/run/mysqld.sock',
  ])
    it(`'${url}' is a TypeError naming the accepted schemes`, async () => {
      const error: unknown = await openDatabase(url).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toContain(
        'sqlite:<file>, sqlite::memory:, postgres://…, postgresql://…, mysql://…, mariadb://…, pglite:memory or pglite:<folder>',
      );
      expect((error as TypeError).message).not.toContain('hunter2');
    });

  it('a server that does not answer fails at open, with the password redacted', async () => {
    const error: unknown = await openDatabase(
      'postgres://scim:hunter2@127.0.0.1:1/scim?sslmode=disable',
    ).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^Cannot connect to postgres:\/\/scim:\*\*\*@127\.0\.0\.1:1\/scim\?sslmode=disable: /,
    );
    expect((error as Error).message).not.toContain('hunter2');
  });

  for (const [url, shown] of [
    ['mongodb://u:p@ss@w0rd@db.example.com/x', 'mongodb://u:***@db.example.com/x'],
    ['mongodb://db.example.com/x?user=u&password=hunter2', 'password=***'],
    ['mongodb://u:hunter2@db.example.com/x', 'mongodb://u:***@db.example.com/x'],
  ] as const)
    it(`redaction: '${shown}' is what an error shows, whatever the password holds`, async () => {
      const message = await openDatabase(url).then(
        () => '',
        (reason: Error) => reason.message,
      );
      expect(message).toContain(shown);
      expect(message).not.toMatch(/hunter2|ss@w0rd|w0rd/);
    });
});

describe('openDatabase: drivers are optional peer dependencies', () => {
  it('loads only the driver the URL names: SQLite opens with every other driver missing', async () => {
    const { 'better-sqlite3': _sqlite, ...others } = NO_DRIVERS;
    const opened = await openDatabaseWith('sqlite::memory:', others);
    expect(opened.dialect).toBe('sqlite');
    await opened.close();
  });

  for (const [url, hint] of [
    ['sqlite:./data/scim.db', 'npm install better-sqlite3@12'],
    ['sqlite::memory:', 'npm install better-sqlite3@12'],
    ['postgres://postgres@127.0.0.1:5432/test', 'npm install pg@8'],
    ['mysql://root@127.0.0.1:3306/test', 'npm install mysql2@3'],
    ['mariadb://root@127.0.0.1:3306/test', 'npm install mysql2@3'],
    ['pglite:memory', 'npm install @electric-sql/pglite@0.5'],
  ] as const)
    it(`a missing driver for '${url}' says which package to install (${hint})`, async () => {
      await expect(openDatabaseWith(url, NO_DRIVERS)).rejects.toThrow(hint);
    });

  it("a driver's own failure to load is not mistaken for a missing package", async () => {
    const broken = () => Promise.reject(new Error('bindings were built for another Node'));
    await expect(openDatabaseWith('sqlite::memory:', { 'better-sqlite3': broken })).rejects.toThrow(
      /^bindings were built for another Node$/,
    );
  });
});
