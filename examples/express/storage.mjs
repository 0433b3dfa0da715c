// @ts-check
// Where the example keeps its users and groups, from one URL (SCIM_DATABASE_URL): a SQLite file by
// default, so they survive a restart; `postgres://…`, `mysql://…`, `pglite:…` or another
// `sqlite:…` file (docs/storage.md); `memory:` for nothing on disk. A server needs its driver
// installed beside the example: `npm install pg` or `npm install mysql2`.
import { createMemoryTokenStore } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createSqlStorage, createSqlTokenStore, migrate, openDatabase } from '@scim/sql';

/** Relative to the working directory: `npm start` at the repository root uses `<repo>/data/`. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/scim.db';

/**
 * Opens the database, brings its schema up to date (idempotent, and safe with several servers
 * starting at once), and returns the storage to spread into the handler's options, `tokenStore`
 * (bearer tokens by digest, for several tenants and the admin route: the database's `tokens`
 * table, or memory with the storage), and `close`.
 * `variable` names the setting the URL came from, for the start-up line.
 * @param {string} url
 * @param {{ tablePrefix?: string, variable?: string, log?: (line: string) => void }} [options]
 */
export async function openStorage(
  url,
  { tablePrefix = 'scim_', variable = 'SCIM_DATABASE_URL', log = console.log } = {},
) {
  if (url === 'memory:') {
    log('storage: memory (users and groups are lost when the server stops)');
    return {
      storage: createMemoryStorage(),
      tokenStore: createMemoryTokenStore(),
      close: () => Promise.resolve(),
    };
  }
  const database = await openDatabase(url);
  const { applied, version, milliseconds } = await migrate(database.db, { tablePrefix });
  const file = database.path === undefined ? '' : `${database.path}, from `;
  log(`storage: ${file}${database.redactedUrl} (${variable} chooses another)`);
  log(`migrations: ${applied.length} applied in ${milliseconds.toFixed(0)} ms (schema ${version})`);
  return {
    storage: createSqlStorage({ db: database.db, tablePrefix }),
    tokenStore: createSqlTokenStore({ db: database.db, tablePrefix }),
    close: database.close,
  };
}
