// Group members as rows: adding or removing one is an insert or a delete, a group's members are read
// in the order they were added, and "which groups list this user" is one indexed query.
import {
  attributeValueKey,
  isJsonObject,
  nextLastModified,
  ScimError,
  type ScimMeta,
  type ScimResource,
} from '@scim/core';
import type {
  MembershipChange,
  MembershipResult,
  StoreAttributes,
  StoreContext,
  StoreMembership,
} from '@scim/server';
import { sql, type RawBuilder } from 'kysely';
import { isStorable } from './columns.js';
import {
  forUpdate,
  membersAttributeOf,
  parseDocument,
  tenantOf,
  toNumber,
  writing,
  type Executor,
  type Shared,
} from './shared.js';

/** Rows per INSERT, ids per IN list: well under every dialect's limit on bound parameters. */
const BATCH = 200;

interface MemberRow {
  readonly key: string;
  readonly value: string;
  readonly type: string | null;
  readonly element: string;
}

/** The member rows of a resource's `members` value (a repeated member is kept once). */
export function memberRowsOf(
  resource: ScimResource,
  context: StoreContext,
): { readonly bare: ScimResource; readonly rows: readonly MemberRow[] } {
  const members = membersAttributeOf(context.resourceType);
  if (members === undefined) return { bare: resource, rows: [] };
  const name = Object.keys(resource).find(
    (key) => key.toLowerCase() === members.attribute.name.toLowerCase(),
  );
  if (name === undefined) return { bare: resource, rows: [] };
  const { [name]: list, ...bare } = resource;
  const rows: MemberRow[] = [];
  const seen = new Set<string>();
  for (const element of Array.isArray(list) ? (list as unknown[]) : []) {
    if (!isJsonObject(element) || typeof element.value !== 'string') continue;
    const key = attributeValueKey(members.value, element.value);
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      key,
      value: element.value,
      type: typeof element.type === 'string' ? element.type : null,
      element: JSON.stringify(element),
    });
  }
  return { bare: bare as ScimResource, rows };
}

export async function insertMembers(
  shared: Shared,
  executor: Executor,
  context: StoreContext,
  groupId: string,
  rows: readonly MemberRow[],
): Promise<void> {
  const tenant = tenantOf(context);
  const resourceType = context.resourceType.name;
  for (let start = 0; start < rows.length; start += BATCH) {
    const values = rows
      .slice(start, start + BATCH)
      .map(
        (row) =>
          sql`(${tenant}, ${resourceType}, ${groupId}, ${row.key}, ${row.type}, ${row.element})`,
      );
    await sql`INSERT INTO ${sql.table(shared.tables.members)} (tenant, resource_type, group_id, member_key, member_type, element) VALUES ${sql.join(values)}`.execute(
      executor,
    );
  }
}

export async function deleteMembers(
  shared: Shared,
  executor: Executor,
  context: StoreContext,
  groupId: string,
): Promise<void> {
  await sql`DELETE FROM ${sql.table(shared.tables.members)} WHERE tenant = ${tenantOf(context)} AND resource_type = ${context.resourceType.name} AND group_id = ${groupId}`.execute(
    executor,
  );
}

/**
 * Whether a read wants the members: unless `attributes` leaves them out. Names compare
 * case-insensitively, bare or URN-qualified; an included sub-attribute names its parent.
 */
export function wantsMembers(context: StoreContext): boolean {
  const members = membersAttributeOf(context.resourceType);
  if (members === undefined) return false;
  const attributes: StoreAttributes | undefined = context.attributes;
  if (attributes === undefined) return true;
  const own = members.attribute.name.toLowerCase();
  const include = attributes.include !== undefined;
  const named = (attributes.include ?? attributes.exclude).some((name) => {
    const path = name.toLowerCase().slice(name.lastIndexOf(':') + 1);
    return path === own || (include && path.startsWith(`${own}.`));
  });
  return include ? named : !named;
}

/** Puts each group's member rows, in the order they were added, into its resource. */
export async function attachMembers(
  shared: Shared,
  executor: Executor,
  context: StoreContext,
  resources: ScimResource[],
): Promise<void> {
  const members = membersAttributeOf(context.resourceType);
  if (members === undefined || resources.length === 0) return;
  const byId = new Map<string, unknown[]>();
  for (let start = 0; start < resources.length; start += BATCH) {
    const ids = resources.slice(start, start + BATCH).map((resource) => resource.id as string);
    const found = await sql<{
      group_id: string;
      element: string;
    }>`SELECT group_id, element FROM ${sql.table(shared.tables.members)} WHERE tenant = ${tenantOf(context)} AND resource_type = ${context.resourceType.name} AND group_id IN (${sql.join(ids)}) ORDER BY seq`.execute(
      executor,
    );
    for (const row of found.rows) {
      let list = byId.get(row.group_id);
      if (list === undefined) byId.set(row.group_id, (list = []));
      list.push(JSON.parse(row.element));
    }
  }
  for (const resource of resources) {
    const list = byId.get(resource.id as string);
    if (list !== undefined) resource[members.attribute.name] = list;
  }
}

