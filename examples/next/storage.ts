// Where the example keeps its users and groups, from one URL (SCIM_DATABASE_URL): a SQLite file by
// default, so they survive a restart; `postgres://…`, `mysql://…`, `pglite:…` or another
// `sqlite:…` file (docs/storage.md); `memory:` for nothing on disk. A server needs its driver
// installed beside the example: `npm install pg` or `npm install mysql2`.
import type { ScimHandlerOptions } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createSqlStorage, migrate, openDatabase } from '@scim/sql';

/** Relative to the working directory: `next start` in examples/next uses `examples/next/data/`. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/scim.db';

/** What the handler needs of a storage. */
export type Storage = Pick<ScimHandlerOptions, 'stores' | 'outbox' | 'transaction'>;

/**
 * Opens the database, brings its schema up to date (idempotent, and safe with several servers
 * starting at once), and returns the storage to spread into the handler's options, and `close`.
 */
export async function openStorage(
  url: string,
  {
    tablePrefix = 'scim_',
    log = console.log,
  }: { tablePrefix?: string; log?: (line: string) => void } = {},
): Promise<{ storage: Storage; close: () => Promise<void> }> {
  if (url === 'memory:') {
    log('storage: memory (users and groups are lost when the server stops)');
    return { storage: createMemoryStorage(), close: () => Promise.resolve() };
  }
  const database = await openDatabase(url);
  const { applied, version, milliseconds } = await migrate(database.db, { tablePrefix });
  const file = database.path === undefined ? '' : `${database.path}, from `;
  log(`storage: ${file}${database.redactedUrl} (SCIM_DATABASE_URL chooses another)`);
  log(`migrations: ${applied.length} applied in ${milliseconds.toFixed(0)} ms (schema ${version})`);
  return { storage: createSqlStorage({ db: database.db, tablePrefix }), close: database.close };
}
