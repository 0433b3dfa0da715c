// Fast set-up for the @scim/sql benchmarks: users written straight into the storage's tables with
// multi-row INSERTs, a thousand rows a statement, instead of five statements per user through
// `store.create`. The rows are derived as the store derives them (packages/sql/src/lib/columns.ts),
// and `checkBulkLikeCreate` proves it: the same users written both ways must give identical rows.
import { createHash } from 'node:crypto';
import {
  attributeValueKey,
  caseFold,
  COMMON_ATTRIBUTES,
  isJsonObject,
  parseDateTime,
  UserResourceType,
} from '../../packages/core/dist/index.js';
import { sql } from 'kysely';
import { contextOf, stamped, userBody } from './sql-data.mjs';

/** Rows per INSERT: 12 parameters a row stays under SQLite's 32,766 and PostgreSQL's 65,535. */
const ROWS = 1_000;

const text = (value) => (typeof value === 'string' ? value : null);

function uniqueAttributes(resourceType) {
  const found = [];
  const add = (attributes, urn) => {
    for (const attribute of attributes) {
      if (attribute.uniqueness === 'none' || attribute.multiValued) continue;
      if (attribute.type === 'complex' || attribute.name === 'id') continue;
      found.push({
        attribute,
        urn,
        path: urn === undefined ? attribute.name : `${urn}:${attribute.name}`,
      });
    }
  };
  add([...COMMON_ATTRIBUTES, ...resourceType.schema.attributes], undefined);
  for (const extension of resourceType.schemaExtensions)
    add(extension.schema.attributes, extension.schema.id);
  return found;
}
const UNIQUE = uniqueAttributes(UserResourceType);

/** The resource row, e-mail rows and unique-value rows the store writes for one user. */
function rowsOf(user) {
  const meta = user.meta ?? {};
  const created = parseDateTime(text(meta.created) ?? '') ?? 0;
  const userName = text(user.userName);
  const displayName = text(user.displayName);
  const resource = [
    '',
    'User',
    user.id,
    JSON.stringify(user),
    userName === null ? null : caseFold(userName),
    text(user.externalId),
    displayName,
    displayName === null ? null : caseFold(displayName),
    typeof user.active === 'boolean' ? (user.active ? 1 : 0) : null,
    text(meta.version),
    created,
    parseDateTime(text(meta.lastModified) ?? '') ?? created,
  ];
  const emails = (Array.isArray(user.emails) ? user.emails : [])
    .filter(isJsonObject)
    .map((email) => [
      typeof email.value === 'string' ? caseFold(email.value) : null,
      typeof email.type === 'string' ? caseFold(email.type) : null,
      email.primary === true ? 1 : 0,
    ]);
  const unique = [];
  for (const entry of UNIQUE) {
    const holder = entry.urn === undefined ? user : user[entry.urn];
    if (!isJsonObject(holder)) continue;
    const value = holder[entry.attribute.name];
    if (value === undefined || value === null || value === '') continue;
    const hash = createHash('sha256')
      .update(attributeValueKey(entry.attribute, value))
      .digest('hex');
    unique.push(['', 'User', entry.path, hash, user.id]);
  }
  return { resource, emails, unique };
}

const row = (values) => sql`(${sql.join(values)})`;

/** Writes stamped users in one transaction, their rows as the store would write them. */
export async function insertUsers(db, tablePrefix, users) {
  const t = (name) => sql.table(`${tablePrefix}${name}`);
  await db.transaction().execute(async (transaction) => {
    for (let start = 0; start < users.length; start += ROWS) {
      const slice = users.slice(start, start + ROWS).map(rowsOf);
      const inserted =
        await sql`INSERT INTO ${t('resources')} (tenant, resource_type, id, document, user_name, external_id, display_name, display_name_folded, active, version, created_ms, modified_ms) VALUES ${sql.join(slice.map((rows) => row(rows.resource)))} RETURNING seq, id`.execute(
          transaction,
        );
      const seqOf = new Map(inserted.rows.map((found) => [found.id, Number(found.seq)]));
      const emails = slice.flatMap((rows) =>
        rows.emails.map((email) => row(['', seqOf.get(rows.resource[2]), ...email])),
      );
      for (let from = 0; from < emails.length; from += ROWS)
        await sql`INSERT INTO ${t('emails')} (tenant, resource_seq, value, type, is_primary) VALUES ${sql.join(emails.slice(from, from + ROWS))}`.execute(
          transaction,
        );
      const unique = slice.flatMap((rows) => rows.unique.map(row));
      for (let from = 0; from < unique.length; from += ROWS)
        await sql`INSERT INTO ${t('unique_values')} (tenant, resource_type, attribute, value_hash, resource_id) VALUES ${sql.join(unique.slice(from, from + ROWS))}`.execute(
          transaction,
        );
    }
  });
}

/**
 * Loads users `0` … `total - 1` (user{i}@example.com), `batch` to a transaction; returns their ids.
 * `progress(done)` is called after each transaction.
 */
export async function bulkLoadUsers(db, tablePrefix, { total, batch = 20_000, progress }) {
  const ids = new Array(total);
  for (let start = 0; start < total; start += batch) {
    const users = [];
    for (let index = start; index < Math.min(total, start + batch); index++) {
      const user = stamped(userBody(index), UserResourceType);
      ids[index] = user.id;
      users.push(user);
    }
    await insertUsers(db, tablePrefix, users);
    progress?.(Math.min(total, start + batch));
  }
  return ids;
}

/**
 * Writes the same users once through `insertUsers` and once through `store.create`, and throws
 * unless every column of every row (but the generated `seq`) is the same: the bulk rows must be
 * what the store would have written, and this says so as soon as the store changes.
 */
export async function checkBulkLikeCreate(storage, db, tablePrefix) {
  const t = (name) => sql.table(`${tablePrefix}${name}`);
  const users = [
    stamped(userBody('-check-a'), UserResourceType),
    stamped({ ...userBody('-check-b'), emails: [], active: false }, UserResourceType),
  ];
  const snapshot = async () => {
    const out = [];
    for (const user of users) {
      const resource = (
        await sql`SELECT * FROM ${t('resources')} WHERE id = ${user.id}`.execute(db)
      ).rows[0];
      // Every column but the generated keys, so that a column the store adds is compared too.
      const emails = (
        await sql`SELECT * FROM ${t('emails')} WHERE resource_seq = ${resource.seq}`.execute(db)
      ).rows.map(({ resource_seq: _seq, ...email }) => email);
      const unique =
        await sql`SELECT * FROM ${t('unique_values')} WHERE resource_id = ${user.id}`.execute(db);
      const { seq: _seq, ...columns } = resource;
      out.push(
        JSON.stringify({ columns, emails, unique: unique.rows }, (_, value) =>
          typeof value === 'bigint' ? Number(value) : value,
        ),
      );
    }
    return out;
  };
  const stale = (why) =>
    new Error(
      `bench/lib/sql-bulk.mjs no longer writes what store.create writes (the schema or the store ` +
        `changed): update it, or load with --load create.\n${why}`,
    );
  try {
    await insertUsers(db, tablePrefix, users);
  } catch (error) {
    throw stale(error.message);
  }
  const bulk = await snapshot();
  const context = contextOf(UserResourceType);
  for (const user of users) await storage.stores.User.delete(user.id, context);
  for (const user of users) await storage.stores.User.create(user, context);
  const created = await snapshot();
  for (const user of users) await storage.stores.User.delete(user.id, context);
  for (const [index, line] of bulk.entries())
    if (line !== created[index]) throw stale(`bulk   ${line}\ncreate ${created[index]}`);
}
