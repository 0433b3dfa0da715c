// The store kit catches each store bug the issue lists, planted alone in the memory storage: every
// case named for a bug fails on it (and passes on the memory storage, in store-kit.test.ts).
import { describe, expect, it } from 'vitest';
import { storeConformanceCases } from '@scim/server/testing';
import { plantedBugs } from './fixtures/planted-stores.js';

describe('store kit: planted store bugs', () => {
  for (const planted of plantedBugs) {
    it(`catches ${planted.bug} (by ${planted.caughtBy.join(', ')})`, async () => {
      const cases = storeConformanceCases({ createStorage: planted.createStorage });
      for (const id of planted.caughtBy) {
        const found = cases.find((c) => c.id === id);
        expect(found, `no kit case ${id}`).toBeDefined();
        await expect(found?.run(), `${id} must fail on this bug`).rejects.toThrow(Error);
      }
    }, 60_000);
  }
});
