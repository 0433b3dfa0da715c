import type { AttributeDefinition, ScimResource } from '@scim/core';

/**
 * What a PATCH did to one attribute: a single value `set` or `cleared`, or the values `added` to and
 * `removed` from a multi-valued attribute (a changed value counts as removed and added).
 * @example `{ path: 'members', kind: 'values', added: [{ value: '2819c223' }], removed: [] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export type AttributeChange =
  | { readonly path: string; readonly kind: 'set'; readonly value: unknown }
  | { readonly path: string; readonly kind: 'cleared' }
  | {
      readonly path: string;
      readonly kind: 'values';
      readonly added: readonly unknown[];
      readonly removed: readonly unknown[];
    };

type Json = Record<string, unknown>;

function holderOf(resource: ScimResource, urn: string | undefined): Json | undefined {
  if (urn === undefined) return resource;
  const data = resource[urn];
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Json)
    : undefined;
}

/**
 * Compares the touched attributes before and after. Untouched values of a multi-valued attribute are
 * the same objects on both sides (the working copy never rewrites them), so the comparison is by
 * reference and linear in the attribute's size.
 */
export function describeChanges(
  before: ScimResource,
  after: ScimResource,
  touched: readonly { readonly urn: string | undefined; readonly attribute: AttributeDefinition }[],
): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const { urn, attribute } of touched) {
    const path = urn === undefined ? attribute.name : `${urn}:${attribute.name}`;
    const old = holderOf(before, urn)?.[attribute.name];
    const now = holderOf(after, urn)?.[attribute.name];
    if (attribute.multiValued) {
      const oldValues: unknown[] = Array.isArray(old) ? old : old === undefined ? [] : [old];
      const newValues: unknown[] = Array.isArray(now) ? now : now === undefined ? [] : [now];
      const added = without(newValues, oldValues);
      const removed = without(oldValues, newValues);
      if (added.length > 0 || removed.length > 0)
        changes.push({ path, kind: 'values', added, removed });
    } else if (now === undefined) {
      if (old !== undefined) changes.push({ path, kind: 'cleared' });
    } else if (old === undefined || !sameJson(old, now)) {
      changes.push({ path, kind: 'set', value: now });
    }
  }
  return changes;
}

// A few values (a user's emails) are compared directly; a Set pays off from about this many.
const SET_FROM = 16;

/** The values not among `others`, by reference. */
function without(values: readonly unknown[], others: readonly unknown[]): unknown[] {
  if (others.length < SET_FROM) return values.filter((value) => !others.includes(value));
  const set = new Set(others);
  return values.filter((value) => !set.has(value));
}

/** Deep equality of JSON values (key order ignored); values here are validated, so shallow in depth. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys)
    if (!Object.hasOwn(right, key) || !sameJson(left[key], right[key])) return false;
  return true;
}
