// What bench/events.mjs is built from: the timing loop and tables, the write mix, the push stream and
// its receiver process, and the handlers of the write-cost variants.
import { fork } from 'node:child_process';
import { GroupResourceType, UserResourceType } from '../../packages/core/dist/index.js';
import {
  createEventPublisher,
  createMemorySetQueue,
  createMemoryStreamStore,
  createSigningKeySet,
  createStreamDeliverer,
  signSet,
  toSetClaims,
} from '../../packages/events/dist/index.js';
import { createScimHandler } from '../../packages/server/dist/index.js';
import { createMemoryStorage } from '../../packages/server/dist/memory.js';

export const ISSUER = 'https://scim.example.com';
export const AUDIENCE = 'https://receiver.example.com';
export const RECEIVER_TOKEN = 'bench-receiver-token';
const RESOURCE_TYPES = [UserResourceType, GroupResourceType];
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const number = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** CPU time of this process since `before`, in µs: the main thread, Web Crypto's thread pool and GC. */
export const cpuSince = (before) => {
  const used = process.cpuUsage(before);
  return used.user + used.system;
};
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Prints rows as a table; the `numeric` columns are right-aligned. */
export function table(header, rows, numeric) {
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...all.map((row) => String(row[column]).length)),
  );
  const line = (row) =>
    row
      .map((cell, column) =>
        numeric.has(column)
          ? String(cell).padStart(widths[column])
          : String(cell).padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/**
 * A closed loop: `concurrency` workers each awaiting `work()` again until `durationMs` has passed,
 * then `settle(count)`, timed with the loop: the work it left running belongs to it. Per operation:
 * wall µs (the inverse of the throughput) and this process's CPU µs.
 */
export async function closedLoop(concurrency, durationMs, work, settle = async () => {}) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await work();
        count += 1;
      }
    }),
  );
  await settle(count);
  const elapsedMs = performance.now() - started;
  return {
    perSecond: (1000 * count) / elapsedMs,
    wallUs: (1000 * elapsedMs) / count,
    cpuUs: cpuSince(cpu) / count,
  };
}

/** The medians of the rounds of one measurement. */
export const medians = (runs) => ({
  perSecond: median(runs.map((run) => run.perSecond)),
  wallUs: median(runs.map((run) => run.wallUs)),
  cpuUs: median(runs.map((run) => run.cpuUs)),
});

/** The SET claims of a lifecycle record, as a push stream of this benchmark gets them. */
export function claimsOf(record) {
  const built = toSetClaims(record, {
    issuer: ISSUER,
    audience: AUDIENCE,
    resourceTypes: RESOURCE_TYPES,
  });
  if (!built.ok) throw new Error(JSON.stringify(built.issues));
  return built.value;
}

let nextUser = 0;
/** POST /Users, PATCH active=false, DELETE: one user's whole life. Resolves false on a wrong answer. */
export async function mix(handler) {
  const index = nextUser++;
  const call = (method, path, body) =>
    handler.fetch(
      new Request(`https://scim.example.com/scim/v2${path}`, {
        method,
        headers: { 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const created = await call('POST', '/Users', {
    schemas: [USER],
    userName: `user${index}`,
    active: true,
    name: { givenName: 'Barbara', familyName: `Jensen${index}` },
    emails: [{ value: `user${index}@example.com`, type: 'work', primary: true }],
    title: 'Tour Guide',
  });
  const user = await created.json();
  if (created.status !== 201) return false;
  const patched = await call('PATCH', `/Users/${user.id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  await patched.text();
  const deleted = await call('DELETE', `/Users/${user.id}`);
  await deleted.text();
  return (patched.status === 200 || patched.status === 204) && deleted.status === 204;
}

/** The lifecycle records one mix writes, as `onEvent` receives them. */
export async function recordsOfOneMix() {
  const records = [];
  const handler = createScimHandler({
    ...createMemoryStorage(),
    authenticate: () => ({ principal: 'bench' }),
    hooks: { onEvent: (event) => void records.push(event) },
  });
  if (!(await mix(handler))) throw new Error('the write mix was answered wrongly');
  await handler.close();
  return records;
}

/** A push stream to the receiver, every event, every subject. */
export function pushStream(id, endpointUrl) {
  const now = new Date().toISOString();
  return {
    id,
    tenant: undefined,
    audience: AUDIENCE,
    delivery: {
      method: 'push',
      endpointUrl,
      authorization: { kind: 'bearer', token: RECEIVER_TOKEN },
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

/** Starts `set-receiver.mjs` and resolves once it listens. */
export function startReceiver() {
  const child = fork(new URL('./set-receiver.mjs', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the receiver exited with ${code}`)));
    child.once('message', ({ port }) => {
      child.removeAllListeners('exit');
      resolve({
        port,
        url: (streamId) => `http://127.0.0.1:${port}/streams/${streamId}`,
        stats: () => ask('stats'),
        reset: () => ask('reset'),
        stop: () => child.kill(),
      });
    });
  });
}

