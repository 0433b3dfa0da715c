// What a lookup costs in statements: SQLite statements are prepared once per text
// (cacheSqliteStatements, which openDatabase uses), and index paging counts only when the page does
// not tell the total (an identity provider's `userName eq` lookup is one statement on the table).
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScimHandler } from '@scim/server';
import { cacheSqliteStatements, createSqlStorage, migrate } from '@scim/sql';

const BASE = 'https://app.example.com/scim/v2';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A better-sqlite3 database that records every text it prepares. */
function counting(): { database: SqliteDatabase; prepared: string[]; raw: Database.Database } {
  const raw = new Database(':memory:');
  const prepared: string[] = [];
  return {
    raw,
    prepared,
    database: {
      prepare: (text) => {
        prepared.push(text);
        return raw.prepare(text);
      },
      close: () => raw.close(),
    },
  };
}

describe('cacheSqliteStatements', () => {
  it('prepares each SQL text once and hands the same statement out again', () => {
    const { database, prepared } = counting();
    const cached = cacheSqliteStatements(database);
    const first = cached.prepare('SELECT 1 AS one');
    const again = cached.prepare('SELECT 1 AS one');
    expect(again).toBe(first);
    expect(again.all([])).toEqual([{ one: 1 }]);
    expect(prepared).toEqual(['SELECT 1 AS one']);
  });

  it('keeps at most `size` statements, the least recently used leaving first', () => {
    const { database, prepared } = counting();
    const cached = cacheSqliteStatements(database, { size: 2 });
    cached.prepare('SELECT 1');
    cached.prepare('SELECT 2');
    cached.prepare('SELECT 1'); // now the most recently used
    cached.prepare('SELECT 3'); // evicts SELECT 2
    cached.prepare('SELECT 1');
    cached.prepare('SELECT 2');
    expect(prepared).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
  });

  it('never hands out a statement still iterating: a fresh one is prepared', () => {
    const { database, raw } = counting();
    raw.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)');
    const cached = cacheSqliteStatements(database);
    const open = cached.prepare('SELECT n FROM t ORDER BY n').iterate([]);
    expect(open.next().value).toEqual({ n: 1 });
    // The cached statement is busy until the iteration ends; reusing it would throw.
    expect(cached.prepare('SELECT n FROM t ORDER BY n').all([])).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    expect([...open]).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('a cached statement still runs after the schema changes under it', () => {
    const { database, raw } = counting();
    raw.exec('CREATE TABLE t (n INTEGER)');
    const cached = cacheSqliteStatements(database);
    cached.prepare('INSERT INTO t (n) VALUES (?)').run([1]);
    raw.exec('DROP TABLE t; CREATE TABLE t (n INTEGER, m TEXT)');
    cached.prepare('INSERT INTO t (n) VALUES (?)').run([2]);
    expect(raw.prepare('SELECT n FROM t').all()).toEqual([{ n: 2 }]);
  });

  it('closes the database it wraps', () => {
    const { database, raw } = counting();
    cacheSqliteStatements(database).close();
    expect(raw.open).toBe(false);
  });

  it('refuses a size that is not a positive integer', () => {
    const { database } = counting();
    expect(() => cacheSqliteStatements(database, { size: 0 })).toThrow(RangeError);
    expect(() => cacheSqliteStatements(database, { size: 1.5 })).toThrow(RangeError);
  });
});

describe('statements per request over SQLite', () => {
  let prepared: string[];
  let db: Kysely<Record<string, never>>;
  let fetch: (path: string, init?: RequestInit) => Promise<Response>;

  beforeEach(async () => {
    const counted = counting();
    prepared = counted.prepared;
    db = new Kysely({ dialect: new SqliteDialect({ database: counted.database }) });
    await migrate(db);
    const handler = createScimHandler({ ...createSqlStorage({ db }), authenticate: 'anonymous' });
    fetch = (path, init) => handler.fetch(new Request(`${BASE}${path}`, init));
    for (let index = 0; index < 5; index++) {
      const created = await fetch('/Users', {
        method: 'POST',
        headers: { 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [U], userName: `user${index}` }),
      });
      expect(created.status).toBe(201);
    }
    prepared.length = 0;
  });
  afterEach(() => db.destroy());

  const list = async (query: string) => {
    prepared.length = 0;
    const response = await fetch(`/Users?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { totalResults: number; Resources?: unknown[] };
    const counts = prepared.filter((text) => /COUNT\(\*\)/i.test(text)).length;
    return { total: body.totalResults, shown: body.Resources?.length ?? 0, counts };
  };

  it('P-PAGE-07, P-CRUD-09, X-ENTRA-09: a lookup whose first page holds every match runs no COUNT', async () => {
    expect(await list(`filter=${encodeURIComponent('userName eq "user3"')}`)).toEqual({
      total: 1,
      shown: 1,
      counts: 0,
    });
    expect(await list(`filter=${encodeURIComponent('userName eq "nobody"')}`)).toEqual({
      total: 0,
      shown: 0,
      counts: 0,
    });
  });

  it('P-PAGE-07, P-PAGE-08: a partial last page tells the total (startIndex - 1 + its length)', async () => {
    expect(await list('startIndex=4&count=10')).toEqual({ total: 5, shown: 2, counts: 0 });
  });

  it('P-PAGE-04, P-PAGE-07, P-PAGE-11: a full page, a page past the end and count=0 count the matches', async () => {
    expect(await list('startIndex=1&count=2')).toEqual({ total: 5, shown: 2, counts: 1 });
    expect(await list('startIndex=9&count=2')).toEqual({ total: 5, shown: 0, counts: 1 });
    expect(await list('count=0')).toEqual({ total: 5, shown: 0, counts: 1 });
  });
});
