// Opens a Kysely instance from one URL, as the examples' SCIM_DATABASE_URL names it. Every driver is
// an optional peer dependency imported only when a URL needs it, so an app on PostgreSQL never
// installs better-sqlite3; node:fs and node:path are imported the same way, so that importing
// @scim/sql on a runtime without them (with the app's own Kysely) still works.
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely';
import type { SqlDialectName } from './dialect.js';
import { pgliteDialect, type PGliteLike } from './pglite.js';
import { cacheSqliteStatements } from './statements.js';

/**
 * A database {@link openDatabase} opened.
 * @example `const { db, dialect, close } = await openDatabase('sqlite:./data/scim.db')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface OpenedDatabase {
  readonly db: Kysely<Record<string, never>>;
  readonly dialect: SqlDialectName;
  /** The driver package that opened it. */
  readonly driver: 'better-sqlite3' | 'pg' | 'mysql2' | '@electric-sql/pglite';
  /** The URL with any password replaced by `***`, for logs. */
  readonly redactedUrl: string;
  /** The absolute path of the SQLite file or PGlite folder; undefined in memory and on a server. */
  readonly path: string | undefined;
  /** Closes the pool or file; a second call does nothing. */
  readonly close: () => Promise<void>;
}

// Literal specifiers, so that bundlers (esbuild, Next.js) see which packages may be loaded.
const DRIVERS = {
  'better-sqlite3': () => import('better-sqlite3'),
  pg: () => import('pg'),
  mysql2: () => import('mysql2'),
  '@electric-sql/pglite': () => import('@electric-sql/pglite'),
};

type Drivers = typeof DRIVERS;
type DriverName = OpenedDatabase['driver'];

/** Imports that replace the real ones (tests make one fail as a missing package does). */
export type DriverOverrides = { readonly [K in DriverName]?: () => Promise<unknown> };

/** The major version of each driver the peer dependency range accepts, for the install hint. */
const INSTALL: Record<DriverName, string> = {
  'better-sqlite3': 'better-sqlite3@12',
  pg: 'pg@8',
  mysql2: 'mysql2@3',
  '@electric-sql/pglite': '@electric-sql/pglite@0.5',
};

const ACCEPTED =
  'sqlite:<file>, sqlite::memory:, postgres://…, postgresql://…, mysql://…, mariadb://…, pglite:memory or pglite:<folder>';

/** How long a SQLite connection waits for another process's write lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** Connections per pool on a server: enough for a few concurrent requests, few for a small server. */
const POOL_SIZE = 10;

/**
 * The URL with the password (of `user:password@` or a `password=` parameter) replaced by `***`.
 * Works on text that is not a valid URL too, since it is what an error about a bad URL shows.
 */
function redact(url: string): string {
  return (
    url
      // Up to the last '@': an unencoded '@' in a password must not leave its tail in a log.
      .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:).*@/i, '$1***@')
      .replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***')
  );
}

function badUrl(url: string, why: string): TypeError {
  return new TypeError(`Cannot open '${redact(url)}': ${why}. Accepted: ${ACCEPTED}`);
}

async function load<K extends DriverName>(
  drivers: DriverOverrides,
  name: K,
  scheme: string,
): Promise<Awaited<ReturnType<Drivers[K]>>> {
  try {
    return (await (drivers[name] ?? DRIVERS[name])()) as Awaited<ReturnType<Drivers[K]>>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new Error(
        `A ${scheme}: database needs the '${name}' package, which is not installed: npm install ${INSTALL[name]}`,
        { cause: error },
      );
    throw error;
  }
}

/** The file's absolute path, its folder created: a fresh clone has no `data/` yet. */
async function prepareFolder(path: string, isFolder: boolean): Promise<string> {
  const [fs, paths] = await Promise.all([import('node:fs'), import('node:path')]);
  const absolute = paths.resolve(path);
  fs.mkdirSync(isFolder ? absolute : paths.dirname(absolute), { recursive: true });
  return absolute;
}

interface Opening {
  readonly dialect: Dialect;
  readonly name: SqlDialectName;
  readonly driver: OpenedDatabase['driver'];
  readonly path: string | undefined;
  /** A pool connects lazily: one query at open time makes a wrong address fail here, not later. */
  readonly probe: boolean;
}