/**
 * Takes a shared lock on each resource being added, and refuses one that this transaction saw
 * (the server's existence check read it) and that is gone now. A concurrent DELETE of that user,
 * whose clean-up read this group's members before this add, would otherwise leave a deleted user
 * listed as a member: the delete locks the user's row, so this waits for it
 * and then finds the row gone; an add that took its lock first commits before the delete, which
 * then finds that row, one its listing missed, and is refused so that the server runs it again
 * (`leaveGroups` in store.ts). Values no read of this transaction
 * found are left to the server's own checks: a group's members it kept from before were not checked
 * again, so a PUT of a large group locks only the members it adds. Used by the member PATCH
 * (`modifyMembers`) and by create and replace, which write the member rows whole. SQLite and PGlite
 * run one write transaction at a time and need none of this.
 */
export async function lockNewMembers(
  shared: Shared,
  executor: Executor,
  context: StoreContext,
  added: readonly { readonly value: string; readonly type?: string | null | undefined }[],
): Promise<void> {
  const seen = shared.seen.get(executor);
  if (shared.dialect === 'sqlite' || added.length === 0 || seen === undefined) return;
  const lock = shared.dialect === 'mysql' ? sql` LOCK IN SHARE MODE` : sql` FOR SHARE`;
  // By resource type, so the lookup is one index key per member: a range scan would lock other
  // rows too (the group's, under MySQL's REPEATABLE READ) and deadlock concurrent adds.
  const byType = new Map<string, Set<string>>();
  for (const member of added) {
    if (!seen.has(member.value) || typeof member.type !== 'string') continue;
    let ids = byType.get(member.type);
    if (ids === undefined) byType.set(member.type, (ids = new Set()));
    ids.add(member.value);
  }
  for (const [type, wanted] of byType) {
    const found = await heldIds(shared, executor, tenantOf(context), type, wanted, lock);
    for (const id of wanted)
      if (!found.has(id)) throw ScimError.invalidValue(`Member ${id} does not exist`);
  }
}

/**
 * Which of `ids` the resources table holds for the tenant and type, `BATCH` ids a query, each
 * statement ending with `lock` when given (new members, locked against a concurrent delete).
 */
export async function heldIds(
  shared: Shared,
  executor: Executor,
  tenant: string,
  resourceType: string,
  ids: Iterable<string>,
  lock?: RawBuilder<unknown>,
): Promise<Set<string>> {
  const wanted = [...new Set(ids)];
  const found = new Set<string>();
  for (let start = 0; start < wanted.length; start += BATCH) {
    const rows = await sql<{
      id: string;
    }>`SELECT id FROM ${sql.table(shared.tables.resources)} WHERE tenant = ${tenant} AND resource_type = ${resourceType} AND id IN (${sql.join(wanted.slice(start, start + BATCH))})${lock ?? sql``}`.execute(
      executor,
    );
    for (const row of rows.rows) found.add(row.id);
  }
  return found;
}

