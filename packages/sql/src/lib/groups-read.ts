// What a query filtering on `groups` reads besides the filter's SQL: before the translation, the
// group ids the database cannot case-fold (groups-sql.ts); and when the store evaluates the filter
// itself (a term no column decides), each candidate's groups as a read shows them.
import { attributeValueKey, type ScimResourceType } from '@scim/core';
import type { BoundFilterNode } from '@scim/filter';
import { resolveGroupMemberships, type StoreContext, type StoreQuery } from '@scim/server';
import { sql } from 'kysely';
import { isStorable } from './columns.js';
import type { Translation } from './filter-sql.js';
import {
  GroupsSql,
  groupsUse,
  isGroupsTerm,
  MAX_GROUP_IDS,
  planTerm,
  unusualIdCondition,
  type GroupsScope,
  type Need,
  type Resolved,
} from './groups-sql.js';
import { groupsOf } from './members.js';
import { membersAttributeOf, tenantOf, type Executor, type Shared } from './shared.js';

type Json = Record<string, unknown>;

/**
 * The translation of the query's terms on `groups`, or undefined when its filter names none. Reads
 * first what the terms select: the tenant's group ids that only the server can case-fold (when a
 * term compares `groups.value`), then the ids of the groups each term names. A term naming more
 * than {@link MAX_GROUP_IDS} groups is left to the store's evaluator (inexact).
 */
export async function groupsTerms(
  shared: Shared,
  executor: Executor,
  query: StoreQuery,
  context: StoreContext,
): Promise<((node: BoundFilterNode) => Translation | undefined) | undefined> {
  const use = groupsUse(query.bound);
  if (use === undefined) return undefined;
  const groupType = query.groupType;
  const tenant = tenantOf(context);
  let unusualIds: readonly string[] = [];
  if (use.comparesValue && groupType !== undefined) {
    const found = await sql<{
      id: string;
    }>`SELECT g.id FROM ${sql.table(shared.tables.resources)} g WHERE g.tenant = ${tenant} AND g.resource_type = ${groupType.name} AND ${unusualIdCondition(shared.dialect)}`.execute(
      executor,
    );
    unusualIds = found.rows.map((row) => row.id);
  }
  const scope: GroupsScope = {
    dialect: shared.dialect,
    tables: shared.tables,
    tenant,
    groupType: groupType?.name,
    unusualIds,
    keys: groupType === undefined ? undefined : keysOf(groupType),
  };
  const translations = new Map<BoundFilterNode, Translation>();
  const statements = groupType === undefined ? undefined : new GroupsSql(scope, groupType.name);
  for (const node of groupsTermsOf(query.bound as BoundFilterNode)) {
    const plan = planTerm(node, scope);
    let translation: Translation = INEXACT;
    if (plan?.kind === 'constant')
      translation = { condition: plan.value ? TRUE : FALSE, exact: true };
    else if (plan !== undefined && statements !== undefined) {
      const resolved = await resolve(plan.needs, statements, executor);
      if (resolved !== undefined) {
        const condition = statements.membership(resolved);
        translation = { condition: plan.negated ? sql`NOT ${condition}` : condition, exact: true };
      }
    }
    translations.set(node, translation);
  }
  return (node) => translations.get(node);
}

const TRUE = sql`1=1`;
const FALSE = sql`1=0`;
const INEXACT: Translation = { condition: TRUE, exact: false };

/** The group ids each need selects, or undefined when one selects too many to list. */
async function resolve(
  needs: readonly Need[],
  statements: GroupsSql,
  executor: Executor,
): Promise<Resolved[] | undefined> {
  const resolved: Resolved[] = [];
  for (const need of needs) {
    if (need.kind === 'any') {
      resolved.push(need);
      continue;
    }
    const roots = (await statements.selected(need.condition).execute(executor)).rows.map(
      (row) => row.gid,
    );
    if (roots.length > MAX_GROUP_IDS) return undefined;
    if (need.kind === 'direct') {
      resolved.push({ kind: 'in', ids: roots });
      continue;
    }
    const below = await nesting(roots, statements, executor);
    if (below === undefined) return undefined;
    if (need.kind === 'reach') {
      resolved.push({ kind: 'in', ids: [...below.reached] });
      continue;
    }
    const pairs: (readonly [string, string])[] = [];
    for (const root of roots)
      for (const group of descendants(root, below.edges)) pairs.push([root, group]);
    if (pairs.length > MAX_GROUP_IDS) return undefined;
    resolved.push({ kind: 'below', pairs });
  }
  return resolved;
}

