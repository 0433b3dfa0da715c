// Kysely over PGlite (PostgreSQL compiled to WebAssembly, in-process): Kysely's own PostgreSQL
// dialect, given a pool of one connection. PGlite runs one statement at a time on one session, so
// the pool hands its connection to one caller at a time, which keeps transactions apart.
import { PostgresDialect, type Dialect } from 'kysely';

/**
 * What this dialect needs of a PGlite instance (`@electric-sql/pglite`'s `PGlite`).
 * @example `const pglite = await PGlite.create();`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface PGliteLike {
  query<R>(
    query: string,
    parameters?: unknown[],
  ): Promise<{ readonly rows: R[]; readonly affectedRows?: number }>;
  close(): Promise<void>;
}

const COMMANDS = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'SELECT'] as const;
type Command = (typeof COMMANDS)[number];

function commandOf(text: string): Command {
  const word = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([a-z]+)/i.exec(text)?.[1]?.toUpperCase();
  return (COMMANDS as readonly string[]).includes(word ?? '') ? (word as Command) : 'SELECT';
}

/**
 * A Kysely dialect over a PGlite instance: in-process PostgreSQL for tests, demos and
 * single-process apps, with the same SQL as a PostgreSQL server.
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const db = new Kysely({ dialect: pgliteDialect(await PGlite.create()) });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function pgliteDialect(pglite: PGliteLike): Dialect {
  let queue: Promise<void> = Promise.resolve();
  return new PostgresDialect({
    pool: {
      async connect() {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const turn = queue;
        queue = queue.then(() => released);
        await turn;
        return {
          async query<R>(text: string, parameters: readonly unknown[]) {
            const result = await pglite.query<R>(text, [...parameters]);
            return {
              command: commandOf(text),
              rowCount: result.affectedRows ?? result.rows.length,
              rows: result.rows,
            };
          },
          release,
        } as never;
      },
      end: () => pglite.close(),
    },
  });
}