/**
 * The write-cost variants: each a handler over its own memory storage. `publisher`: the events
 * publisher's `onEvent` is the hook; `streams`: how many push streams it publishes to; `delivery`:
 * the handler's delivery options; `deliver`: a stream deliverer pushes to the receiver meanwhile.
 */
export const WRITE_VARIANTS = [
  { name: 'none', title: 'no hooks (the outbox only)' },
  { name: 'empty', title: 'publisher, no stream', publisher: true, streams: 0 },
  {
    name: 'record',
    title: 'publisher, 1 push stream: SETs built and queued',
    publisher: true,
    streams: 1,
    target: true,
  },
  {
    name: 'nowait',
    title: 'the same, delivery.responseWaitMs 0',
    publisher: true,
    streams: 1,
    delivery: { responseWaitMs: 0 },
  },
  {
    name: 'deliver',
    title: 'the same as "record", and signed and pushed by a deliverer',
    publisher: true,
    streams: 1,
    deliver: true,
  },
];

/**
 * Sets a variant up. `work` runs one mix; `settle(count)` waits until every record of the `count`
 * mixes just run was handled and, with a deliverer, every SET pushed; `tidy` (untimed) marks the
 * SETs nobody delivers as delivered, so that the queue does not grow from slice to slice.
 */
export async function setUpWriteVariant(variant, { key, receiver, recordsPerMix }) {
  const storage = createMemoryStorage();
  const streams = createMemoryStreamStore();
  const queue = createMemorySetQueue();
  const counts = { queued: 0, handled: 0, mixes: 0, wrong: 0 };
  const publisher = createEventPublisher({
    streams,
    queue,
    issuer: ISSUER,
    resourceTypes: RESOURCE_TYPES,
  });
  const streamId = `write-${variant.name}`;
  if (variant.streams > 0) await streams.put(pushStream(streamId, receiver.url(streamId)));
  // The publisher's `onEvent` is `publish` without its answer, how many SETs it queued: counted
  // here, so that a slice can wait for what its writes left running, at the cost of one callback.
  const onEvent = (event) =>
    publisher.publish(event).then((added) => {
      counts.queued += added;
      counts.handled += 1;
    });
  const handler = createScimHandler({
    ...storage,
    authenticate: () => ({ principal: 'bench' }),
    ...(variant.publisher && { hooks: { onEvent } }),
    ...(variant.delivery && { delivery: variant.delivery }),
  });
  // A pass ends after `batchSize` SETs; a started deliverer begins the next at once, but ends each
  // pass by waiting for its slowest delivery. Raised, so that a slice's backlog goes out in one pass.
  const deliverer = variant.deliver
    ? createStreamDeliverer({
        streams,
        queue,
        keys: createSigningKeySet({ active: key }),
        options: { batchSize: 1_000_000 },
      })
    : undefined;
  deliverer?.start();
  const delivered = () =>
    deliverer.metrics().reduce((sum, stream) => sum + stream.delivered + stream.dead, 0);
  const waiting = () =>
    (variant.publisher && counts.handled < counts.mixes * recordsPerMix) ||
    (deliverer !== undefined && delivered() < counts.queued);
  return {
    variant,
    counts,
    work: async () => {
      if (!(await mix(handler))) counts.wrong += 1;
    },
    settle: async (count) => {
      counts.mixes += count;
      const deadline = performance.now() + 30_000;
      while (waiting() && performance.now() < deadline)
        await new Promise((resolve) => setImmediate(resolve));
      if (waiting()) throw new Error(`${variant.title}: events still pending 30 s after a slice`);
    },
    async tidy() {
      if (deliverer !== undefined || !(variant.streams > 0)) return;
      for (;;) {
        const now = new Date();
        const leaseUntil = new Date(now.getTime() + 60_000);
        const claimed = await queue.claim(streamId, { limit: 1e9, now, leaseUntil });
        if (claimed.length === 0) return;
        for (const set of claimed) await queue.complete(streamId, set.jti, now);
      }
    },
    async close() {
      await deliverer?.close();
      await handler.close();
    },
  };
}

