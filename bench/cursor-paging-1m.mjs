// Walks 1,000,000 users in the memory store with RFC 9865 cursors through the full handler, and shows
// that a page at the end costs what a page at the start does. Run after `npm run build`:
//   node bench/cursor-paging-1m.mjs [users] [pageSize]
// It prints per-page times at the start, middle and end of the walk, compares them with index
// paging (startIndex) at the same depths, times sorted keyset pages, and exits 1 if a page at the end
// of the keyset walk costs more than twice a page at its start. That check re-times the first and
// the last page in alternation after the walk, so that warm-up, GC and load drift fall on both sides.
import { UserResourceType, USER_SCHEMA_URN } from '../packages/core/dist/index.js';
import { createScimHandler } from '../packages/server/dist/index.js';
import { createMemoryStore } from '../packages/server/dist/memory.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const PAGE = Number(process.argv[3] ?? 100);
const BASE = 'https://bench.example/scim/v2';
const users = createMemoryStore();
const context = {
  resourceType: UserResourceType,
  principal: undefined,
  tenant: undefined,
  signal: new AbortController().signal,
};

const loadStarted = performance.now();
for (let i = 0; i < COUNT; i++) {
  // Already-valid resources straight into the store: the walk, not the load, is what is measured.
  await users.create(
    {
      schemas: [USER_SCHEMA_URN],
      id: `id-${String(i).padStart(7, '0')}`,
      userName: `user${(i * 7919) % COUNT}@example.com`,
      name: { givenName: 'Given', familyName: `Family${i}` },
      active: true,
      meta: {
        resourceType: 'User',
        created: '2026-01-01T00:00:00Z',
        lastModified: '2026-01-01T00:00:00Z',
        version: `W/"${i}"`,
      },
    },
    context,
  );
}
console.log(
  `${COUNT.toLocaleString('en')} users loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; page size ${PAGE}`,
);

const handler = createScimHandler({
  stores: { User: users, Group: createMemoryStore() },
  // Measures the engine alone: no credentials to check.
  authenticate: 'anonymous',
  limits: { maxScan: COUNT * 2 },
  pagination: { maxPageSize: PAGE },
});

async function get(query) {
  const response = await handler.fetch(new Request(`${BASE}/Users?${query}`));
  const body = await response.json();
  if (response.status !== 200) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  return body;
}

// The whole keyset walk, timing every page.
const pages = Math.ceil(COUNT / PAGE);
const times = new Float64Array(pages);
let seen = 0;
let cursor = '';
const cursors = [];
const walkStarted = performance.now();
for (let page = 0; ; page++) {
  const t = performance.now();
  const body = await get(`count=${PAGE}&cursor=${cursor}`);
  times[page] = performance.now() - t;
  seen += body.Resources.length;
  if (body.nextCursor === undefined) break;
  cursor = body.nextCursor;
  cursors.push(cursor);
}
const walkSeconds = (performance.now() - walkStarted) / 1000;
if (seen !== COUNT) throw new Error(`walk saw ${seen} users, expected ${COUNT}`);

const median = (values) => {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(sorted.length / 2)];
};
const window = Math.min(200, Math.floor(pages / 3));
const middle = Math.floor(pages / 2 - window / 2);
const start = median(times.subarray(1, window + 1));
const centre = median(times.subarray(middle, middle + window));
const end = median(times.subarray(pages - window, pages));
const ms = (value) => `${value.toFixed(3)} ms`;
console.log(
  `keyset walk: ${pages.toLocaleString('en')} pages in ${walkSeconds.toFixed(1)} s; median page at start ${ms(start)}, middle ${ms(centre)}, end ${ms(end)} (end/start ${(end / start).toFixed(2)})`,
);

// Index paging at the same depths, for comparison: each page is found by counting past the others.
async function timeIndexPage(startIndex, repeats = 5) {
  const samples = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await get(`count=${PAGE}&startIndex=${startIndex}`);
    samples.push(performance.now() - t);
  }
  return median(samples);
}
const indexStart = await timeIndexPage(1);
const indexEnd = await timeIndexPage(COUNT - PAGE + 1);
console.log(
  `index paging: page at start ${ms(indexStart)}, at end ${ms(indexEnd)}; keyset is ${(indexEnd / end).toFixed(0)}x faster at the end`,
);

// Sorted keyset pages: each scans the matches once (O(n)), the same at any depth.
const sortedStart = [];
let sortedBody = await get(`count=${PAGE}&sortBy=userName&cursor=`);
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  sortedBody = await get(`count=${PAGE}&sortBy=userName&cursor=${sortedBody.nextCursor}`);
  sortedStart.push(performance.now() - t);
}
console.log(
  `sortBy=userName keyset pages: ${ms(median(sortedStart))} each (a full scan with a bounded selection)`,
);

// The check: the second page and the last page, timed in alternation many times. The walk's own
// medians above come from one pass each and move with JIT warm-up and collection.
const firstCursor = cursors[0];
const lastCursor = cursors[cursors.length - 1];
const firstSamples = [];
const lastSamples = [];
const rounds = Math.max(21, Math.min(101, Math.floor(3000 / Math.max(1, start))));
for (let round = 0; round < rounds; round++) {
  for (const [target, samples] of round % 2 === 0
    ? [
        [firstCursor, firstSamples],
        [lastCursor, lastSamples],
      ]
    : [
        [lastCursor, lastSamples],
        [firstCursor, firstSamples],
      ]) {
    const t = performance.now();
    await get(`count=${PAGE}&cursor=${target}`);
    samples.push(performance.now() - t);
  }
}
const ratio = median(lastSamples) / median(firstSamples);
console.log(
  `alternating re-timing (${rounds} rounds): second page ${ms(median(firstSamples))}, last page ${ms(median(lastSamples))} (last/second ${ratio.toFixed(2)})`,
);
if (ratio > 2) {
  console.error(`FAIL: a page at the end costs ${ratio.toFixed(2)}x a page at the start`);
  process.exit(1);
}
