// What the @scim/sql benchmarks load and how they time it. Users are made as the server makes them
// (validated, then stamped with meta as its write pipeline stamps it) and written through the
// store's own `create` (`loadUsers`) or in bulk (lib/sql-bulk.mjs); `checkLoadedLikePost` compares
// a loaded user's rows with those a real POST /Users leaves. Also: timing helpers, and a Kysely
// plugin that records the statements a store call runs, so that their plans can be printed.
import { randomUUID } from 'node:crypto';
import {
  createMeta,
  GroupResourceType,
  UserResourceType,
  USER_SCHEMA_URN,
  validateResource,
} from '../../packages/core/dist/index.js';
import { bindFilter, parseFilter } from '../../packages/filter/dist/index.js';
import { createScimHandler } from '../../packages/server/dist/index.js';
import { CompiledQuery, sql } from 'kysely';

export const BASE = 'https://bench.example/scim/v2';
export const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A store context as the server builds it for a request of the default tenant. */
export function contextOf(resourceType, extra = {}) {
  return {
    resourceType,
    principal: undefined,
    tenant: undefined,
    signal: new AbortController().signal,
    ...extra,
  };
}

const versionPrefix = randomUUID().replace(/-/g, '').slice(0, 10);
let versionCounter = 0;
/** A version as the server's default ETags make them. */
const newVersion = () => `W/"${versionPrefix}${(++versionCounter).toString(36)}"`;

/** The request body of user `index`: what an identity provider sends. */
export function userBody(index) {
  return {
    schemas: [USER_SCHEMA_URN],
    userName: `user${index}@example.com`,
    externalId: `ext-${index}`,
    name: { givenName: `Given${index}`, familyName: 'Bench' },
    displayName: `Given${index} Bench`,
    emails: [{ value: `user${index}.mail@example.com`, type: 'work', primary: true }],
    title: 'Engineer',
    active: true,
  };
}

/** A resource as the server's create hands it to the store: validated, with id and meta. */
export function stamped(body, resourceType) {
  const result = validateResource(body, resourceType, { mode: 'create' });
  if (!result.ok) throw new Error(`invalid ${resourceType.name}: ${JSON.stringify(result.issues)}`);
  const id = randomUUID();
  const now = new Date().toISOString();
  const { meta: _meta, ...data } = { ...result.value, id };
  return {
    ...data,
    schemas: data.schemas,
    meta: createMeta({
      resourceType: resourceType.name,
      created: now,
      lastModified: now,
      location: `${BASE}${resourceType.endpoint}/${id}`,
      version: newVersion(),
    }),
  };
}

/**
 * Writes users `0` … `to - 1` through `store.create`, `batch` to a transaction, and returns their
 * ids: the slow way to load, every row written by the store itself.
 */
export async function loadUsers(storage, { to, batch = 5_000, progress }) {
  const store = storage.stores.User;
  const ids = new Array(to);
  for (let start = 0; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    await storage.transaction(async (transaction) => {
      const context = contextOf(UserResourceType, { transaction });
      for (let index = start; index < end; index++) {
        const user = stamped(userBody(index), UserResourceType);
        await store.create(user, context);
        ids[index] = user.id;
      }
    });
    progress?.(end);
  }
  return ids;
}

/** A group with the given members, created through the store as the server would. */
export async function createGroup(storage, displayName, memberIds) {
  const group = stamped(
    {
      schemas: [GROUP_SCHEMA_URN],
      displayName,
      members: memberIds.map((value) => ({ value, type: 'User' })),
    },
    GroupResourceType,
  );
  await storage.stores.Group.create(group, contextOf(GroupResourceType));
  return group.id;
}