async function openSqlite(url: string, rest: string, drivers: DriverOverrides): Promise<Opening> {
  if (rest === '') throw badUrl(url, 'no file name');
  if (rest.startsWith('//'))
    throw badUrl(url, 'write sqlite:/absolute/path or sqlite:./relative/path, without //');
  const { default: Database } = await load(drivers, 'better-sqlite3', 'sqlite');
  const memory = rest === ':memory:';
  const path = memory ? undefined : await prepareFolder(rest, false);
  let database;
  try {
    database = new Database(path ?? ':memory:', { timeout: SQLITE_BUSY_TIMEOUT_MS });
    if (!memory) {
      // WAL lets readers and one writer work at once, so two processes (two example servers, a
      // server and a migration) can share the file; the busy timeout makes a writer wait its turn.
      database.pragma('journal_mode = WAL');
      database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    }
  } catch (error) {
    database?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the SQLite database ${path ?? ':memory:'}: ${reason}`, {
      cause: error,
    });
  }
  return {
    dialect: new SqliteDialect({ database: cacheSqliteStatements(database) }),
    name: 'sqlite',
    driver: 'better-sqlite3',
    path,
    probe: false,
  };
}

async function openPostgres(url: string, drivers: DriverOverrides): Promise<Opening> {
  const { default: pg } = await load(drivers, 'pg', 'postgres');
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  // An idle connection the server closed (a restart, a failover) is an 'error' event, which with no
  // listener would end the process; the pool has dropped it already and the next query reconnects.
  pool.on('error', () => undefined);
  return {
    dialect: new PostgresDialect({ pool }),
    name: 'postgres',
    driver: 'pg',
    path: undefined,
    probe: true,
  };
}

async function openMysql(url: string, drivers: DriverOverrides): Promise<Opening> {
  const { createPool } = await load(drivers, 'mysql2', 'mysql');
  // mysql2 reads the address, user and options of a mysql:// URL; mariadb:// is the same protocol.
  const uri = url.replace(/^mariadb:/i, 'mysql:');
  return {
    dialect: new MysqlDialect({ pool: createPool({ uri, connectionLimit: POOL_SIZE }) }),
    name: 'mysql',
    driver: 'mysql2',
    path: undefined,
    probe: true,
  };
}

async function openPglite(url: string, rest: string, drivers: DriverOverrides): Promise<Opening> {
  if (rest === '') throw badUrl(url, 'no folder name');
  const { PGlite } = await load(drivers, '@electric-sql/pglite', 'pglite');
  const path = rest === 'memory' ? undefined : await prepareFolder(rest, true);
  const pglite: PGliteLike = await (path === undefined ? PGlite.create() : PGlite.create(path));
  return {
    dialect: pgliteDialect(pglite),
    name: 'postgres',
    driver: '@electric-sql/pglite',
    path,
    probe: false,
  };
}

async function opening(url: string, drivers: DriverOverrides): Promise<Opening> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw badUrl(url, 'no scheme');
  const rest = url.slice(scheme.length + 1);
  switch (scheme) {
    case 'sqlite':
      return openSqlite(url, rest, drivers);
    case 'pglite':
      return openPglite(url, rest, drivers);
    case 'postgres':
    case 'postgresql':
    case 'mysql':
    case 'mariadb':
      // Only the URL's shape is checked here; the driver reads its parts.
      if (!rest.startsWith('//') || !URL.canParse(url))
        throw badUrl(url, `not a ${scheme}://user@host:port/database URL`);
      return scheme.startsWith('postgres') ? openPostgres(url, drivers) : openMysql(url, drivers);
    default:
      throw badUrl(url, `unknown scheme '${scheme}:'`);
  }
}

/**
 * Opens a database from a URL, loading its driver (an optional peer dependency) only then:
 * `sqlite:./data/scim.db`, `sqlite:/absolute/path.db` or `sqlite::memory:` (better-sqlite3; the
 * file's folder is created, and the file is in WAL mode with a busy timeout so that several
 * processes can share it), `postgres://…` or `postgresql://…` (a pg pool), `mysql://…` or
 * `mariadb://…` (a mysql2 pool), `pglite:memory` or `pglite:./folder` (PGlite, in-process). A
 * server is asked one query before this resolves, so a wrong address fails here. A URL it does not
 * accept is a `TypeError`, and a missing driver an error naming the package to install; neither
 * shows a password. Applications that run their own pool pass their Kysely instance to
 * `createSqlStorage` instead.
 * @example
 * ```ts
 * const { db, redactedUrl, close } = await openDatabase(
 *   process.env.SCIM_DATABASE_URL ?? 'sqlite:./data/scim.db',
 * );
 * await migrate(db);
 * console.log(`storage: ${redactedUrl}`);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function openDatabase(url: string): Promise<OpenedDatabase> {
  return openDatabaseWith(url, {});
}

/** {@link openDatabase} with the driver imports given (tests make one fail). */
export async function openDatabaseWith(
  url: string,
  drivers: DriverOverrides,
): Promise<OpenedDatabase> {
  if (typeof url !== 'string') throw new TypeError(`A database URL must be a string`);
  const redactedUrl = redact(url.trim());
  const { dialect, name, driver, path, probe } = await opening(url.trim(), drivers);
  const db = new Kysely<Record<string, never>>({ dialect });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= db.destroy());
  if (probe) {
    try {
      await sql`SELECT 1`.execute(db);
    } catch (error) {
      await close().catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot connect to ${redactedUrl}: ${reason}`, { cause: error });
    }
  }
  return { db, dialect: name, driver, redactedUrl, path, close };
}
