// A connection lost mid-write leaves no partial state and loses no outbox record, on every engine:
// each write breaks at each of its statements in turn (BEGIN and COMMIT included), and the tables
// then hold the write whole, with its events, or nothing of it. A COMMIT whose answer is lost leaves
// the write whole, events included, though the client was told it failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './fixtures/databases.js';
import { breakAtEveryStatement } from './fixtures/every-statement.js';
import { openFaulty, type FaultyDatabase } from './fixtures/faulty-database.js';
import { WRITE_KINDS } from './fixtures/write-kinds.js';

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`faults: ${engine.name}`, () => {
    let database: FaultyDatabase;
    beforeAll(async () => {
      database = await openFaulty(engine.name);
    }, 120_000);
    afterAll(async () => database?.close());

    for (const kind of WRITE_KINDS) {
      it(`${kind.row}: ${kind.name}, its connection lost before any one of its statements, is whole with its events or not there at all`, async () => {
        const outcome = await breakAtEveryStatement(database, kind, 'fail');
        // Every fault up to the write's COMMIT undoes it; every later one (its events' delivery)
        // leaves it whole.
        const commit = outcome.statements.findIndex((words) => /^commit\b/i.test(words)) + 1;
        expect(commit, outcome.statements.join(' | ')).toBeGreaterThan(3);
        expect(outcome.undone).toEqual(Array.from({ length: commit }, (_, index) => index + 1));
        expect(outcome.kept.every((position) => position > commit)).toBe(true);
      }, 120_000);

      it(`${kind.row}: ${kind.name}, the answer to its COMMIT lost, is whole with its events`, async () => {
        // The write's own COMMIT is the first; those after it are its events' delivery.
        const outcome = await breakAtEveryStatement(database, kind, 'lose-commit-answer', {
          throughCommit: true,
        });
        expect(outcome.kept).toEqual([1]);
        expect(outcome.undone).toEqual([]);
      }, 120_000);
    }
  });
}
