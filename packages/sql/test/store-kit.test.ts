// Every database passes the store conformance kit: the same cases the memory storage passes.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createSqlStorage } from '@scim/sql';
import { storeConformanceCases } from '@scim/server/testing';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`store kit: ${engine.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());
    const createStorage = async () => {
      const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
      await storage.clear();
      return storage;
    };
    for (const c of storeConformanceCases({ createStorage }))
      it(`${c.id}: ${c.name}`, c.run, 60_000);
  });
}
