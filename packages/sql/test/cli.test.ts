// The `scim-sql` command: `migrate` applies the schema once and then nothing, says what it did and
// how long it took; `schema` prints the same text as schemaSql, prismaSchema and drizzleSchema; usage
// errors exit 2 and database failures exit 1, without a password in sight.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, MysqlDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzleSchema, prismaSchema, schemaSql, SCHEMA_VERSION } from '@scim/sql';
import { main } from '../src/cli.js';
import { bundle, start } from './fixtures/bundle.js';
import { SCHEMA_TABLES } from './fixtures/tables.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
  });
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scim-sql-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tablesOf = (file: string): string[] => {
  const database = new Database(file, { readonly: true });
  try {
    return database
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((row) => row.name);
  } finally {
    database.close();
  }
};

describe('scim-sql migrate', () => {
  it('applies the migrations to an empty SQLite file, says which and how long it took, and then applies nothing', async () => {
    const file = join(dir, 'data', 'scim.db');
    const first = await run(['migrate', `sqlite:${file}`]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      new RegExp(
        `applied migrations 1, 2, 3, 4, 5; now at schema version ${SCHEMA_VERSION} \\(\\d+ ms\\)\\n$`,
      ),
    );
    expect(tablesOf(file)).toEqual([
      'scim_emails',
      'scim_event_queues',
      'scim_event_sets',
      'scim_event_streams',
      'scim_members',
      'scim_migrations',
      'scim_outbox',
      'scim_resources',
      'scim_tokens',
      'scim_unique_values',
    ]);
    const second = await run(['migrate', `sqlite:${file}`]);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(
      new RegExp(`already at schema version ${SCHEMA_VERSION}; nothing to apply \\(\\d+ ms\\)`),
    );
  });

  it('--table-prefix names the tables, and the URL may come from SCIM_DATABASE_URL', async () => {
    const file = join(dir, 'prefixed.db');
    const result = await run(['migrate', '--table-prefix=idp_'], {
      SCIM_DATABASE_URL: `sqlite:${file}`,
    });
    expect(result.code).toBe(0);
    expect(tablesOf(file)).toContain('idp_resources');
    expect(tablesOf(file).some((name) => name.startsWith('scim_'))).toBe(false);
  });

  it('a bad prefix is a usage error (2) found before any database is opened', async () => {
    const file = join(dir, 'never.db');
    const result = await run(['migrate', `sqlite:${file}`, '--table-prefix', 'Bad-Prefix']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Table prefix 'Bad-Prefix'");
    expect(existsSync(file)).toBe(false);
  });

  it('an unreachable server exits 1 and never shows the password', async () => {
    const result = await run(['migrate', 'postgres://scim:hunter2@127.0.0.1:1/scim']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('postgres://scim:***@127.0.0.1:1/scim');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('without a URL or SCIM_DATABASE_URL it is a usage error (2)', async () => {
    const result = await run(['migrate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('migrate needs a database URL');
  });

  const servers = [
    { name: 'postgres', url: process.env.SCIM_TEST_POSTGRES_URL },
    { name: 'mysql', url: process.env.SCIM_TEST_MYSQL_URL },
  ];
  for (const server of servers)
    it.skipIf(server.url === undefined)(
      `migrates ${server.name} once, then applies nothing`,
      async () => {
        const prefix = `cli${process.pid.toString(36)}_`;
        const url = server.url as string;
        const db = new Kysely<Record<string, never>>({
          dialect:
            server.name === 'postgres'
              ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) })
              : new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 1 }) }),
        });
        try {
          const first = await run(['migrate', url, '--table-prefix', prefix]);
          expect(first.stdout, first.stderr).toContain('applied migrations 1, 2, 3, 4, 5;');
          const second = await run(['migrate', url, '--table-prefix', prefix]);
          expect(second.stdout).toContain('nothing to apply');
          const recorded = await sql<{
            version: number;
          }>`SELECT version FROM ${sql.table(`${prefix}migrations`)}`.execute(db);
          expect(recorded.rows.map((row) => Number(row.version)).sort()).toEqual([1, 2, 3, 4, 5]);
        } finally {
          for (const table of SCHEMA_TABLES)
            await sql`DROP TABLE IF EXISTS ${sql.table(`${prefix}${table}`)}`.execute(db);
          await db.destroy();
        }
      },
      60_000,
    );
});