/** A bound filter and the store query the server makes of it (no sort, first page, its limits). */
export function queryOf(text, { count = 1_000, cursor } = {}) {
  const filter = text === undefined ? undefined : parseFilter(text);
  return {
    filter,
    bound: filter === undefined ? undefined : bindFilter(filter, UserResourceType),
    sort: undefined,
    startIndex: 1,
    count,
    limit: 100_000,
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** Sorted copy, median and 95th percentile of a list of milliseconds. */
export function stats(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { median: at(0.5), p95: at(0.95), count: sorted.length };
}

/**
 * Runs `work(i)` up to `repeats` times after `warmup` untimed runs, and stops early once `budgetMs`
 * has passed (a call far over its target need not be timed a thousand times); returns the times.
 */
export async function timed(repeats, work, warmup = Math.min(50, repeats), budgetMs = Infinity) {
  const started = performance.now();
  for (let i = 0; i < warmup && performance.now() - started < budgetMs / 10; i++) await work(i);
  const times = [];
  const end = performance.now() + budgetMs;
  for (let i = 0; i < repeats; i++) {
    const before = performance.now();
    await work(i);
    const after = performance.now();
    times.push(after - before);
    if (after > end && times.length >= 10) break;
  }
  return times;
}

export const ms = (value, digits = 3) => `${value.toFixed(digits)} ms`;
export const count = (value) => value.toLocaleString('en');

/**
 * A Kysely plugin that keeps every statement run through the instance it is attached to, so the
 * benchmark can show the plan of exactly what the store ran.
 */
export function statementRecorder(db) {
  const nodes = [];
  const plugin = {
    transformQuery({ node, queryId }) {
      nodes.push({ node, queryId });
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return {
    db: db.withPlugin(plugin),
    take() {
      const compiled = nodes.map(({ node, queryId }) =>
        db.getExecutor().compileQuery(node, queryId),
      );
      nodes.length = 0;
      return compiled;
    },
  };
}

/** The database's plan of a compiled statement, one line per step. */
export async function planOf(db, dialect, compiled) {
  const prefix = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
  const result = await db.executeQuery(
    CompiledQuery.raw(`${prefix}${compiled.sql}`, [...compiled.parameters]),
  );
  if (dialect !== 'sqlite') return result.rows.map((row) => row['QUERY PLAN']);
  // SQLite's rows are (id, parent, notused, detail): indent each step under its parent.
  const depth = new Map([[0, -1]]);
  return result.rows.map((row) => {
    const level = (depth.get(row.parent) ?? -1) + 1;
    depth.set(row.id, level);
    return `${'  '.repeat(level)}${row.detail}`;
  });
}

/**
 * Checks that a user written by `loadUsers` is stored as a POST /Users through the handler stores
 * one: the same columns set, the same document keys, the same side rows. Throws on a difference.
 */
export async function checkLoadedLikePost(storage, db, tablePrefix, loadedId) {
  const handler = createScimHandler({ ...storage, authenticate: 'anonymous', baseUrl: BASE });
  const response = await handler.fetch(
    new Request(`${BASE}/Users`, {
      method: 'POST',
      headers: { 'content-type': 'application/scim+json' },
      body: JSON.stringify(userBody('-posted')),
    }),
  );
  if (response.status !== 201) throw new Error(`POST /Users: ${response.status}`);
  const posted = (await response.json()).id;
  // The handler polls the outbox on a timer: stop it before the database closes.
  await handler.close();
  const t = (name) => sql.table(`${tablePrefix}${name}`);
  const shape = async (id) => {
    const row = (
      await sql`SELECT * FROM ${t('resources')} WHERE resource_type = 'User' AND id = ${id}`.execute(
        db,
      )
    ).rows[0];
    const emails = await sql`SELECT * FROM ${t('emails')} WHERE resource_seq = ${row.seq}`.execute(
      db,
    );
    const unique =
      await sql`SELECT attribute FROM ${t('unique_values')} WHERE resource_id = ${id}`.execute(db);
    const document = JSON.parse(row.document);
    return JSON.stringify({
      columns: Object.keys(row).filter((key) => row[key] !== null),
      document: Object.keys(document).sort(),
      meta: Object.keys(document.meta).sort(),
      emails: emails.rows.map((email) => Object.keys(email).filter((key) => email[key] !== null)),
      unique: unique.rows.map((entry) => entry.attribute).sort(),
    });
  };
  const [loaded, viaPost] = [await shape(loadedId), await shape(posted)];
  await storage.stores.User.delete(posted, contextOf(UserResourceType));
  if (loaded !== viaPost)
    throw new Error(`loaded rows differ from a POST's:\n  loaded ${loaded}\n  posted ${viaPost}`);
}
