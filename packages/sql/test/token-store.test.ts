// The SQL TokenStore: @scim/server's contract kit on every database, and what a database adds to
// it: the digest's lookup reads the unique index (each engine's planner says so), dates round-trip
// to the millisecond on every engine, a collision is refused without the digest in the error, and
// `list` orders by creation time rather than by insertion.
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenStore } from '@scim/server';
import { createSqlTokenStore } from '@scim/sql';
import {
  tokenRecord,
  tokenStoreContract,
} from '../../server/test/fixtures/token-store-contract.js';
import { findByHashQuery } from '../src/lib/token-store.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { planOf } from './fixtures/plans.js';

const at = (iso: string) => new Date(iso);

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`token store on ${engine.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());

    const tokensTable = () => `${database.tablePrefix}tokens`;
    /** A store over an emptied table. */
    const fresh = async (): Promise<TokenStore> => {
      await sql`DELETE FROM ${sql.table(tokensTable())}`.execute(database.db);
      return createSqlTokenStore({ db: database.db, tablePrefix: database.tablePrefix });
    };

    tokenStoreContract(fresh);

    const plan = (query: RawBuilder<unknown>) => planOf(database, query);

    it('findByHash is one read of the unique index on the digest, never a scan', async () => {
      const store = await fresh();
      const records = Array.from({ length: 20 }, () => tokenRecord());
      for (const record of records) await store.insert(record);
      const text = await plan(findByHashQuery(tokensTable(), records[7]!.sha256));
      expect(text).toContain(`${tokensTable()}_sha256`);
      expect(text).not.toMatch(/Seq Scan|SCAN |type: ALL/);
      await expect(
        store.insert(tokenRecord({ sha256: records[7]!.sha256 })),
        'the index is unique',
      ).rejects.toThrow('the same digest');
    });

    it('dates round-trip to the millisecond, before 1970 and in year 9999 too', async () => {
      const store = await fresh();
      const record = tokenRecord({
        createdAt: at('2026-03-01T12:00:00.123Z'),
        expiresAt: at('9999-12-31T23:59:59.999Z'),
        lastUsedAt: at('1969-12-31T23:59:59.001Z'),
        revokedAt: at('2026-03-01T12:00:00.999Z'),
      });
      await store.insert(record);
      expect(await store.get(record.id)).toEqual(record);
      await store.touch(record.id, at('2026-03-01T12:00:01.007Z'));
      expect((await store.findByHash(record.sha256))?.lastUsedAt).toEqual(
        at('2026-03-01T12:00:01.007Z'),
      );
    });

    it('revoke, expire and touch refuse an Invalid Date and change nothing', async () => {
      const store = await fresh();
      const record = tokenRecord({ expiresAt: at('2026-06-01T00:00:00.000Z') });
      await store.insert(record);
      const invalid = new Date(Number.NaN);
      await expect(store.revoke(record.id, invalid)).rejects.toThrow(TypeError);
      await expect(store.expire(record.id, invalid)).rejects.toThrow(TypeError);
      await expect(store.touch(record.id, invalid)).rejects.toThrow(TypeError);
      expect(await store.get(record.id)).toEqual(record);
    });

    it('a repeated digest is refused without the digest in the error', async () => {
      const store = await fresh();
      const record = tokenRecord();
      await store.insert(record);
      const error: unknown = await store
        .insert(tokenRecord({ sha256: record.sha256 }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      const said = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
      expect(said).not.toContain(record.sha256.slice('sha256:'.length));
    });

    it('a digest given in upper case is stored, answered and found in lower case', async () => {
      const store = await fresh();
      const record = tokenRecord({ sha256: `sha256:${'AB'.repeat(32)}` });
      await store.insert(record);
      const lower = `sha256:${'ab'.repeat(32)}`;
      expect((await store.findByHash(lower))?.id).toBe(record.id);
      expect((await store.findByHash(record.sha256))?.sha256).toBe(lower);
    });

    it('list orders by createdAt, not by insertion, and ties in the order they were inserted', async () => {
      const store = await fresh();
      const late = tokenRecord({ createdAt: at('2026-03-01T12:00:00.002Z') });
      const early = tokenRecord({ createdAt: at('2026-03-01T12:00:00.001Z') });
      const tie = tokenRecord({ createdAt: at('2026-03-01T12:00:00.002Z') });
      for (const record of [late, early, tie]) await store.insert(record);
      const listed = await store.list('acme');
      expect(listed.map((record) => record.id)).toEqual([early.id, late.id, tie.id]);
    });

    it('records come back frozen, their scopes too', async () => {
      const store = await fresh();
      const record = tokenRecord({ scopes: ['scim:read'] });
      await store.insert(record);
      const found = (await store.findByHash(record.sha256))!;
      expect(Object.isFrozen(found)).toBe(true);
      expect(Object.isFrozen(found.scopes)).toBe(true);
      expect(Object.isFrozen(await store.list('acme'))).toBe(true);
    });
  });
}

describe('createSqlTokenStore', () => {
  it('refuses a table prefix that could not be a table name, as migrate does', async () => {
    const database = await ENGINES[0]!.open();
    try {
      expect(() => createSqlTokenStore({ db: database.db, tablePrefix: 'x"; DROP' })).toThrow(
        TypeError,
      );
    } finally {
      await database.close();
    }
  });
});