describe('scim-sql schema', () => {
  it('prints schemaSql, prismaSchema and drizzleSchema as they are', async () => {
    const sqlText = await run(['schema', 'postgres']);
    expect(sqlText).toEqual({
      code: 0,
      stdout: `${schemaSql('postgres').join(';\n\n')};\n`,
      stderr: '',
    });
    expect((await run(['schema', 'sqlite', '--format', 'prisma'])).stdout).toBe(
      prismaSchema('sqlite'),
    );
    expect(
      (await run(['schema', 'mysql', '--format=drizzle', '--table-prefix', 'idp_'])).stdout,
    ).toBe(drizzleSchema('mysql', { tablePrefix: 'idp_' }));
  });

  it("mariadb is MySQL with the no-pad binary collation; mysql is MySQL 8's", async () => {
    const mariadb = (await run(['schema', 'mariadb'])).stdout;
    expect(mariadb).toBe(
      `${schemaSql('mysql', { mysqlCollation: 'utf8mb4_nopad_bin' }).join(';\n\n')};\n`,
    );
    expect(mariadb).toContain('COLLATE=utf8mb4_nopad_bin');
    expect((await run(['schema', 'mysql'])).stdout).toContain('COLLATE=utf8mb4_0900_bin');
  });

  it('the SQL it prints builds the tables migrate() builds, in an empty SQLite database', async () => {
    const printed = (await run(['schema', 'sqlite'])).stdout;
    const file = join(dir, 'from-schema.db');
    const database = new Database(file);
    database.exec(printed);
    database.close();
    expect(tablesOf(file)).toEqual(tablesOf(join(dir, 'data', 'scim.db')));
  });
});

describe('scim-sql usage', () => {
  it('--help prints the usage to stdout and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('scim-sql migrate [<database-url>]');
    expect(result.stdout).toContain('Exit status: 0 done, 1');
    expect(result.stderr).toBe('');
  });

  for (const [argv, message] of [
    [[], 'no command'],
    [['upgrade'], "unknown command 'upgrade'"],
    [['schema'], 'schema needs a dialect'],
    [['schema', 'oracle'], "unknown dialect 'oracle'"],
    [['schema', 'sqlite', '--format', 'yaml'], "unknown format 'yaml'"],
    [['schema', 'sqlite', '--format'], '--format needs a value'],
    [['schema', 'sqlite', '--force'], 'unknown option --force'],
    [['schema', 'sqlite', 'extra'], "unexpected argument 'extra'"],
    [['migrate', 'sqlite::memory:', '--format', 'sql'], '--format is an option of schema'],
  ] as const)
    it(`'${argv.join(' ')}' is a usage error: exit 2, the reason and the usage on stderr`, async () => {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`scim-sql: ${message}`);
      expect(result.stderr).toContain('Usage:');
    });
});

describe('scim-sql as a process', () => {
  let cli: Awaited<ReturnType<typeof bundle>>;
  beforeAll(async () => {
    cli = await bundle(fileURLToPath(new URL('../src/cli.ts', import.meta.url)), 'cli');
  }, 60_000);
  afterAll(() => cli?.remove());

  it('runs main when started as a script, and its exit status is the process exit code', async () => {
    const file = join(dir, 'process.db');
    const migrated = await start(cli.file, ['migrate', `sqlite:${file}`]).exited;
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('applied migrations 1, 2, 3, 4, 5;');
    const usage = await start(cli.file, ['schema', 'oracle']).exited;
    expect(usage.code).toBe(2);
    const unreachable = await start(cli.file, ['migrate', 'mysql://root:pw@127.0.0.1:1/x']).exited;
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).not.toContain(':pw@');
  }, 60_000);
});
