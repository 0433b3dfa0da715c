// Queued SETs survive a restart (issue 14): a SCIM server over the SQL storage records changes, the
// publisher queues their SETs' claims in the SQL queue, and the process stops before delivering (its
// connections closed, nothing kept in memory). A new process, with a signing key of its own, opens
// the same database, and a push deliverer (RFC 8935) delivers every SET to a receiver on 127.0.0.1,
// each once, carrying the claims queued and verifying against the new process's JWKS, and a
// subject's SETs in the order they were queued. A SQLite file always; PostgreSQL and MySQL/MariaDB
// when their test URLs are set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupResourceType, SCIM_MEDIA_TYPE, UserResourceType } from '@scim/core';
import {
  createEventPublisher,
  createSigningKeySet,
  createStreamDeliverer,
  generateSigningKey,
  verifySet,
  type EventStream,
} from '@scim/events';
import { createScimHandler } from '@scim/server';
import { createSqlEventStores, createSqlStorage, migrate, openDatabase } from '@scim/sql';
import { startReceiver, type Receiver } from './fixtures/receiver.js';
import { SCHEMA_TABLES } from './fixtures/tables.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BASE = 'https://scim.example.com/scim/v2';
const TOKEN = 'receiver-token';

interface Backend {
  readonly name: string;
  readonly url: (dir: string) => string | undefined;
  /** A server other tests use too: tables of a prefix of its own, dropped afterwards. */
  readonly shared: boolean;
}

const BACKENDS: readonly Backend[] = [
  { name: 'sqlite file', url: (dir) => `sqlite:${join(dir, 'scim.db')}`, shared: false },
  { name: 'postgres', url: () => process.env.SCIM_TEST_POSTGRES_URL, shared: true },
  { name: 'mysql', url: () => process.env.SCIM_TEST_MYSQL_URL, shared: true },
];

function pushStream(receiver: Receiver): EventStream {
  const now = new Date().toISOString();
  return {
    id: 'hr',
    tenant: undefined,
    audience: 'https://hr.example.com',
    delivery: {
      method: 'push',
      endpointUrl: receiver.url,
      authorization: { kind: 'bearer', token: TOKEN },
      allowPrivateNetwork: true,
    },
    eventsRequested: [],
    status: 'enabled',
    defaultSubjects: 'all',
    subjectsAdded: [],
    subjectsRemoved: [],
    createdAt: now,
    updatedAt: now,
  };
}

/** The first process: changes recorded, their SETs queued, and then it stops. */
async function queueChanges(url: string, tablePrefix: string, receiver: Receiver) {
  const database = await openDatabase(url);
  try {
    await migrate(database.db, { tablePrefix });
    const storage = createSqlStorage({ db: database.db, tablePrefix });
    const handler = createScimHandler({
      ...storage,
      authenticate: 'anonymous',
      delivery: { pollMs: 0 },
    });
    const { streams, queue } = createSqlEventStores({ db: database.db, tablePrefix });
    await streams.put(pushStream(receiver));
    const publisher = createEventPublisher({
      streams,
      queue,
      issuer: 'https://scim.example.com',
      resourceTypes: [UserResourceType, GroupResourceType],
    });
    const call = async (method: string, path: string, body: unknown) => {
      const response = await handler.fetch(
        new Request(`${BASE}${path}`, {
          method,
          headers: { 'content-type': SCIM_MEDIA_TYPE },
          body: JSON.stringify(body),
        }),
      );
      return (await response.json()) as { id: string };
    };
    const alice = await call('POST', '/Users', { schemas: [USER], userName: 'alice' });
    await call('POST', '/Users', { schemas: [USER], userName: 'bob' });
    await call('PATCH', `/Users/${alice.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    // What the server's outbox hands the publisher (its onEvent hook, in a real deployment).
    for (const { event } of await storage.outbox.list()) await publisher.publish(event);
    const queued = await queue.list('hr');
    await handler.close();
    return { queued, alice: `/Users/${alice.id}` };
  } finally {
    await database.close();
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.url('/') === undefined)(`SETs survive a restart: ${backend.name}`, () => {
    let dir: string;
    let receiver: Receiver;
    const tablePrefix = backend.shared ? `rs${process.pid.toString(36)}_` : 'scim_';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'scim-sql-restart-'));
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
      if (backend.shared) {
        const database = await openDatabase(backend.url(dir) as string);
        for (const table of SCHEMA_TABLES)
          await sql`DROP TABLE IF EXISTS ${sql.table(`${tablePrefix}${table}`)}`.execute(
            database.db,
          );
        await database.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('issue 14 "a durable queue": SETs queued before a restart are pushed after it, each once and in order per subject', async () => {
      const url = backend.url(dir) as string;
      const { queued, alice } = await queueChanges(url, tablePrefix, receiver);
      expect(queued.map((set) => set.state)).toEqual(['pending', 'pending', 'pending']);
      expect(receiver.bodies).toEqual([]);

      // The new process: nothing but the database carries over.
      const database = await openDatabase(url);
      try {
        const { streams, queue } = createSqlEventStores({ db: database.db, tablePrefix });
        // A key the first process never had: SETs are signed as they are sent.
        const keys = createSigningKeySet({ active: await generateSigningKey() });
        const deliverer = createStreamDeliverer({ streams, queue, keys, options: { pollMs: 0 } });
        expect(await deliverer.deliverDue()).toBe(3);
        await deliverer.close();
        const received: string[] = [];
        for (const body of receiver.bodies) {
          const result = await verifySet(body, {
            keys: keys.jwks(),
            issuer: 'https://scim.example.com',
            audience: 'https://hr.example.com',
            replayCache: false,
          });
          if (!result.ok) throw new Error(JSON.stringify(result.issues));
          received.push(JSON.stringify(result.value.claims));
        }
        expect([...received].sort()).toEqual(queued.map((set) => set.payload).sort());
        expect(receiver.authorizations).toEqual(Array(3).fill(`Bearer ${TOKEN}`));
        // Alice's creation reached the receiver before her deactivation.
        const aliceSets = queued.filter((set) => set.subject === ` ${alice}`);
        const [created = -1, deactivated = -1] = aliceSets.map((set) =>
          received.indexOf(set.payload),
        );
        expect(aliceSets).toHaveLength(2);
        expect(created).toBeGreaterThanOrEqual(0);
        expect(deactivated).toBeGreaterThan(created);
        expect((await queue.list('hr')).map((set) => set.state)).toEqual([
          'delivered',
          'delivered',
          'delivered',
        ]);
      } finally {
        await database.close();
      }
    }, 60_000);
  });
}
