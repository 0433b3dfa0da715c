// A bound SCIM filter as a parameterised SQL condition. A term becomes SQL when the database can
// decide it exactly as the server's evaluator would: on the normalised columns (folded the same
// way), the e-mail rows and the member rows. Any other term becomes TRUE and marks the translation
// inexact: the store then takes the narrowed candidates and evaluates the whole filter itself.
// Values always travel as parameters; names come from this file's own tables, never from the filter.
import { attributeValueKey, caseFold, isCaseExact, type AttributeDefinition } from '@scim/core';
import {
  parseInstant,
  type BoundAttribute,
  type BoundFilterNode,
  type CompareOperator,
  type CompareValue,
} from '@scim/filter';
import { sql, type RawBuilder } from 'kysely';
import { COLUMNS, isStorable, type ColumnSpec } from './columns.js';
import type { SqlDialectName, TableNames } from './dialect.js';

/** A condition on the resource row aliased `r`, and whether it decides the filter exactly. */
export interface Translation {
  readonly condition: RawBuilder<unknown>;
  readonly exact: boolean;
}

export interface TranslateScope {
  readonly dialect: SqlDialectName;
  readonly tables: TableNames;
  readonly tenant: string;
  readonly resourceType: string;
  /**
   * Translates the terms that read more than the resource's own rows (a user's computed `groups`,
   * groups-sql.ts), or answers undefined for any other node.
   */
  readonly terms?: ((node: BoundFilterNode) => Translation | undefined) | undefined;
}

const TRUE = sql`1=1`;
const FALSE = sql`1=0`;
const inexact: Translation = { condition: TRUE, exact: false };
const exactly = (condition: RawBuilder<unknown>): Translation => ({ condition, exact: true });

export function translateFilter(node: BoundFilterNode, scope: TranslateScope): Translation {
  const own = scope.terms?.(node);
  if (own !== undefined) return own;
  switch (node.type) {
    case 'and':
    case 'or': {
      const parts = node.filters.map((filter) => translateFilter(filter, scope));
      const exact = parts.every((part) => part.exact);
      // An `or` with an inexact term can only be narrowed by nothing: its TRUE absorbs the rest.
      if (node.type === 'or' && !exact) return inexact;
      const joiner = node.type === 'and' ? sql` AND ` : sql` OR `;
      return {
        condition: sql`(${sql.join(
          parts.map((part) => part.condition),
          joiner,
        )})`,
        exact,
      };
    }
    case 'not': {
      // NOT of a superset is no superset; every exact condition is TRUE or FALSE, never NULL.
      const inner = translateFilter(node.filter, scope);
      return inner.exact ? exactly(sql`NOT (${inner.condition})`) : inexact;
    }
    case 'present':
      return presence(node.attribute, scope, true) ?? inexact;
    case 'compare':
      if (node.value === null) {
        // `eq null` is "not present", `ne null` is "present" (checklist P-FILTER-34).
        const present = presence(node.attribute, scope, node.operator !== 'eq');
        return present ?? inexact;
      }
      return comparison(node.attribute, node.operator, node.value, scope) ?? inexact;
    case 'valuePath':
      return valuePath(node.attribute, node.filter, scope) ?? inexact;
  }
}

/** The normalised column holding a core, single-valued string attribute folded as its schema says. */
function columnOf(bound: BoundAttribute): ColumnSpec | undefined {
  const definition = bound.attribute;
  if (bound.kind !== 'attribute' || bound.isExtension || definition === undefined) return undefined;
  if (bound.subAttribute !== undefined || definition.multiValued) return undefined;
  if (definition.type !== 'string' && definition.type !== 'reference') return undefined;
  if (definition.type === 'reference') return undefined;
  const spec = COLUMNS.find((column) => column.attribute === definition.name.toLowerCase());
  if (spec === undefined || isCaseExact(definition) === spec.folded) return undefined;
  return spec;
}

const META_COLUMNS: Readonly<Record<string, string>> = {
  created: 'created_ms',
  lastmodified: 'modified_ms',
};

