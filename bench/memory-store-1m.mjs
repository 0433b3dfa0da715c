// Loads 1,000,000 users into the memory store through the handler's own validation path and checks
// that a userName filter is answered from the index. Run after `npm run build`:
//   node bench/memory-store-1m.mjs
// It prints the heap used and the lookup time; it fails if the default heap is exceeded.
import {
  UserResourceType,
  USER_SCHEMA_URN,
  validateResource,
  computeETag,
} from '../packages/core/dist/index.js';
import { parseFilter, bindFilter } from '../packages/filter/dist/index.js';
import { createMemoryStore } from '../packages/server/dist/memory.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const store = createMemoryStore();
const context = {
  resourceType: UserResourceType,
  principal: undefined,
  tenant: undefined,
  signal: new AbortController().signal,
};
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  const result = validateResource(
    {
      schemas: [USER_SCHEMA_URN],
      userName: `user${i}@example.com`,
      name: { givenName: 'Given', familyName: `Family${i}` },
      emails: [{ value: `user${i}@example.com`, type: 'work', primary: true }],
      active: true,
    },
    UserResourceType,
    { mode: 'create' },
  );
  if (!result.ok) throw new Error('invalid');
  const id = `id-${i}`;
  const resource = { ...result.value, id };
  await store.create(
    {
      ...resource,
      meta: {
        resourceType: 'User',
        created: '2026-01-01T00:00:00Z',
        lastModified: '2026-01-01T00:00:00Z',
        version: computeETag(resource),
      },
    },
    context,
  );
}
const loaded = performance.now();
globalThis.gc?.();
const heapMiB = process.memoryUsage().heapUsed / 1024 / 1024;
const filter = parseFilter('userName eq "USER777777@example.com"');
const bound = bindFilter(filter, UserResourceType);
const lookups = 100_000;
const t = performance.now();
let found;
for (let i = 0; i < lookups; i++)
  found = await store.query(
    { filter, bound, sort: undefined, startIndex: 1, count: 10, limit: 100_000 },
    context,
  );
const perLookup = (performance.now() - t) / lookups;
console.log(
  `${COUNT} users loaded in ${((loaded - started) / 1000).toFixed(1)} s; heap used ${heapMiB.toFixed(0)} MiB`,
);
console.log(`userName eq lookup: ${(perLookup * 1000).toFixed(1)} µs, found ${found.totalResults}`);
