// The measurements of bench/sql-store-1m.mjs, one function per target of issue 13: lookups, large
// groups, cursor paging. Each prints its lines and returns its verdicts ({ name, value, target, ok }).
import { GroupResourceType, UserResourceType } from '../../packages/core/dist/index.js';
import { createScimHandler } from '../../packages/server/dist/index.js';
import { CompiledQuery, sql } from 'kysely';
import {
  BASE,
  contextOf,
  count,
  createGroup,
  ms,
  planOf,
  queryOf,
  stats,
  timed,
} from './sql-data.mjs';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The most time one measurement takes: a slow call is timed fewer times, not for minutes. */
const BUDGET_MS = 15_000;

/** A seeded generator, so every engine is asked for the same users. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Prints each statement `call` runs (through the recording instance), its plan and, for reads,
 * its own median time run alone: where a call's time goes.
 */
async function explainCall(run, title, call) {
  run.recorder.take();
  await call(run.recordingStorage);
  // Transaction control (BEGIN IMMEDIATE, COMMIT) has no plan.
  const statements = run.recorder
    .take()
    .filter((statement) => /^\s*(select|insert|update|delete|with)\b/i.test(statement.sql));
  console.log(`    plan of ${title}:`);
  for (const statement of statements) {
    const textOf = statement.sql.replace(/\s+/g, ' ');
    let alone = '';
    if (/^select/i.test(textOf)) {
      const raw = CompiledQuery.raw(statement.sql, [...statement.parameters]);
      const times = await timed(20, () => run.db.executeQuery(raw), 3, 2_000);
      alone = ` [${ms(stats(times).median)} alone]`;
    }
    console.log(`      ${textOf.length > 200 ? `${textOf.slice(0, 197)}...` : textOf}${alone}`);
    for (const line of await planOf(run.db, run.dialect, statement)) console.log(`        ${line}`);
  }
}

const verdict = (name, value, target, unit = 'ms') => ({
  name,
  value,
  target,
  unit,
  ok: value <= target,
});

const line = (label, samples, target) => {
  const { median, p95, count: calls } = stats(samples);
  const mark =
    target === undefined ? '' : `  target < ${ms(target, 0)}: ${median < target ? 'PASS' : 'MISS'}`;
  console.log(
    `  ${label.padEnd(40)} median ${ms(median).padStart(11)}  p95 ${ms(p95).padStart(11)}  (${calls} calls)${mark}`,
  );
  return median;
};

/** `userName eq`, `externalId eq` and `emails[value eq …]` through store.query, as the server asks. */
export async function measureLookups(run, { users, repeats }) {
  const store = run.storage.stores.User;
  const context = contextOf(UserResourceType);
  const lookups = [
    // Case differs from the stored value: userName is caseExact=false, so this must still match.
    ['userName eq', (k) => `userName eq "User${k}@Example.COM"`, 1],
    ['externalId eq', (k) => `externalId eq "ext-${k}"`, 2],
    ['emails[value eq]', (k) => `emails[value eq "user${k}.mail@example.com"]`, 2],
  ];
  const verdicts = [];
  console.log(`lookups (store.query, ${count(repeats)} random users each, in-process):`);
  for (const [name, filterOf, target] of lookups) {
    const next = random(7);
    const queries = Array.from({ length: repeats + 50 }, () => {
      const k = Math.floor(next() * users.length);
      return { k, query: queryOf(filterOf(k)) };
    });
    const times = await timed(
      repeats,
      async (i) => {
        const { k, query } = queries[i % queries.length];
        const found = await store.query(query, context);
        if (found.resources.length !== 1 || found.resources[0].id !== users[k])
          throw new Error(`${name} user ${k}: found ${found.resources.map((r) => r.id)}`);
      },
      50,
      BUDGET_MS,
    );
    verdicts.push(verdict(`${name} median`, line(name, times, target), target));
  }
  for (const [name, filterOf] of lookups)
    await explainCall(run, name, (storage) =>
      storage.stores.User.query(queryOf(filterOf(users.length >> 1)), context),
    );
  return verdicts;
}

/**
 * Runs `a` and `b` alternately (which goes first alternates too) so noise falls on both alike,
 * `repeats` times or until the time budget is spent (at least 10 times).
 */