function metaColumn(bound: BoundAttribute): string | undefined {
  if (bound.kind !== 'attribute' || bound.isExtension) return undefined;
  if (bound.attribute?.name.toLowerCase() !== 'meta') return undefined;
  const sub = bound.subAttribute;
  if (sub?.type !== 'dateTime') return undefined;
  return META_COLUMNS[sub.name.toLowerCase()];
}

function isActive(bound: BoundAttribute): boolean {
  const definition = bound.attribute;
  return (
    bound.kind === 'attribute' &&
    !bound.isExtension &&
    bound.subAttribute === undefined &&
    definition?.type === 'boolean' &&
    !definition.multiValued &&
    definition.name.toLowerCase() === 'active'
  );
}

/** `emails.value` (or `emails` standing for its value), `emails.type` and `emails.primary`. */
function emailColumn(bound: BoundAttribute): string | undefined {
  if (bound.kind !== 'attribute' || bound.isExtension) return undefined;
  if (bound.attribute?.name.toLowerCase() !== 'emails' || !bound.attribute.multiValued)
    return undefined;
  return emailSubColumn(bound.subAttribute);
}

function emailSubColumn(sub: AttributeDefinition | undefined): string | undefined {
  if (sub === undefined) return undefined;
  const name = sub.name.toLowerCase();
  if ((name === 'value' || name === 'type') && sub.type === 'string' && !isCaseExact(sub))
    return name;
  if (name === 'primary' && sub.type === 'boolean') return 'is_primary';
  return undefined;
}

function presence(
  bound: BoundAttribute,
  scope: TranslateScope,
  present: boolean,
): Translation | undefined {
  if (bound.kind === 'unknown') return exactly(present ? FALSE : TRUE);
  const spec = columnOf(bound);
  let condition: RawBuilder<unknown> | undefined;
  if (spec !== undefined) {
    const column = sql.ref(`r.${spec.column}`);
    condition = sql`(${column} IS NOT NULL AND ${column} <> '')`;
  } else if (isActive(bound)) {
    condition = sql`r.active IS NOT NULL`;
  }
  if (condition === undefined) return undefined;
  void scope;
  return exactly(present ? condition : sql`NOT (${condition})`);
}

function comparison(
  bound: BoundAttribute,
  operator: CompareOperator,
  value: Exclude<CompareValue, null>,
  scope: TranslateScope,
): Translation | undefined {
  if (bound.kind === 'unknown') return exactly(FALSE);
  const spec = columnOf(bound);
  if (spec !== undefined && typeof value === 'string') {
    const literal = spec.folded ? caseFold(value) : value;
    const test = storedTextTest(sql.ref(`r.${spec.column}`), operator, literal, scope.dialect);
    return test === undefined ? undefined : exactly(test);
  }
  if (isActive(bound) && typeof value === 'boolean') {
    // A boolean compares by `eq`; every other operator is "a boolean, and not this one".
    const wanted = operator === 'eq' ? value : !value;
    return exactly(sql`(r.active IS NOT NULL AND r.active = ${wanted ? 1 : 0})`);
  }
  const meta = metaColumn(bound);
  if (meta !== undefined && typeof value === 'string') return instantTest(meta, operator, value);
  const email = emailColumn(bound);
  if (email !== undefined) {
    const test = elementTest(email, operator, value, scope.dialect);
    return test === undefined ? undefined : exactly(emailsHaving(test, scope));
  }
  const members = memberValue(bound);
  if (members !== undefined && operator === 'eq' && typeof value === 'string')
    return exactly(groupsListing(attributeValueKey(members, value), scope));
  return undefined;
}

function valuePath(
  bound: BoundAttribute,
  filter: BoundFilterNode,
  scope: TranslateScope,
): Translation | undefined {
  if (bound.kind === 'unknown') return exactly(FALSE);
  const name = bound.attribute?.name.toLowerCase();
  if (bound.kind !== 'attribute' || bound.isExtension || bound.attribute?.multiValued !== true)
    return undefined;
  if (name === 'emails') {
    const inner = elementFilter(filter, scope.dialect);
    return inner === undefined ? undefined : exactly(emailsHaving(inner, scope));
  }
  // `members[value eq "…"]`: the member rows, keyed as the store keys them.
  if (filter.type === 'compare' && filter.operator === 'eq' && typeof filter.value === 'string') {
    const members = memberValue({ ...bound, subAttribute: filter.attribute.subAttribute });
    if (members !== undefined)
      return exactly(groupsListing(attributeValueKey(members, filter.value), scope));
  }
  return undefined;
}