/**
 * What the publisher does for one mix's records, piece by piece, each timed alone and one at a time:
 * where the cost of recording goes.
 */
export async function publishPieces({ key, receiver, records, rounds, sliceMs }) {
  const streams = createMemoryStreamStore();
  await streams.put(pushStream('pieces', receiver.url('pieces')));
  // Nobody delivers from this queue, and a queue holding more SETs costs more per SET: it starts
  // afresh after about as many as the write variants' queue holds at the end of a slice.
  let memoryQueue = createMemorySetQueue();
  let held = 0;
  const queue = {
    enqueue: (sets) => {
      held += sets.length;
      if (held > 3_000) {
        memoryQueue = createMemorySetQueue();
        held = sets.length;
      }
      return memoryQueue.enqueue(sets);
    },
  };
  const publisher = createEventPublisher({
    streams,
    queue,
    issuer: ISSUER,
    resourceTypes: RESOURCE_TYPES,
  });
  let serial = 0;
  const claims = records.flatMap((record) => claimsOf(record));
  const payloads = claims.map((entry) => JSON.stringify(entry));
  const pieces = {
    'publisher.publish of every record': async () => {
      for (const record of records) await publisher.publish({ ...record, id: crypto.randomUUID() });
    },
    'toSetClaims of every record': async () => {
      for (const record of records) claimsOf(record);
    },
    // The memory queue writes a SET's text when it first hands it out, as it signs it then.
    [`on hand-out, not on the write: JSON.stringify of the ${claims.length} SETs' claims`]:
      async () => {
        for (const entry of claims) JSON.stringify(entry);
      },
    [`queue.enqueue of the ${claims.length} SETs`]: async () => {
      const queuedAt = new Date().toISOString();
      // As the publisher queues them: one subject for the record, a key and a jti per SET.
      const id = `e${(serial += 1)}`;
      await queue.enqueue(
        payloads.map((payload, index) => ({
          streamId: 'pieces',
          key: `${id}:pieces:${index}`,
          subject: ` /Users/${id}`,
          jti: `${id}-${index}`,
          txn: id,
          eventUris: [],
          payload,
          queuedAt,
        })),
      );
    },
    [`on delivery, not on the write: signSet ES256 of the ${claims.length} SETs, one after the other`]:
      async () => {
        for (const entry of claims) await signSet(entry, key);
      },
  };
  const rows = [];
  for (const [name, work] of Object.entries(pieces)) {
    await closedLoop(1, sliceMs, work);
    const runs = [];
    for (let round = 0; round < rounds; round++) runs.push(await closedLoop(1, sliceMs, work));
    rows.push([name, medians(runs)]);
  }
  return rows;
}
