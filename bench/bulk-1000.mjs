// A 1,000-operation POST /Bulk through the full handler: how long it takes, and how much live heap it
// needs compared with the payload limit (sampled after a forced GC every 50 operations, in a second,
// untimed run). Then a 64 MiB body against a 1 MiB limit, which must be refused with 413 after reading
// about 1 MiB. Run after `npm run build`:
//   node --expose-gc bench/bulk-1000.mjs
// It exits 1 if the bulk fails, if the oversized body is not refused, or if either request's peak
// live heap growth exceeds 16 times the payload limit.
import { createScimHandler } from '../packages/server/dist/index.js';
import { createMemoryStore } from '../packages/server/dist/memory.js';

const LIMIT = 1_048_576;
const OPERATIONS = 1_000;
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');

/** Heap plus ArrayBuffers: request bytes live outside the JS heap. */
const liveBytes = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
let peak = 0;
let sampling = false;
let writes = 0;
/** Live heap: collect first, so the peak is what the request holds, not garbage awaiting a GC. */
const sample = () => {
  if (!sampling) return;
  globalThis.gc();
  peak = Math.max(peak, liveBytes());
};
const newHandler = () =>
  createScimHandler({
    stores: { User: createMemoryStore(), Group: createMemoryStore() },
    // Measures the engine alone: no credentials to check.
    authenticate: 'anonymous',
    limits: { bulkMaxOperations: OPERATIONS, bulkMaxPayloadSize: LIMIT },
    hooks: { afterCreate: () => void (++writes % 50 === 0 && sample()) },
  });

function operation(i) {
  return {
    method: 'POST',
    path: '/Users',
    bulkId: `u${i}`,
    data: {
      schemas: [USER, ENTERPRISE],
      userName: `bulk.user.${i}@example.com`,
      name: { givenName: 'Bulk', familyName: `User ${i}`, formatted: `Bulk User ${i}` },
      displayName: `Bulk User ${i}`,
      title: 'Engineer',
      emails: [{ value: `bulk.user.${i}@example.com`, type: 'work', primary: true }],
      phoneNumbers: [{ value: `+1 555 01${String(i).padStart(4, '0')}`, type: 'work' }],
      active: true,
      [ENTERPRISE]: { employeeNumber: String(100000 + i), department: 'Provisioning' },
    },
  };
}

/** A body delivered in 64 KiB chunks, as a socket would, sampling the heap as it is read. */
function streamOf(bytes) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      sample();
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

function request(body) {
  return new Request('https://bench.example/scim/v2/Bulk', {
    method: 'POST',
    headers: { 'content-type': 'application/scim+json' },
    body,
    duplex: 'half',
  });
}

const mib = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
let failed = false;

// 1. A full 1,000-operation bulk just under the payload limit.
const operations = Array.from({ length: OPERATIONS }, (_, i) => operation(i));
let text = JSON.stringify({ schemas: [BULK], Operations: operations });
// Pad each user's title so the body reaches about 95% of the limit, the realistic worst case.
const pad = Math.max(0, Math.floor((LIMIT * 0.95 - text.length) / OPERATIONS));
for (const op of operations) op.data.title = `Engineer ${'x'.repeat(pad)}`;
text = JSON.stringify({ schemas: [BULK], Operations: operations });
const payload = new TextEncoder().encode(text);

// Warm up on another handler, then time a run without sampling.
await (await newHandler().fetch(request(streamOf(payload)))).arrayBuffer();
const started = performance.now();
const response = await newHandler().fetch(request(streamOf(payload)));
const result = await response.json();
const elapsed = performance.now() - started;
const created = result.Operations?.filter((op) => op.status === '201').length ?? 0;

// The memory run: the same request on a fresh handler, sampling live heap as it goes.
let handler = newHandler();
globalThis.gc();
const before = liveBytes();
peak = before;
sampling = true;
await (await handler.fetch(request(streamOf(payload)))).arrayBuffer();
sample();
sampling = false;
const retained = liveBytes() - before;
console.log(
  `bulk: ${OPERATIONS} POSTs in ${payload.byteLength.toLocaleString('en')} bytes (limit ${LIMIT.toLocaleString('en')}): ${response.status}, ${created} created in ${elapsed.toFixed(0)} ms (${((elapsed * 1000) / OPERATIONS).toFixed(0)} µs per operation)`,
);
console.log(
  `  peak live heap growth ${mib(peak - before)} (${((peak - before) / LIMIT).toFixed(1)}x the limit), of which ${mib(retained)} is still held after the request: the 1,000 stored users`,
);
if (response.status !== 200 || created !== OPERATIONS) failed = true;
if (peak - before > 16 * LIMIT) failed = true;

// 2. A 64 MiB body against the 1 MiB limit: refused while reading, without buffering it.
const huge = 64 * 1_048_576;
let delivered = 0;
const chunk = new Uint8Array(65_536).fill(0x20);
handler = newHandler();
globalThis.gc();
const hugeBefore = liveBytes();
peak = hugeBefore;
sampling = true;
const hugeResponse = await handler.fetch(
  request(
    new ReadableStream({
      pull(controller) {
        sample();
        if (delivered >= huge) return controller.close();
        delivered += chunk.byteLength;
        controller.enqueue(chunk.slice());
      },
    }),
  ),
);
const hugeBody = await hugeResponse.json();
sampling = false;
console.log(
  `oversized: a ${mib(huge)} body answered ${hugeResponse.status} (${hugeBody.detail}) after ${mib(delivered)} was read; peak live heap growth ${mib(peak - hugeBefore)}`,
);
if (hugeResponse.status !== 413 || delivered > 2 * LIMIT || peak - hugeBefore > 16 * LIMIT)
  failed = true;

if (failed) {
  console.error('FAIL');
  process.exit(1);
}
