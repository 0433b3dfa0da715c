// Filters on a user's `groups` (RFC 7643 §4.1.2) as SQL over the member rows. No resource row holds
// `groups`: the server computes them from group membership, so a term on them is decided in two
// steps. First the ids of the groups the term selects are read (`value` is the group's id and
// `display` its displayName, both compared without case as the schema says), and the nested groups
// below them, one query per level, as "indirect" memberships. Then the user row matches when one of
// its own member rows, found through the member index by the key the store writes for its id, lists
// one of those groups: an index seek per user, so the plan does not hang on what the database knows
// of its tables. `type` tells the groups listing the user ("direct") from the groups above those
// ("indirect"). Every statement names the tenant.
import { caseFold, ScimError } from '@scim/core';
import {
  compileBoundFilter,
  type BoundAttribute,
  type BoundFilterNode,
  type FilterPredicate,
} from '@scim/filter';
import { sql, type RawBuilder } from 'kysely';
import type { SqlDialectName, TableNames } from './dialect.js';
import { storedTextTest } from './filter-sql.js';

/** What the translation of a filter on groups needs besides the filter. */
export interface GroupsScope {
  readonly dialect: SqlDialectName;
  readonly tables: TableNames;
  readonly tenant: string;
  /** The resource type whose member rows make up `groups`; undefined: nobody has groups. */
  readonly groupType: string | undefined;
  /**
   * The ids of the tenant's groups holding a character that takes more than one byte in UTF-8,
   * which the database cannot case-fold as the server does: their `value` terms are decided here and
   * passed in as lists. Read only when a filter compares `groups.value`.
   */
  readonly unusualIds: readonly string[];
  /** How the store keys member values: case-folded, as they are, or otherwise (undefined). */
  readonly keys: 'folded' | 'exact' | undefined;
}

/** Whether a bound attribute is the computed `groups`: the core schema's, not an extension's. */
export function isGroupsAttribute(attribute: BoundAttribute): boolean {
  return (
    attribute.kind === 'attribute' &&
    !attribute.isExtension &&
    attribute.attribute?.name.toLowerCase() === 'groups'
  );
}

/** Calls `visit` with every `groups` attribute a filter names, with its sub-attribute if any. */
function forEachGroupsAttribute(
  node: BoundFilterNode,
  visit: (attribute: BoundAttribute, node: BoundFilterNode) => void,
): void {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const child of node.filters) forEachGroupsAttribute(child, visit);
      return;
    case 'not':
      forEachGroupsAttribute(node.filter, visit);
      return;
    case 'valuePath':
      if (isGroupsAttribute(node.attribute)) visit(node.attribute, node);
      forEachGroupsAttribute(node.filter, visit);
      return;
    default:
      if (isGroupsAttribute(node.attribute)) visit(node.attribute, node);
  }
}

/**
 * How a filter uses `groups`: not at all (undefined), or whether it compares `groups.value` with a
 * string (whose unusual ids must then be read). `groups.$ref` is refused: it is a URL the server
 * makes on the way out, and the server refuses it before any store call.
 */
export function groupsUse(
  node: BoundFilterNode | undefined,
): { comparesValue: boolean } | undefined {
  if (node === undefined) return undefined;
  let names = false;
  let comparesValue = false;
  forEachGroupsAttribute(node, (attribute, term) => {
    names = true;
    const sub = attribute.subAttribute?.name.toLowerCase();
    if (sub === '$ref')
      throw ScimError.invalidFilter("'groups.$ref' cannot be filtered on; filter on groups.value");
    if (sub === 'value' && term.type === 'compare' && typeof term.value === 'string')
      comparesValue = true;
  });
  return names ? { comparesValue } : undefined;
}

/** Whether a node is a term on `groups` (compare, present or value filter) this file translates. */
export function isGroupsTerm(node: BoundFilterNode): boolean {
  return (
    (node.type === 'compare' || node.type === 'present' || node.type === 'valuePath') &&
    isGroupsAttribute(node.attribute)
  );
}

/** A condition, or a constant folded as the condition is built. */
type Condition = RawBuilder<unknown> | boolean;

const TRUE = sql`1=1`;
const FALSE = sql`1=0`;
const render = (condition: Condition): RawBuilder<unknown> =>
  condition === true ? TRUE : condition === false ? FALSE : condition;

function all(parts: readonly Condition[]): Condition {
  if (parts.includes(false)) return false;
  const rest = parts.filter((part): part is RawBuilder<unknown> => part !== true);
  return rest.length === 0 ? true : sql`(${sql.join(rest, sql` AND `)})`;
}

