#!/usr/bin/env node
/**
 * The `scim-sql` command: applies the storage's migrations to a database (`scim-sql migrate`), or
 * prints its schema as SQL, a Prisma schema or a Drizzle module for applications that own their
 * migrations (`scim-sql schema`).
 *
 * @example
 * ```sh
 * npx scim-sql migrate postgres://scim@db.internal:5432/scim
 * npx scim-sql schema postgres --format prisma > prisma/schema/scim.prisma
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 * @packageDocumentation
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openDatabase } from './lib/connect.js';
import type { SqlDialectName } from './lib/dialect.js';
import { drizzleSchema, prismaSchema } from './lib/emit.js';
import { migrate, schemaSql, SCHEMA_VERSION, type SchemaOptions } from './lib/schema.js';

/**
 * Where {@link main} writes and what it reads of its environment; a test passes its own.
 * @example `{ stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {} }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** `SCIM_DATABASE_URL` is the database `migrate` uses when none is named. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `Usage:
  scim-sql migrate [<database-url>] [--table-prefix <prefix>]
  scim-sql schema <sqlite|postgres|mysql|mariadb> [--format sql|prisma|drizzle] [--table-prefix <prefix>]
  scim-sql --help

migrate   Brings the database to schema version ${SCHEMA_VERSION}: applies the migrations it has not had,
          prints what it applied and how long it took. Running it again applies nothing, so it
          is safe on every deploy. The URL defaults to SCIM_DATABASE_URL:
            sqlite:./data/scim.db   postgres://user@host:5432/db   mysql://user@host:3306/db
            mariadb://user@host:3306/db   pglite:./folder
schema    Prints the schema to stdout, for applications whose migrations another tool owns:
            sql       plain SQL: the tables and indexes, then the row recording the version
            prisma    Prisma models (with the collation statements Prisma cannot declare)
            drizzle   a Drizzle schema module for drizzle-kit
          mysql is MySQL 8 (utf8mb4_0900_bin); mariadb is MariaDB (utf8mb4_nopad_bin).

Options:
  --table-prefix <prefix>  prefix of every table and index (default scim_); the storage must be
                           given the same tablePrefix
  --format <format>        schema's output format (default sql)

Exit status: 0 done, 1 the database refused or could not be reached, 2 a usage error.`;

/** Thrown for what the user typed wrong: exit status 2 with the usage. */
class UsageError extends Error {}

interface Parsed {
  readonly positional: string[];
  readonly options: Map<string, string>;
  readonly help: boolean;
}

const VALUED = new Set(['--table-prefix', '--format']);

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg : arg.slice(0, equals);
    if (!VALUED.has(name)) throw new UsageError(`unknown option ${name}`);
    const value = equals < 0 ? argv[++i] : arg.slice(equals + 1);
    if (value === undefined || value === '' || (equals < 0 && value.startsWith('--')))
      throw new UsageError(`${name} needs a value`);
    options.set(name, value);
  }
  return { positional, options, help };
}

const TARGETS: Readonly<Record<string, { dialect: SqlDialectName; options: SchemaOptions }>> = {
  sqlite: { dialect: 'sqlite', options: {} },
  postgres: { dialect: 'postgres', options: {} },
  postgresql: { dialect: 'postgres', options: {} },
  mysql: { dialect: 'mysql', options: { mysqlCollation: 'utf8mb4_0900_bin' } },
  mariadb: { dialect: 'mysql', options: { mysqlCollation: 'utf8mb4_nopad_bin' } },
};

function schemaText(parsed: Parsed): string {
  const [, target, extra] = parsed.positional;
  if (target === undefined) throw new UsageError('schema needs a dialect');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const chosen = TARGETS[target.toLowerCase()];
  if (chosen === undefined)
    throw new UsageError(`unknown dialect '${target}' (sqlite, postgres, mysql or mariadb)`);
  const prefix = parsed.options.get('--table-prefix');
  const options =
    prefix === undefined ? chosen.options : { ...chosen.options, tablePrefix: prefix };
  const format = parsed.options.get('--format') ?? 'sql';
  switch (format) {
    case 'sql':
      return `${schemaSql(chosen.dialect, options).join(';\n\n')};\n`;
    case 'prisma':
      return prismaSchema(chosen.dialect, options);
    case 'drizzle':
      return drizzleSchema(chosen.dialect, options);
    default:
      throw new UsageError(`unknown format '${format}' (sql, prisma or drizzle)`);
  }
}

async function runMigrate(parsed: Parsed, io: CliIo): Promise<number> {
  if (parsed.options.has('--format')) throw new UsageError('--format is an option of schema');
  const [, named, extra] = parsed.positional;
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const url = named ?? io.env.SCIM_DATABASE_URL;
  if (url === undefined || url === '')
    throw new UsageError('migrate needs a database URL (or SCIM_DATABASE_URL)');
  const prefix = parsed.options.get('--table-prefix');
  // A bad prefix is the user's to fix; check it before connecting anywhere.
  try {
    schemaSql('sqlite', prefix === undefined ? {} : { tablePrefix: prefix });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const database = await openDatabase(url);
  try {
    const result = await migrate(
      database.db,
      prefix === undefined
        ? { dialect: database.dialect }
        : { dialect: database.dialect, tablePrefix: prefix },
    );
    const took = `${Math.round(result.milliseconds)} ms`;
    io.stdout(
      result.applied.length === 0
        ? `${database.redactedUrl}: already at schema version ${result.version}; nothing to apply (${took})\n`
        : `${database.redactedUrl}: applied migration${result.applied.length === 1 ? '' : 's'} ${result.applied.join(', ')}; now at schema version ${result.version} (${took})\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * Runs the `scim-sql` command with its arguments (without `node` and the script) and answers its
 * exit status: 0 done, 1 the database refused or could not be reached, 2 a usage error.
 * @example `process.exitCode = await main(process.argv.slice(2));`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const parsed = parse(argv);
    if (parsed.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    switch (parsed.positional[0]) {
      case 'migrate':
        return await runMigrate(parsed, io);
      case 'schema':
        io.stdout(schemaText(parsed));
        return 0;
      case undefined:
        throw new UsageError('no command');
      default:
        throw new UsageError(`unknown command '${parsed.positional[0]}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`scim-sql: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`scim-sql: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}

/** Whether this module is the script Node was started with (through npm's bin link or not). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint())
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
