// On a real PostgreSQL server, a connection that dies mid-write (its backend terminated with
// pg_terminate_backend before each of the write's statements in turn, BEGIN and COMMIT included)
// leaves the write whole with its events, or nothing of it: the server rolls back what it had.
// Faults past the COMMIT (in the events' delivery) are faults.test.ts's; here the first one is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './fixtures/databases.js';
import { breakAtEveryStatement } from './fixtures/every-statement.js';
import { openFaulty, type FaultyDatabase } from './fixtures/faulty-database.js';
import { WRITE_KINDS } from './fixtures/write-kinds.js';

const postgres = ENGINES.find((engine) => engine.name === 'postgres');

describe.skipIf(postgres?.skipped !== undefined)('faults: postgres, backend terminated', () => {
  let database: FaultyDatabase;
  beforeAll(async () => {
    database = await openFaulty('postgres');
  }, 120_000);
  afterAll(async () => database?.close());

  for (const kind of WRITE_KINDS)
    it(`${kind.row}: ${kind.name}, its backend terminated before any one of its statements, is whole with its events or not there at all`, async () => {
      const outcome = await breakAtEveryStatement(database, kind, 'terminate', {
        throughCommit: true,
      });
      const commit = outcome.statements.findIndex((words) => /^commit\b/i.test(words)) + 1;
      expect(commit, outcome.statements.join(' | ')).toBeGreaterThan(3);
      expect(outcome.undone).toEqual(Array.from({ length: commit }, (_, index) => index + 1));
      expect(outcome.kept).toEqual([commit + 1]);
    }, 120_000);
});
