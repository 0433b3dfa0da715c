// Two deliverer processes push one stream's SETs from one SQL queue at the same time: the claim's
// row locks (FOR UPDATE SKIP LOCKED; SQLite's write lock) hand each SET to one of them only, so the
// receiver gets every SET exactly once, and each subject's SETs in the order they were queued
// (RFC 8935 push; issue 14, order per subject). A SQLite file in WAL mode always; PostgreSQL and
// MySQL/MariaDB when their test URLs are set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStream, NewQueuedSet } from '@scim/events';
import { createSqlEventStores, migrate, openDatabase, type OpenedDatabase } from '@scim/sql';
import { bundle, start } from './fixtures/bundle.js';
import { startReceiver, type Receiver } from './fixtures/receiver.js';
import { SCHEMA_TABLES } from './fixtures/tables.js';

const SUBJECTS = 30;
const PER_SUBJECT = 3;

const BACKENDS: readonly {
  readonly name: string;
  readonly url: (dir: string) => string | undefined;
}[] = [
  { name: 'sqlite file (WAL)', url: (dir) => `sqlite:${join(dir, 'scim.db')}` },
  { name: 'postgres', url: () => process.env.SCIM_TEST_POSTGRES_URL },
  { name: 'mysql', url: () => process.env.SCIM_TEST_MYSQL_URL },
];

let delivererBundle: Awaited<ReturnType<typeof bundle>>;
beforeAll(async () => {
  delivererBundle = await bundle(
    fileURLToPath(new URL('./fixtures/set-deliverer.ts', import.meta.url)),
    'set-deliverer',
  );
}, 60_000);
afterAll(() => delivererBundle?.remove());

function raceStream(receiver: Receiver, status: EventStream['status']): EventStream {
  const now = new Date().toISOString();
  return {
    id: 'race',
    tenant: undefined,
    audience: 'https://receiver.example.com',
    delivery: { method: 'push', endpointUrl: receiver.url, allowPrivateNetwork: true },
    eventsRequested: [],
    status,
    defaultSubjects: 'all',
    subjectsAdded: [],
    subjectsRemoved: [],
    createdAt: now,
    updatedAt: now,
  };
}

function queuedSets(): NewQueuedSet[] {
  const sets: NewQueuedSet[] = [];
  for (let round = 0; round < PER_SUBJECT; round++)
    for (let subject = 0; subject < SUBJECTS; subject++)
      sets.push({
        streamId: 'race',
        key: `u${subject}:${round}`,
        subject: ` /Users/u${subject}`,
        jti: `jti-u${subject}-${round}`,
        txn: `txn-u${subject}-${round}`,
        eventUris: ['urn:ietf:params:scim:event:prov:patch:notice'],
        payload: `u${subject}:${round}`,
        queuedAt: new Date().toISOString(),
      });
  return sets;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.url('/') === undefined)(`two deliverers: ${backend.name}`, () => {
    let dir: string;
    let receiver: Receiver;
    let database: OpenedDatabase | undefined;
    const tablePrefix = `td${process.pid.toString(36)}_`;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'scim-sql-deliverers-'));
      receiver = await startReceiver();
      database = await openDatabase(backend.url(dir) as string);
      await migrate(database.db, { tablePrefix });
    }, 60_000);
    afterAll(async () => {
      await receiver?.close();
      if (database !== undefined) {
        for (const table of SCHEMA_TABLES)
          await sql`DROP TABLE IF EXISTS ${sql.table(`${tablePrefix}${table}`)}`.execute(
            database.db,
          );
        await database.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('every SET reaches the receiver once, and a subject’s SETs in queue order', async () => {
      const { streams, queue } = createSqlEventStores({ db: database!.db, tablePrefix });
      await streams.put(raceStream(receiver, 'paused'));
      const sets = queuedSets();
      expect(await queue.enqueue(sets)).toBe(sets.length);

      const env = {
        SCIM_DATABASE_URL: backend.url(dir) as string,
        SCIM_TABLE_PREFIX: tablePrefix,
        SCIM_STREAM_ID: 'race',
      };
      const processes = [
        start(delivererBundle.file, [], env),
        start(delivererBundle.file, [], env),
      ];
      // Both are up before the stream is enabled, so they deliver side by side.
      await Promise.all(
        processes.map(
          (child) =>
            new Promise<void>((resolve, reject) => {
              const look = () => {
                if (child.output().stdout.includes('ready')) resolve();
              };
              child.child.stdout?.on('data', look);
              void child.exited.then((done) =>
                reject(new Error(`exited ${done.code} before ready: ${done.stderr}`)),
              );
              look();
            }),
        ),
      );
      await streams.put(raceStream(receiver, 'enabled'));
      const finished = await Promise.all(processes.map((child) => child.exited));

      for (const done of finished) expect(done.code, done.stderr).toBe(0);
      const counts = finished.map((done) => Number(/delivered (\d+)/.exec(done.stdout)?.[1]));
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(sets.length);
      // Both took part: the claims really did meet.
      expect(Math.min(...counts)).toBeGreaterThan(0);
      expect(new Set(receiver.bodies).size, 'a SET was delivered twice').toBe(
        receiver.bodies.length,
      );
      expect([...receiver.bodies].sort()).toEqual(sets.map((set) => set.payload).sort());
      for (let subject = 0; subject < SUBJECTS; subject++) {
        const arrivals = Array.from({ length: PER_SUBJECT }, (_, round) =>
          receiver.bodies.indexOf(`u${subject}:${round}`),
        );
        expect(arrivals, `u${subject}`).toEqual([...arrivals].sort((x, y) => x - y));
      }
    }, 60_000);
  });
}