async function sideBySide(repeats, a, b) {
  const warm = Math.min(50, repeats);
  for (let i = 0; i < warm; i++) {
    await a(i);
    await b(i);
  }
  const ta = [];
  const tb = [];
  const end = performance.now() + BUDGET_MS;
  for (let i = 0; i < repeats && (i < 10 || performance.now() < end); i++) {
    const order = i % 2 === 0 ? [a, b] : [b, a];
    for (const work of order) {
      const started = performance.now();
      await work(i);
      (work === a ? ta : tb).push(performance.now() - started);
    }
  }
  return [ta, tb];
}

/**
 * A `big`-member group against a 10-member group: one member added and removed through
 * `modifyMembers` and through PATCH /Groups, and a member user read through GET /Users/{id}, side
 * by side. A cost that grows with all member rows rather than with the group (a scan of the member
 * table) weighs on both groups alike, so the 10-member group is also timed before the big group
 * exists: after ÷ before shows it.
 */
export async function measureGroups(run, { users, big, repeats, maxRatio }) {
  const { storage } = run;
  const groupContext = contextOf(GroupResourceType);
  const smallId = await createGroup(storage, 'Small', users.slice(big, big + 10));
  const spare = users[users.length - 1];
  let version = 0;
  const change = (add, remove) => ({
    add,
    remove,
    meta: { version: `W/"bench-${++version}"`, lastModified: new Date().toISOString() },
  });
  const modifyContext = { ...groupContext, expectedVersion: undefined };
  const addRemove = (groupId) => async () => {
    const { Group } = storage.stores;
    const added = await Group.modifyMembers(groupId, change([{ value: spare }], []), modifyContext);
    const removed = await Group.modifyMembers(groupId, change([], [spare]), modifyContext);
    if (added.added.length !== 1 || removed.removed.length !== 1)
      throw new Error(`modifyMembers did not add and remove ${spare}`);
  };
  const handler = createScimHandler({ ...storage, authenticate: 'anonymous', baseUrl: BASE });
  const fetchJson = async (method, path, body, expected) => {
    const response = await handler.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await response.text();
    if (!expected.includes(response.status))
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  const patch = (groupId) => async () => {
    const path = `/Groups/${groupId}?excludedAttributes=members`;
    const add = { op: 'add', path: 'members', value: [{ value: spare }] };
    const remove = { op: 'remove', path: `members[value eq "${spare}"]` };
    await fetchJson('PATCH', path, { schemas: [PATCH_OP], Operations: [add] }, [200, 204]);
    await fetchJson('PATCH', path, { schemas: [PATCH_OP], Operations: [remove] }, [200, 204]);
  };
  const read = (userId, groupId) => async () => {
    const user = await fetchJson('GET', `/Users/${userId}`, undefined, [200]);
    if (!user.groups?.some((group) => group.value === groupId))
      throw new Error(`GET /Users/${userId}: groups does not list ${groupId}`);
  };
  const verdicts = [];
  const judge = (title, ratio) => {
    const mark = ratio <= 1.5 ? 'PASS' : 'MISS';
    console.log(`  ${''.padEnd(40)} ${title} ${ratio.toFixed(2)} (target <= 1.5): ${mark}`);
  };
  try {
    const [modifyBefore, readBefore] = await sideBySide(
      repeats,
      addRemove(smallId),
      read(users[big + 5], smallId),
    );
    const started = performance.now();
    const bigId = await createGroup(storage, 'Big', users.slice(0, big));
    const createSeconds = (performance.now() - started) / 1000;
    if (run.dialect === 'postgres') {
      // As after the load: autovacuum analyzes a table this much larger within a minute or so, and
      // without statistics the planner takes the member table for empty.
      for (const table of ['members', 'resources'])
        await sql`VACUUM (ANALYZE) ${sql.table(`${run.tablePrefix}${table}`)}`.execute(run.db);
    }
    console.log(
      `groups: ${count(big)} members (created through store.create in ${createSeconds.toFixed(1)} s` +
        `${run.dialect === 'postgres' ? ', then VACUUM (ANALYZE)' : ''}) against 10 members:`,
    );
    const compare = async (title, a, b, n, before) => {
      const [tb, ts] = await sideBySide(n, a, b);
      const ratio = stats(tb).median / stats(ts).median;
      console.log(`  ${title}:`);
      line(`  ${count(big)}-member group`, tb);
      line('  10-member group', ts);
      if (before !== undefined) line('  10-member group, before the big one', before);
      judge('big/small', ratio);
      verdicts.push(verdict(`${title} big/small`, ratio, maxRatio, 'x'));
      if (before === undefined) return;
      const growth = stats(ts).median / stats(before).median;
      judge('small now/before', growth);
      verdicts.push(verdict(`${title} small now/before`, growth, maxRatio, 'x'));
    };
    await compare(
      'modifyMembers add+remove',
      addRemove(bigId),
      addRemove(smallId),
      repeats,
      modifyBefore,
    );
    await compare('PATCH /Groups add+remove', patch(bigId), patch(smallId), Math.ceil(repeats / 2));
    await compare(
      'GET /Users/{member}',
      read(users[big >> 1], bigId),
      read(users[big + 5], smallId),
      repeats,
      readBefore,
    );
    await explainCall(run, `modifyMembers add on the ${count(big)}-member group`, (recording) =>
      recording.stores.Group.modifyMembers(bigId, change([{ value: spare }], []), modifyContext),
    );
    await storage.stores.Group.modifyMembers(bigId, change([], [spare]), modifyContext);
    await explainCall(run, 'groupsOf for a member of the big group', (recording) =>
      recording.stores.Group.groupsOf([users[big >> 1]], groupContext),
    );
  } finally {
    await handler.close();
  }
  return verdicts;
}

/**
 * RFC 9865 cursor paging through every user with store.query as the server calls it (the first
 * page with an empty cursor, then `after` the previous page's `next`), timing each page; then the
 * first and the last page again, side by side.
 */
export async function measureCursorWalk(run, { users, page, repeats, maxRatio }) {
  const store = run.storage.stores.User;
  const context = contextOf(UserResourceType);
  const pageAt = (cursor) => store.query(queryOf(undefined, { count: page, cursor }), context);
  const times = [];
  let seen = 0;
  let cursor = {};
  let lastCursor = cursor;
  const started = performance.now();
  let shown = started;
  for (;;) {
    const t = performance.now();
    const found = await pageAt(cursor);
    times.push(performance.now() - t);
    seen += found.resources.length;
    if (t - shown > 30_000) {
      shown = t;
      console.log(`  … ${count(seen)} users after ${((t - started) / 1000).toFixed(0)} s`);
    }
    if (found.positions?.next === undefined) break;
    lastCursor = cursor = { after: found.positions.next };
  }
  const seconds = (performance.now() - started) / 1000;
  if (seen !== users.length)
    throw new Error(`cursor walk saw ${seen} users, expected ${users.length}`);
  const window = Math.max(1, Math.min(100, Math.floor(times.length / 3)));
  const start = stats(times.slice(0, window)).median;
  const end = stats(times.slice(-window)).median;
  console.log(
    `cursor paging (store.query, ${page} a page): ${count(times.length)} pages, ${count(seen)} users in ${seconds.toFixed(1)} s; ` +
      `median of the first ${window} pages ${ms(start)}, of the last ${window} ${ms(end)}`,
  );
  const [first, last] = await sideBySide(
    repeats,
    () => pageAt({}),
    () => pageAt(lastCursor),
  );
  const ratio = stats(last).median / stats(first).median;
  line('first page, again', first);
  line('last page, again', last);
  console.log(
    `  ${''.padEnd(40)} last/first ${ratio.toFixed(2)} (target <= 1.5): ${ratio <= 1.5 ? 'PASS' : 'MISS'}`,
  );
  await explainCall(run, 'the first page', (storage) =>
    storage.stores.User.query(queryOf(undefined, { count: page, cursor: {} }), context),
  );
  await explainCall(run, 'the last page', (storage) =>
    storage.stores.User.query(queryOf(undefined, { count: page, cursor: lastCursor }), context),
  );
  return [verdict('cursor last/first page', ratio, maxRatio, 'x')];
}
