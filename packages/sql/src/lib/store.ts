// One resource type's store over the SQL tables: a row per resource (its JSON document beside the
// normalised lookup columns), its e-mail, unique-value and member rows written in the same
// transaction, versions compared and set in one statement.
import { attributeValueKey, ScimError, uniqueAttributesOf, type ScimResource } from '@scim/core';
import { compileBoundFilter } from '@scim/filter';
import type { ScimStore, StoreContext, StoreQuery, StoreQueryResult } from '@scim/server';
import { sql, type RawBuilder } from 'kysely';
import { emailRowsOf, isStorable, rowOf, uniqueRowsOf } from './columns.js';
import { isUniqueViolation } from './dialect.js';
import { translateFilter, type Translation } from './filter-sql.js';
import { groupsOfMembers, groupsTerms } from './groups-read.js';
import {
  attachMembers,
  deleteMembers,
  groupsOf,
  heldIds,
  insertMembers,
  listingKey,
  lockNewMembers,
  memberRowsOf,
  modifyMembers,
  wantsMembers,
} from './members.js';
import { sortColumnOf, keysetPage, offsetPage } from './paging.js';
import {
  forUpdate,
  handleOf,
  parseDocument,
  tenantOf,
  toNumber,
  writing,
  type Executor,
  type Shared,
} from './shared.js';

type WriteContext = StoreContext & { readonly expectedVersion: string | undefined };