function any(parts: readonly Condition[]): Condition {
  if (parts.includes(true)) return true;
  const rest = parts.filter((part): part is RawBuilder<unknown> => part !== false);
  return rest.length === 0 ? false : sql`(${sql.join(rest, sql` OR `)})`;
}

const negate = (condition: Condition): Condition =>
  typeof condition === 'boolean' ? !condition : sql`NOT (${condition})`;

/** What one term on `groups` asks of the user's groups, before the group ids are read. */
export type TermPlan =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'groups'; readonly negated: boolean; readonly needs: readonly Need[] };

/**
 * One way of belonging, any of which makes the term true: a member of any group, a member
 * directly or through nested groups of the groups selected by a condition on their rows (`reach`),
 * a direct member of them (`direct`), or a member through nested groups only (`indirect`).
 */
export type Need =
  | { readonly kind: 'any' }
  | { readonly kind: 'reach' | 'direct' | 'indirect'; readonly condition: RawBuilder<unknown> };

/**
 * The plan of a term on `groups`, or undefined when part of it cannot be decided in the database
 * (an ordering against a literal no column can hold), which leaves it to the store's evaluator.
 */
export function planTerm(node: BoundFilterNode, scope: GroupsScope): TermPlan | undefined {
  if (scope.groupType === undefined) {
    // Nobody has groups: only "no group has it" holds.
    const negated = node.type === 'compare' && node.value === null && node.operator === 'eq';
    return { kind: 'constant', value: negated };
  }
  if (node.type === 'valuePath') return someGroup(node.filter, false, scope);
  if (node.type === 'present')
    return node.attribute.subAttribute === undefined
      ? { kind: 'groups', negated: false, needs: [{ kind: 'any' }] }
      : someGroup(node, false, scope);
  if (node.type !== 'compare') return undefined;
  if (node.value !== null) return someGroup(node, false, scope);
  // `eq null` is "no group has it", `ne null` "some group has it" (checklist P-FILTER-34); inside
  // the element, `ne null` reads as present.
  return someGroup({ ...node, operator: 'ne' }, node.operator === 'eq', scope);
}

/** "Some group of the user satisfies `element`" (negated: none does). */
function someGroup(
  element: BoundFilterNode,
  negated: boolean,
  scope: GroupsScope,
): TermPlan | undefined {
  const direct = groupCondition(element, 'direct', scope);
  const indirect = groupCondition(element, 'indirect', scope);
  if (direct === undefined || indirect === undefined) return undefined;
  const needs: Need[] = [];
  const add = (kind: 'reach' | 'direct' | 'indirect', condition: Condition) => {
    if (condition === false) return;
    // Any group, directly: a member of any group at all.
    if (condition === true && kind !== 'indirect') needs.push({ kind: 'any' });
    else needs.push({ kind, condition: render(condition) });
  };
  // Without `type`, the two conditions are one: every member, direct or through nesting.
  if (!namesType(element)) add('reach', direct);
  else {
    add('direct', direct);
    add('indirect', indirect);
  }
  return needs.length === 0
    ? { kind: 'constant', value: negated }
    : { kind: 'groups', negated, needs };
}

function namesType(node: BoundFilterNode): boolean {
  let found = false;
  forEachLeaf(node, (leaf) => {
    if (leaf.attribute.subAttribute?.name.toLowerCase() === 'type') found = true;
  });
  return found;
}

type Leaf = Extract<BoundFilterNode, { type: 'compare' | 'present' }>;

function forEachLeaf(node: BoundFilterNode, visit: (leaf: Leaf) => void): void {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const child of node.filters) forEachLeaf(child, visit);
      return;
    case 'not':
      forEachLeaf(node.filter, visit);
      return;
    case 'valuePath':
      return;
    default:
      visit(node);
  }
}

/**
 * What one element of the user's groups must satisfy, as a condition on the group's row `g`, for
 * the groups reached as `type`: `type` terms are constants then, `display` terms read the folded
 * displayName column, `value` terms the group's id.
 */
function groupCondition(
  node: BoundFilterNode,
  type: 'direct' | 'indirect',
  scope: GroupsScope,
): Condition | undefined {
  switch (node.type) {
    case 'and':
    case 'or': {
      const parts = node.filters.map((child) => groupCondition(child, type, scope));
      if (parts.some((part) => part === undefined)) return undefined;
      return node.type === 'and' ? all(parts as Condition[]) : any(parts as Condition[]);
    }
    case 'not': {
      const inner = groupCondition(node.filter, type, scope);
      return inner === undefined ? undefined : negate(inner);
    }
    case 'valuePath':
      return undefined;
    default:
      return leafCondition(node, type, scope);
  }
}