/** The filter of `emails[…]` as a condition on one e-mail row `e`, when every term has a column. */
function elementFilter(
  node: BoundFilterNode,
  dialect: SqlDialectName,
): RawBuilder<unknown> | undefined {
  switch (node.type) {
    case 'and':
    case 'or': {
      const parts = node.filters.map((filter) => elementFilter(filter, dialect));
      if (parts.some((part) => part === undefined)) return undefined;
      return sql`(${sql.join(parts, node.type === 'and' ? sql` AND ` : sql` OR `)})`;
    }
    case 'not': {
      const inner = elementFilter(node.filter, dialect);
      return inner === undefined ? undefined : sql`NOT (${inner})`;
    }
    case 'present': {
      const column = emailSubColumn(node.attribute.subAttribute);
      if (column === undefined) return undefined;
      // An absent `primary` reads as false, which is present (RFC 7643 §2.4).
      if (column === 'is_primary') return TRUE;
      const ref = sql.ref(`e.${column}`);
      return sql`(${ref} IS NOT NULL AND ${ref} <> '')`;
    }
    case 'compare': {
      const column = emailSubColumn(node.attribute.subAttribute);
      if (column === undefined || node.value === null) return undefined;
      return elementTest(column, node.operator, node.value, dialect);
    }
    case 'valuePath':
      return undefined;
  }
}

function elementTest(
  column: string,
  operator: CompareOperator,
  value: Exclude<CompareValue, null>,
  dialect: SqlDialectName,
): RawBuilder<unknown> | undefined {
  if (column === 'is_primary') {
    if (typeof value !== 'boolean') return undefined;
    const wanted = operator === 'eq' ? value : !value;
    return sql`e.is_primary = ${wanted ? 1 : 0}`;
  }
  if (typeof value !== 'string') return undefined;
  return storedTextTest(sql.ref(`e.${column}`), operator, caseFold(value), dialect);
}

/**
 * {@link textTest}, or for a literal that no column can hold (U+0000, an unpaired surrogate: the
 * storage refuses such values, and a driver could not even send one faithfully) what follows from
 * that: it equals no stored value and differs from all. Ordering and substrings compare UTF-16 units
 * on the server (a lone surrogate is a prefix of a pair), so those terms are left to it.
 */
export function storedTextTest(
  column: RawBuilder<unknown>,
  operator: CompareOperator,
  literal: string,
  dialect: SqlDialectName,
): RawBuilder<unknown> | undefined {
  if (isStorable(literal)) return textTest(column, operator, literal, dialect);
  if (operator === 'eq') return FALSE;
  if (operator === 'ne') return sql`${column} IS NOT NULL`;
  return undefined;
}

function emailsHaving(condition: RawBuilder<unknown>, scope: TranslateScope): RawBuilder<unknown> {
  // The tenant leads the e-mail indexes (and keeps the lookup on one Citus shard).
  return sql`r.seq IN (SELECT e.resource_seq FROM ${sql.table(scope.tables.emails)} e WHERE e.tenant = ${scope.tenant} AND ${condition})`;
}

function memberValue(bound: BoundAttribute): AttributeDefinition | undefined {
  // Only the core `members` is kept as member rows; an extension's `members` is in the document.
  if (bound.kind !== 'attribute' || bound.isExtension) return undefined;
  const definition = bound.attribute;
  const sub = bound.subAttribute;
  if (definition?.name.toLowerCase() !== 'members' || !definition.multiValued) return undefined;
  if (sub?.name.toLowerCase() !== 'value' || sub.type !== 'string') return undefined;
  return sub;
}