/** The store of every resource type the storage keeps (the context names the type). */
export function createSqlStore(shared: Shared): Required<ScimStore> {
  const resources = sql.table(shared.tables.resources);
  const reader = (context: StoreContext): Executor => handleOf(shared, context) ?? shared.db;
  const where = (context: StoreContext) =>
    sql`tenant = ${tenantOf(context)} AND resource_type = ${context.resourceType.name}`;

  const load = async (
    executor: Executor,
    rows: readonly { readonly document: string }[],
    context: StoreContext,
  ): Promise<ScimResource[]> => {
    const found = rows.map((row) => parseDocument(row.document) as ScimResource);
    if (wantsMembers(context)) await attachMembers(shared, executor, context, found);
    return found;
  };

  /** Refuses a value another resource holds, before writing, so a refusal leaves no trace. */
  const checkUnique = async (executor: Executor, resource: ScimResource, context: StoreContext) => {
    const rows = uniqueRowsOf(resource, uniqueAttributesOf(context.resourceType));
    for (const row of rows) {
      const holder = (
        await sql<{
          resource_id: string;
        }>`SELECT resource_id FROM ${sql.table(shared.tables.unique)} WHERE ${where(context)} AND attribute = ${row.attribute} AND value_hash = ${row.value_hash}`.execute(
          executor,
        )
      ).rows[0];
      if (holder !== undefined && holder.resource_id !== resource.id)
        throw ScimError.uniqueness(`${row.attribute} is already in use`);
    }
    return rows;
  };

  /** Writes the rows beside a resource row: e-mails, unique values, members. */
  const writeSideRows = async (
    executor: Executor,
    seq: number,
    resource: ScimResource,
    unique: readonly { readonly attribute: string; readonly value_hash: string }[],
    members: Parameters<typeof insertMembers>[4],
    context: StoreContext,
  ) => {
    const emails = emailRowsOf(resource);
    if (emails.length > 0)
      await sql`INSERT INTO ${sql.table(shared.tables.emails)} (tenant, resource_seq, value, type, is_primary) VALUES ${sql.join(
        emails.map(
          (email) =>
            sql`(${tenantOf(context)}, ${seq}, ${email.value}, ${email.type}, ${email.is_primary})`,
        ),
      )}`.execute(executor);
    for (const row of unique) {
      try {
        await sql`INSERT INTO ${sql.table(shared.tables.unique)} (tenant, resource_type, attribute, value_hash, resource_id) VALUES (${tenantOf(context)}, ${context.resourceType.name}, ${row.attribute}, ${row.value_hash}, ${resource.id})`.execute(
          executor,
        );
      } catch (error) {
        // A concurrent write took the value between the check and this insert.
        if (isUniqueViolation(error))
          throw ScimError.uniqueness(`${row.attribute} is already in use`);
        throw error;
      }
    }
    // As a member PATCH does: a member a concurrent DELETE removes is refused, not left dangling.
    await lockNewMembers(shared, executor, context, members);
    await insertMembers(shared, executor, context, resource.id as string, members);
  };

  const deleteSideRows = async (
    executor: Executor,
    seq: number,
    id: string,
    context: StoreContext,
  ) => {
    await sql`DELETE FROM ${sql.table(shared.tables.emails)} WHERE tenant = ${tenantOf(context)} AND resource_seq = ${seq}`.execute(
      executor,
    );
    await sql`DELETE FROM ${sql.table(shared.tables.unique)} WHERE ${where(context)} AND resource_id = ${id}`.execute(
      executor,
    );
    await deleteMembers(shared, executor, context, id);
  };

  /**
   * Under the lock of the resource being deleted, so no new member row of it can commit: the server
   * removed it from the groups it listed in this transaction, each group with a new version and an
   * event. A row of such a group type that is still there, in a group that exists, was added by a
   * writer that took the member's lock first and committed after the listing. Removed here it would
   * leave the group's version as it was and no event saying so, so the delete is refused as a write
   * conflict (412) and the server runs it again from the start, listing that group too. Then every
   * member row of the resource goes: rows of a type this transaction never listed (a caller other
   * than the server, a second group type), and rows of a group that no longer exists, which no
   * listing finds (the tables have no foreign keys) and which must not block the delete.
   */
  const leaveGroups = async (executor: Executor, id: string, context: StoreContext) => {
    const listed = shared.listed.get(executor);
    const members = sql.table(shared.tables.members);
    const tenant = tenantOf(context);
    // Under MySQL's REPEATABLE READ a plain read sees the transaction's snapshot, not the late row;
    // under PostgreSQL's READ COMMITTED each statement sees what has committed (a serializable
    // database aborts the transaction instead, and it is run again).
    const latest = shared.dialect === 'mysql' ? sql` LOCK IN SHARE MODE` : undefined;
    for (const type of shared.memberTypes) {
      const memberKey = attributeValueKey(type.value, id);
      if (listed?.has(listingKey(type.name, memberKey)) !== true) continue;
      const left = await sql<{
        group_id: string;
      }>`SELECT group_id FROM ${members} WHERE tenant = ${tenant} AND resource_type = ${type.name} AND member_key = ${memberKey}${latest ?? sql``}`.execute(
        executor,
      );
      // A group listed among its own members is the resource being deleted: it goes below.
      const groups = left.rows
        .map((row) => row.group_id)
        .filter((group) => group !== id || type.name !== context.resourceType.name);
      if (groups.length === 0) continue;
      // A plain read first: most often it finds the group, and the delete is refused without
      // waiting on the group's row, which a writer of that group may hold while it waits for
      // this member's row (a deadlock on MySQL). Only a group it does not find (one made after
      // this transaction's snapshot, or none: an orphaned row) is read again with a lock.
      let [group] = await heldIds(shared, executor, tenant, type.name, groups);
      if (group === undefined && latest !== undefined)
        [group] = await heldIds(shared, executor, tenant, type.name, groups, latest);
      if (group !== undefined)
        throw ScimError.preconditionFailed(
          `${context.resourceType.name} ${id} joined ${type.name} ${group} while being deleted`,
        );
    }
    for (const type of shared.memberTypes)
      await sql`DELETE FROM ${members} WHERE tenant = ${tenant} AND resource_type = ${type.name} AND member_key = ${attributeValueKey(type.value, id)}`.execute(
        executor,
      );
  };

  return {
    async get(id, context) {
      // An id no column can hold (U+0000, an unpaired surrogate) names no stored resource.
      if (!isStorable(id)) return undefined;
      const executor = reader(context);
      const found = await sql<{
        document: string;
      }>`SELECT document FROM ${resources} WHERE ${where(context)} AND id = ${id}`.execute(
        executor,
      );
      if (found.rows.length === 0) return undefined;
      // Remembered for the transaction: a member add of this id must still find it (members.ts).
      shared.seen.get(executor)?.add(id);
      return (await load(executor, found.rows, context))[0];
    },

    async existing(ids, context) {
      const executor = reader(context);
      const found = await heldIds(
        shared,
        executor,
        tenantOf(context),
        context.resourceType.name,
        ids.filter(isStorable),
      );
      // As `get` does: a member add of these ids must still find them (lockNewMembers).
      const seen = shared.seen.get(executor);
      if (seen !== undefined) for (const id of found) seen.add(id);
      return found;
    },

    async query(query, context) {
      return runQuery(query, context);
    },

    create: (resource, context) =>
      writing(shared, context, async (executor) => {
        const id = resource.id as string;
        const exists =
          await sql`SELECT 1 AS one FROM ${resources} WHERE ${where(context)} AND id = ${id}`.execute(
            executor,
          );
        if (exists.rows.length > 0) throw ScimError.uniqueness(`id '${id}' is already in use`);
        const unique = await checkUnique(executor, resource, context);
        const { bare, rows: members } = memberRowsOf(resource, context);
        const row = rowOf(resource);
        const insert = sql`INSERT INTO ${resources} (tenant, resource_type, id, document, user_name, external_id, display_name, display_name_folded, active, version, created_ms, modified_ms) VALUES (${tenantOf(context)}, ${context.resourceType.name}, ${id}, ${JSON.stringify(bare)}, ${row.user_name}, ${row.external_id}, ${row.display_name}, ${row.display_name_folded}, ${row.active}, ${row.version}, ${row.created_ms}, ${row.modified_ms})`;
        let seq: number;
        try {
          if (shared.dialect === 'mysql') {
            const result = await insert.execute(executor);
            seq = toNumber(result.insertId);
          } else {
            const result = await sql<{ seq: unknown }>`${insert} RETURNING seq`.execute(executor);
            seq = toNumber(result.rows[0]?.seq);
          }
        } catch (error) {
          if (isUniqueViolation(error)) throw ScimError.uniqueness(`id '${id}' is already in use`);
          throw error;
        }
        await writeSideRows(executor, seq, resource, unique, members, context);
        return resource;
      }),

    replace: (resource, context: WriteContext) =>
      writing(shared, context, async (executor) => {
        const id = resource.id as string;
        if (!isStorable(id)) throw ScimError.notFound(`Resource ${id} not found`);
        const existing = (
          await sql<{
            seq: unknown;
            version: string | null;
          }>`SELECT seq, version FROM ${resources} WHERE ${where(context)} AND id = ${id}${forUpdate(shared)}`.execute(
            executor,
          )
        ).rows[0];
        if (existing === undefined) throw ScimError.notFound(`Resource ${id} not found`);
        if (context.expectedVersion !== undefined && existing.version !== context.expectedVersion)
          throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
        const seq = toNumber(existing.seq);
        const unique = await checkUnique(executor, resource, context);
        const { bare, rows: members } = memberRowsOf(resource, context);
        const row = rowOf(resource);
        // Compare-and-set: the version read above must still be the stored one.
        const updated =
          await sql`UPDATE ${resources} SET document = ${JSON.stringify(bare)}, user_name = ${row.user_name}, external_id = ${row.external_id}, display_name = ${row.display_name}, display_name_folded = ${row.display_name_folded}, active = ${row.active}, version = ${row.version}, created_ms = ${row.created_ms}, modified_ms = ${row.modified_ms} WHERE tenant = ${tenantOf(context)} AND seq = ${seq} AND ${existing.version === null ? sql`version IS NULL` : sql`version = ${existing.version}`}`.execute(
            executor,
          );
        if (Number(updated.numAffectedRows ?? 1n) === 0)
          throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
        await deleteSideRows(executor, seq, id, context);
        await writeSideRows(executor, seq, resource, unique, members, context);
        return resource;
      }),

    delete: (id, context) =>
      writing(shared, context, async (executor) => {
        if (!isStorable(id)) return false;
        const existing = (
          await sql<{
            seq: unknown;
            version: string | null;
          }>`SELECT seq, version FROM ${resources} WHERE ${where(context)} AND id = ${id}${forUpdate(shared)}`.execute(
            executor,
          )
        ).rows[0];
        if (existing === undefined) return false;
        // Checked under the row lock: the server's read, which If-Match was checked against, was not.
        if (context.expectedVersion !== undefined && existing.version !== context.expectedVersion)
          throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
        await leaveGroups(executor, id, context);
        const seq = toNumber(existing.seq);
        await sql`DELETE FROM ${resources} WHERE tenant = ${tenantOf(context)} AND seq = ${seq}`.execute(
          executor,
        );
        await deleteSideRows(executor, seq, id, context);
        return true;
      }),

    modifyMembers: (id, change, context) =>
      isStorable(id) ? modifyMembers(shared, id, change, context) : Promise.resolve(undefined),

    groupsOf: (memberIds, context) =>
      groupsOf(shared, reader(context), memberIds.filter(isStorable), context),

    // Filters on `groups` read the member rows of the query's groupType (groups-sql.ts).
    filtersGroups: true,
  };

  async function runQuery(query: StoreQuery, context: StoreContext): Promise<StoreQueryResult> {
    const executor = reader(context);
    // Terms on a user's computed groups read the member rows (groups-sql.ts).
    const terms = await groupsTerms(shared, executor, query, context);
    const translation: Translation =
      query.bound === undefined
        ? { condition: sql`1=1`, exact: true }
        : translateFilter(query.bound, {
            dialect: shared.dialect,
            tables: shared.tables,
            tenant: tenantOf(context),
            resourceType: context.resourceType.name,
            terms,
          });
    const condition: RawBuilder<unknown> = sql`r.tenant = ${tenantOf(context)} AND r.resource_type = ${context.resourceType.name} AND ${translation.condition}`;
    const sort = query.sort === undefined ? undefined : sortColumnOf(query.sort);
    const read = (rows: readonly { readonly document: string }[]) => load(executor, rows, context);
    if (translation.exact && sort !== null) {
      if (query.cursor !== undefined && sort === undefined)
        return keysetPage(shared, executor, condition, query, read);
      return offsetPage(shared, executor, condition, sort, query, read);
    }
    // The database narrows; the filter is decided here, over at most `scanLimit` candidates.
    const matches =
      translation.exact || query.bound === undefined ? undefined : compileBoundFilter(query.bound);
    const found: ScimResource[] = [];
    let scanned = 0;
    let after = 0;
    for (;;) {
      const batch = await sql<{
        seq: unknown;
        document: string;
      }>`SELECT r.seq, r.document FROM ${resources} r WHERE ${condition} AND r.seq > ${after} ORDER BY r.seq LIMIT 500`.execute(
        executor,
      );
      if (batch.rows.length === 0) break;
      after = toNumber(batch.rows[batch.rows.length - 1]?.seq);
      scanned += batch.rows.length;
      // Members are read only when the filter needs them or the answer shows them.
      const candidates = await read(batch.rows);
      // A filter on groups is tested with each candidate's groups, as a read shows them.
      const groups =
        terms === undefined || matches === undefined
          ? undefined
          : await groupsOfMembers(
              shared,
              executor,
              candidates.map((resource) => resource.id as string),
              query.groupType,
              context,
            );
      for (const resource of candidates) {
        if (
          matches !== undefined &&
          !matches(
            groups === undefined
              ? resource
              : { ...resource, groups: groups.get(resource.id as string) ?? [] },
          )
        )
          continue;
        if (found.length >= query.limit)
          return {
            resources: [],
            applied: { filter: true, sort: false, page: false },
            truncated: true,
          };
        found.push(resource);
      }
      if (scanned >= shared.scanLimit && batch.rows.length === 500)
        return {
          resources: [],
          applied: { filter: true, sort: false, page: false },
          truncated: true,
        };
    }
    return { resources: found, applied: { filter: true, sort: false, page: false } };
  }
}