function leafCondition(
  leaf: Leaf,
  type: 'direct' | 'indirect',
  scope: GroupsScope,
): Condition | undefined {
  const sub = leaf.attribute.subAttribute?.name.toLowerCase();
  // Present when not null; inside an element, `eq null` is absent and `ne null` present.
  const presence = leaf.type === 'present' || leaf.value === null;
  const wantsPresent = leaf.type === 'present' || leaf.operator === 'ne';
  switch (sub) {
    case 'type':
      return elementTest(leaf)({ type });
    case 'value': {
      // Every group has an id.
      if (presence) return wantsPresent;
      const literal = leaf.value as string;
      const test = storedTextTest(
        sql`lower(g.id)`,
        leaf.operator,
        caseFold(literal),
        scope.dialect,
      );
      if (test === undefined) return undefined;
      const matches = elementTest(leaf);
      const unusual = scope.unusualIds.filter((id) => matches({ value: id }));
      return any([
        sql`(${singleByte(scope.dialect)} AND ${test})`,
        unusual.length === 0 ? false : sql`g.id IN (${sql.join(unusual)})`,
      ]);
    }
    case 'display': {
      const column = sql.ref('g.display_name_folded');
      if (presence) {
        const present = sql`(${column} IS NOT NULL AND ${column} <> '')`;
        return wantsPresent ? present : sql`NOT ${present}`;
      }
      if (typeof leaf.value !== 'string') return undefined;
      return storedTextTest(column, leaf.operator, caseFold(leaf.value), scope.dialect);
    }
    default:
      return undefined;
  }
}

/** A leaf tested on one element of `groups` by the server's own evaluator. */
function elementTest(leaf: Leaf): (element: Record<string, unknown>) => boolean {
  const attribute = leaf.attribute;
  const name = attribute.attribute?.name ?? 'groups';
  const predicate: FilterPredicate = compileBoundFilter({
    type: 'valuePath',
    attribute: { ...attribute, subAttribute: undefined, implicitValue: false, path: name },
    filter: leaf,
  });
  return (element) => predicate({ [name]: [element] });
}

/** Whether `g.id` holds only characters of one UTF-8 byte, which `lower()` folds as the server does. */
function singleByte(dialect: SqlDialectName): RawBuilder<unknown> {
  switch (dialect) {
    case 'sqlite':
      return sql`length(CAST(g.id AS BLOB)) = length(g.id)`;
    case 'postgres':
      return sql`octet_length(g.id) = char_length(g.id)`;
    case 'mysql':
      return sql`LENGTH(g.id) = CHAR_LENGTH(g.id)`;
  }
}

/** The condition selecting the unusual ids {@link GroupsScope.unusualIds} lists. */
export function unusualIdCondition(dialect: SqlDialectName): RawBuilder<unknown> {
  return sql`NOT (${singleByte(dialect)})`;
}

/** The most group ids (or pairs) a term may name before it is left to the store's evaluator. */
export const MAX_GROUP_IDS = 2_000;

/** The group ids one need selects, as the set query read them. */
export type Resolved =
  | { readonly kind: 'any' }
  | { readonly kind: 'in'; readonly ids: readonly string[] }
  | { readonly kind: 'below'; readonly pairs: readonly (readonly [root: string, gid: string])[] };

/** The statements over the member rows of one tenant's groups. */
export class GroupsSql {
  private readonly members: RawBuilder<unknown>;
  private readonly resources: RawBuilder<unknown>;

  constructor(
    private readonly scope: GroupsScope,
    private readonly groupType: string,
  ) {
    this.members = sql.table(scope.tables.members);
    this.resources = sql.table(scope.tables.resources);
  }

  /** The member value of a member row: the id the member was added with, which names the resource. */
  private value(alias: string): RawBuilder<unknown> {
    const element = sql.ref(`${alias}.element`);
    switch (this.scope.dialect) {
      case 'sqlite':
        return sql`json_extract(${element}, '$.value')`;
      case 'postgres':
        // The ids' collation, so the recursive walk's rows have one type throughout.
        return sql`(CAST(${element} AS json) ->> 'value') COLLATE "C"`;
      case 'mysql':
        return sql`JSON_UNQUOTE(JSON_EXTRACT(${element}, '$.value'))`;
    }
  }

  /** Member rows of the tenant's groups, aliased `alias`. */
  private rows(alias: string): RawBuilder<unknown> {
    return sql`${sql.ref(`${alias}.tenant`)} = ${this.scope.tenant} AND ${sql.ref(`${alias}.resource_type`)} = ${this.groupType}`;
  }

  /** A member row naming a group (nested): typed as the group type, or untyped. */
  private nested(alias: string): RawBuilder<unknown> {
    const type = sql.ref(`${alias}.member_type`);
    return sql`(${type} = ${this.groupType} OR ${type} IS NULL)`;
  }