/**
 * The nested groups below `roots`, read level by level (each level one query on the member index by
 * group): every group reached, the roots included, and the edges from each group to the groups it
 * lists. Undefined past {@link MAX_GROUP_IDS} groups. A loop ends where a group was reached before.
 */
async function nesting(
  roots: readonly string[],
  statements: GroupsSql,
  executor: Executor,
): Promise<{ reached: Set<string>; edges: Map<string, string[]> } | undefined> {
  const reached = new Set(roots);
  const edges = new Map<string, string[]>();
  let frontier = [...roots];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (let start = 0; start < frontier.length; start += BATCH) {
      const rows = await statements
        .children(frontier.slice(start, start + BATCH))
        .execute(executor);
      for (const { parent, child } of rows.rows) {
        if (child === null) continue;
        let list = edges.get(parent);
        if (list === undefined) edges.set(parent, (list = []));
        list.push(child);
        if (reached.has(child)) continue;
        reached.add(child);
        next.push(child);
      }
    }
    if (reached.size > MAX_GROUP_IDS) return undefined;
    frontier = next;
  }
  return { reached, edges };
}

/** The groups strictly below `root` (itself too when a loop leads back to it). */
function descendants(root: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set<string>();
  const stack = [...(edges.get(root) ?? [])];
  while (stack.length > 0) {
    const group = stack.pop() as string;
    if (found.has(group)) continue;
    found.add(group);
    stack.push(...(edges.get(group) ?? []));
  }
  return found;
}

/** Ids per statement: well under every dialect's limit on bound parameters. */
const BATCH = 500;

/** The terms on `groups` of a filter, outermost first (a value filter is one term). */
function groupsTermsOf(node: BoundFilterNode): BoundFilterNode[] {
  if (node.type === 'and' || node.type === 'or') return node.filters.flatMap(groupsTermsOf);
  if (node.type === 'not') return groupsTermsOf(node.filter);
  return isGroupsTerm(node) ? [node] : [];
}

/**
 * How the store keys the members of a group type: `attributeValueKey` of its `members.value`,
 * read off a sample (case-folded for the core Group, whose `members.value` is not caseExact).
 */
function keysOf(groupType: ScimResourceType): 'folded' | 'exact' | undefined {
  const value = membersAttributeOf(groupType)?.value;
  if (value === undefined) return undefined;
  const key = attributeValueKey(value, 'Ab');
  return key === '"ab"' ? 'folded' : key === '"Ab"' ? 'exact' : undefined;
}

/**
 * Each member's groups as a read shows them: the groups listing it ("direct"), then level by level
 * the groups listing those ("indirect"); a group reached both ways is direct. One `groupsOf` query
 * per level for the whole batch, as the server computes `groups` for a page of users.
 */
export async function groupsOfMembers(
  shared: Shared,
  executor: Executor,
  ids: readonly string[],
  groupType: ScimResourceType | undefined,
  context: StoreContext,
): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  if (groupType === undefined || ids.length === 0) return out;
  const groupContext: StoreContext = { ...context, resourceType: groupType, attributes: undefined };
  const reached = await resolveGroupMemberships(ids, (asked) =>
    groupsOf(shared, executor, asked.filter(isStorable), groupContext),
  );
  for (const [member, groups] of reached)
    out.set(
      member,
      groups.map(({ id, displayName, type }) =>
        displayName === undefined ? { value: id, type } : { value: id, display: displayName, type },
      ),
    );
  return out;
}