function groupsListing(key: string, scope: TranslateScope): RawBuilder<unknown> {
  // A member value a column cannot hold was refused when written: no group lists it.
  if (!isStorable(key)) return FALSE;
  return sql`r.id IN (SELECT m.group_id FROM ${sql.table(scope.tables.members)} m WHERE m.tenant = ${scope.tenant} AND m.resource_type = ${scope.resourceType} AND m.member_key = ${key})`;
}

/** `LIKE` metacharacters escaped with `!`, which no dialect treats specially in a parameter. */
function likeEscape(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

/**
 * A test of a text column (never NULL-valued: FALSE where the column is NULL) against a literal
 * already normalised as the column is. Columns compare by code point in every dialect.
 */
export function textTest(
  column: RawBuilder<unknown>,
  operator: CompareOperator,
  literal: string,
  dialect: SqlDialectName,
): RawBuilder<unknown> {
  const test = (() => {
    switch (operator) {
      case 'eq':
        return sql`${column} = ${literal}`;
      case 'ne':
        return sql`${column} <> ${literal}`;
      case 'gt':
        return sql`${column} > ${literal}`;
      case 'ge':
        return sql`${column} >= ${literal}`;
      case 'lt':
        return sql`${column} < ${literal}`;
      case 'le':
        return sql`${column} <= ${literal}`;
      case 'co':
      case 'sw':
      case 'ew': {
        if (literal === '') return TRUE;
        if (dialect === 'sqlite') {
          // SQLite's LIKE ignores ASCII case, which a caseExact column must not: compare text.
          if (operator === 'co') return sql`instr(${column}, ${literal}) > 0`;
          if (operator === 'sw') return sql`substr(${column}, 1, length(${literal})) = ${literal}`;
          return sql`substr(${column}, -length(${literal})) = ${literal}`;
        }
        if (dialect === 'mysql' && operator === 'sw') return prefixRange(column, literal);
        const escaped = likeEscape(literal);
        const pattern =
          operator === 'co' ? `%${escaped}%` : operator === 'sw' ? `${escaped}%` : `%${escaped}`;
        return sql`${column} LIKE ${pattern} ESCAPE '!'`;
      }
    }
  })();
  return sql`(${column} IS NOT NULL AND ${test})`;
}

/**
 * `sw` as the range of strings that start with `prefix`: from the prefix up to, not including, the
 * prefix with its last code point one higher. MariaDB scans the index range of `LIKE 'p%'` only up to
 * U+FFFF after the prefix in a binary utf8mb4 collation, so it misses `p😀`; the range has no gap.
 */
function prefixRange(column: RawBuilder<unknown>, prefix: string): RawBuilder<unknown> {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last === 0x10ffff) continue;
    // No text holds a surrogate code point: after U+D7FF comes U+E000.
    const above = String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
    return sql`${column} >= ${prefix} AND ${column} < ${points.join('') + above}`;
  }
  // A prefix of U+10FFFF alone: every string that starts with it sorts at or after it.
  return sql`${column} >= ${prefix}`;
}

/**
 * `meta.created` and `meta.lastModified` against an instant. The server stamps both to the
 * millisecond, so a literal's sub-millisecond fraction only moves the boundary.
 */
function instantTest(column: string, operator: CompareOperator, value: string): Translation {
  const instant = parseInstant(value);
  if (instant === undefined) return inexact;
  const [ms, fraction] = instant;
  const ref = sql.ref(`r.${column}`);
  switch (operator) {
    case 'eq':
      return exactly(fraction > 0 ? FALSE : sql`${ref} = ${ms}`);
    case 'ne':
      return exactly(fraction > 0 ? TRUE : sql`${ref} <> ${ms}`);
    case 'gt':
      return exactly(sql`${ref} > ${ms}`);
    case 'ge':
      return exactly(fraction > 0 ? sql`${ref} > ${ms}` : sql`${ref} >= ${ms}`);
    case 'lt':
      return exactly(fraction > 0 ? sql`${ref} <= ${ms}` : sql`${ref} < ${ms}`);
    case 'le':
      return exactly(sql`${ref} <= ${ms}`);
    default:
      return exactly(FALSE);
  }
}