  /** The ids of the groups whose rows `g` satisfy `condition`, at most {@link MAX_GROUP_IDS} + 1. */
  selected(condition: RawBuilder<unknown>): RawBuilder<{ gid: string }> {
    return sql`SELECT g.id AS gid FROM ${this.resources} g WHERE g.tenant = ${this.scope.tenant} AND g.resource_type = ${this.groupType} AND ${condition} LIMIT ${MAX_GROUP_IDS + 1}`;
  }

  /** The groups listed as members of `parents` (nested groups), one row per edge. */
  children(parents: readonly string[]): RawBuilder<{ parent: string; child: string | null }> {
    return sql`SELECT n.group_id AS parent, ${this.value('n')} AS child FROM ${this.members} n WHERE ${this.rows('n')} AND n.group_id IN (${sql.join(parents)}) AND ${this.nested('n')}`;
  }

  /**
   * The user row `r` is a member by one of `needs`: its own member rows are found through the
   * member index by the key the store writes for its id (an index seek per user, whatever the
   * database knows of its tables), and for an id that key cannot be spelled in SQL for (outside
   * printable ASCII, or holding `"` or `\`), by the member values themselves.
   */
  membership(needs: readonly Resolved[]): RawBuilder<unknown> {
    const parts = needs.map((need) => this.matching(need));
    return sql`(${sql.join(parts, sql` OR `)})`;
  }

  private matching(need: Resolved): RawBuilder<unknown> {
    let rows: RawBuilder<unknown>;
    if (need.kind === 'any') rows = TRUE;
    else if (need.kind === 'in')
      rows = need.ids.length === 0 ? FALSE : sql`m.group_id IN (${sql.join(need.ids)})`;
    else rows = this.below(need.pairs);
    const key = keyOf(this.scope);
    const byKey =
      key === undefined
        ? FALSE
        : sql`EXISTS (SELECT 1 FROM ${this.members} m WHERE ${this.rows('m')} AND m.member_key = ${key} AND ${rows})`;
    const byValue = sql`r.id IN (SELECT ${this.value('m')} FROM ${this.members} m WHERE ${this.rows('m')} AND ${rows} AND ${this.value('m')} IS NOT NULL)`;
    return key === undefined
      ? byValue
      : sql`(${byKey} OR (NOT ${plain(this.scope.dialect)} AND ${byValue}))`;
  }

  /** Member rows `m` of a group below a root that does not list the same member itself. */
  private below(pairs: readonly (readonly [string, string])[]): RawBuilder<unknown> {
    const byRoot = new Map<string, string[]>();
    for (const [root, gid] of pairs) {
      let gids = byRoot.get(root);
      if (gids === undefined) byRoot.set(root, (gids = []));
      gids.push(gid);
    }
    if (byRoot.size === 0) return FALSE;
    const terms = [...byRoot].map(
      ([root, gids]) =>
        sql`(m.group_id IN (${sql.join(gids)}) AND NOT EXISTS (SELECT 1 FROM ${this.members} d WHERE ${this.rows('d')} AND d.group_id = ${root} AND d.member_key = m.member_key))`,
    );
    return sql`(${sql.join(terms, sql` OR `)})`;
  }
}

/**
 * The member key of the user row's id, as the store writes member keys (`attributeValueKey` of the
 * group type's `members.value`: the value as a JSON string, case-folded unless caseExact), for ids
 * of printable ASCII without `"` or `\`, where that is `"` + the id, lower-cased when folded, + `"`.
 * Undefined when the keys are made some other way.
 */
function keyOf(scope: GroupsScope): RawBuilder<unknown> | undefined {
  if (scope.keys === undefined) return undefined;
  const id = scope.keys === 'folded' ? sql`lower(r.id)` : sql`r.id`;
  return scope.dialect === 'mysql' ? sql`CONCAT('"', ${id}, '"')` : sql`('"' || ${id} || '"')`;
}

/** Whether `r.id` is printable ASCII without `"` and `\`: its member key is then {@link keyOf}. */
function plain(dialect: SqlDialectName): RawBuilder<unknown> {
  const backslash = '\\';
  switch (dialect) {
    case 'sqlite':
      return sql`(r.id NOT GLOB '*[^ -~]*' AND instr(r.id, '"') = 0 AND instr(r.id, ${backslash}) = 0)`;
    case 'postgres':
      return sql`(r.id !~ '[^ -~]' AND strpos(r.id, '"') = 0 AND strpos(r.id, ${backslash}) = 0)`;
    case 'mysql':
      return sql`(r.id NOT REGEXP '[^ -~]' AND LOCATE('"', r.id) = 0 AND LOCATE(${backslash}, r.id) = 0)`;
  }
}