/** {@link ScimStore.modifyMembers}: the group's row is locked, then only the named rows change. */
export function modifyMembers(
  shared: Shared,
  id: string,
  change: MembershipChange,
  context: StoreContext & { readonly expectedVersion: string | undefined },
): Promise<MembershipResult | undefined> {
  const members = membersAttributeOf(context.resourceType);
  if (members === undefined)
    throw new TypeError(`${context.resourceType.name} resources have no members`);
  const tenant = tenantOf(context);
  const resourceType = context.resourceType.name;
  const table = sql.table(shared.tables.members);
  return writing(shared, context, async (executor) => {
    await lockNewMembers(shared, executor, context, change.add);
    const group = (
      await sql<{
        seq: unknown;
        document: string;
        version: string | null;
      }>`SELECT seq, document, version FROM ${sql.table(shared.tables.resources)} WHERE tenant = ${tenant} AND resource_type = ${resourceType} AND id = ${id}${forUpdate(shared)}`.execute(
        executor,
      )
    ).rows[0];
    if (group === undefined) return undefined;
    if (context.expectedVersion !== undefined && group.version !== context.expectedVersion)
      throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
    const adds = new Map<string, (typeof change.add)[number]>();
    for (const member of change.add) {
      const key = attributeValueKey(members.value, member.value);
      if (!adds.has(key)) adds.set(key, member);
    }
    const removes = new Map<string, string>();
    // A value no column can hold is no stored member (and would not reach the database intact).
    for (const value of change.remove)
      if (isStorable(value)) removes.set(attributeValueKey(members.value, value), value);
    const keys = [...adds.keys(), ...removes.keys()];
    const present = new Map<string, string>();
    for (let start = 0; start < keys.length; start += BATCH) {
      const found = await sql<{
        member_key: string;
        element: string;
      }>`SELECT member_key, element FROM ${table} WHERE tenant = ${tenant} AND resource_type = ${resourceType} AND group_id = ${id} AND member_key IN (${sql.join(keys.slice(start, start + BATCH))})${forUpdate(shared)}`.execute(
        executor,
      );
      for (const row of found.rows) present.set(row.member_key, row.element);
    }
    const added: string[] = [];
    const rows: MemberRow[] = [];
    for (const [key, member] of adds) {
      if (present.has(key)) continue;
      added.push(member.value);
      rows.push({
        key,
        value: member.value,
        type: member.type ?? null,
        element: JSON.stringify(member),
      });
    }
    const removed: string[] = [];
    const gone: string[] = [];
    for (const [key, value] of removes) {
      const element = present.get(key);
      if (element === undefined) continue;
      const stored = (JSON.parse(element) as { value?: unknown }).value;
      removed.push(typeof stored === 'string' ? stored : value);
      gone.push(key);
    }
    const document = parseDocument(group.document);
    const displayName =
      typeof document.displayName === 'string' ? { displayName: document.displayName } : {};
    if (rows.length === 0 && gone.length === 0)
      return { added, removed, meta: document.meta ?? {}, ...displayName };
    await insertMembers(shared, executor, context, id, rows);
    for (let start = 0; start < gone.length; start += BATCH)
      await sql`DELETE FROM ${table} WHERE tenant = ${tenant} AND resource_type = ${resourceType} AND group_id = ${id} AND member_key IN (${sql.join(gone.slice(start, start + BATCH))})`.execute(
        executor,
      );
    const previous = document.meta as ScimMeta | undefined;
    const meta: ScimMeta = {
      ...previous,
      // Never back in time, whichever instance's clock wrote the group before.
      lastModified: nextLastModified(change.meta.lastModified, previous?.lastModified),
    };
    if (change.meta.version === undefined) delete meta.version;
    else meta.version = change.meta.version;
    document.meta = meta;
    await sql`UPDATE ${sql.table(shared.tables.resources)} SET document = ${JSON.stringify(document)}, version = ${meta.version ?? null}, modified_ms = ${Date.parse(meta.lastModified ?? '') || 0} WHERE tenant = ${tenant} AND seq = ${toNumber(group.seq)}`.execute(
      executor,
    );
    return { added, removed, meta, ...displayName };
  });
}

/** {@link ScimStore.groupsOf}: the member rows joined to their groups' names, in group order. */
export async function groupsOf(
  shared: Shared,
  executor: Executor,
  memberIds: readonly string[],
  context: StoreContext,
): Promise<readonly StoreMembership[]> {
  const members = membersAttributeOf(context.resourceType);
  if (members === undefined)
    throw new TypeError(`${context.resourceType.name} resources have no members`);
  const asked = new Map<string, string>();
  for (const id of memberIds) {
    const key = attributeValueKey(members.value, id);
    if (!asked.has(key)) asked.set(key, id);
  }
  if (asked.size === 0) return [];
  const order = [...asked.keys()];
  // Noted before reading: a DELETE's transaction lists the resource's groups, then deletes it, and
  // refuses to finish while rows it did not list remain (store.ts).
  const listed = shared.listed.get(executor);
  if (listed !== undefined)
    for (const key of order) listed.add(listingKey(context.resourceType.name, key));
  const rank = new Map(order.map((key, index) => [key, index]));
  const rows: { seq: number; rank: number; row: StoreMembership }[] = [];
  for (let start = 0; start < order.length; start += BATCH) {
    const found = await sql<{
      group_id: string;
      member_key: string;
      display_name: string | null;
      seq: unknown;
    }>`SELECT m.group_id, m.member_key, r.display_name, r.seq FROM ${sql.table(shared.tables.members)} m JOIN ${sql.table(shared.tables.resources)} r ON r.tenant = m.tenant AND r.resource_type = m.resource_type AND r.id = m.group_id WHERE m.tenant = ${tenantOf(context)} AND m.resource_type = ${context.resourceType.name} AND m.member_key IN (${sql.join(order.slice(start, start + BATCH))})`.execute(
      executor,
    );
    for (const row of found.rows) {
      const member = asked.get(row.member_key) as string;
      rows.push({
        seq: toNumber(row.seq),
        rank: rank.get(row.member_key) ?? 0,
        row:
          row.display_name === null
            ? { group: row.group_id, member }
            : { group: row.group_id, displayName: row.display_name, member },
      });
    }
  }
  return rows.sort((a, b) => a.seq - b.seq || a.rank - b.rank).map(({ row }) => row);
}

/** How `Shared.listed` names the groups of one type that one member belongs to. */
export function listingKey(groupType: string, memberKey: string): string {
  // A type name and a member key never hold U+0000 (isStorable refuses it in ids).
  return `${groupType}\u0000${memberKey}`;
}
