// STUB (a helper replaces this file): opens a Kysely instance from a SCIM_DATABASE_URL.
import type { Kysely } from 'kysely';
import type { SqlDialectName } from './dialect.js';

/**
 * A database {@link openDatabase} opened.
 * @example `const { db, dialect, close } = await openDatabase('sqlite:./data/scim.db')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface OpenedDatabase {
  readonly db: Kysely<Record<string, never>>;
  readonly dialect: SqlDialectName;
  /** The URL with any password replaced by `***`, for logs. */
  readonly redactedUrl: string;
  close(): Promise<void>;
}

/**
 * Opens a database from a URL: `sqlite:…`, `postgres://…`, `mysql://…`, `pglite:…`.
 * @example `const { db } = await openDatabase('postgres://postgres@127.0.0.1:5432/test')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function openDatabase(url: string): Promise<OpenedDatabase> {
  return Promise.reject(new Error(`openDatabase is not implemented yet (${url})`));
}
