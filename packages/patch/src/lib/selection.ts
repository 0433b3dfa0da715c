// Finding and adjusting values of a multi-valued attribute being patched.
import { isJsonObject, ScimError, type AttributeDefinition } from '@scim/core';
import { sameJson } from './changes.js';
import type { AttributeTarget } from './target.js';
import type { WorkingList } from './working.js';

type Json = Record<string, unknown>;

/** The positions a path's value filter selects. */
export function selectPositions(
  list: WorkingList,
  selector: NonNullable<AttributeTarget['selector']>,
): number[] {
  if (selector.byValue) {
    // Identity is the value itself (members): one index lookup instead of a scan.
    return list.withKey(list.identity.indexKey({ value: selector.pinned?.value }));
  }
  return list.positions().filter((position) => selector.test(list.at(position) as Json));
}

/**
 * The positions of the stored values that the values a `remove` lists name (X-ENTRA-02, P-PATCH-41),
 * each listed value already normalised as an add would read it (undefined when nothing was left). A listed value names the stored
 * values whose identifying sub-attributes (working.ts's `Identity`) equal every one of them it gives,
 * under isCaseExact: its other sub-attributes are not compared, and one that gives no identifying
 * sub-attribute at all is invalidValue, since it could only mean "nothing" or "everything". A listed
 * value with `value` is found through the list's index; the others (emails by `type` alone,
 * addresses) are grouped by the sub-attributes they give and compared in one pass, so removing k
 * values of n costs O(n + k) at worst and O(k) when every listed value gives `value`.
 */
export function listedPositions(
  list: WorkingList,
  listed: readonly unknown[],
  path: string,
): number[] {
  const { identity } = list;
  const found = new Set<number>();
  const scans = new Map<string, { subs: AttributeDefinition[]; keys: Set<string> }>();
  for (const item of listed) {
    if (identity.subs.length === 0) {
      for (const position of list.withKey(identity.indexKey(item))) found.add(position);
      continue;
    }
    const given: [AttributeDefinition, string][] = [];
    for (const sub of identity.subs) {
      const key = identity.partKey(sub, item);
      if (key !== undefined) given.push([sub, key]);
    }
    const [first, ...rest] = given;
    if (first === undefined) {
      throw ScimError.invalidValue(
        `Each value to remove from '${path}' must give ${identifying(identity.subs)}`,
      );
    }
    if (first[0] === identity.indexed) {
      for (const position of list.withKey(first[1])) {
        const stored = list.at(position);
        if (rest.every(([sub, key]) => identity.partKey(sub, stored) === key)) found.add(position);
      }
      continue;
    }
    const signature = given.map(([sub]) => sub.name).join(',');
    let scan = scans.get(signature);
    if (scan === undefined) {
      scan = { subs: given.map(([sub]) => sub), keys: new Set() };
      scans.set(signature, scan);
    }
    scan.keys.add(given.map(([, key]) => key).join('\u0000'));
  }
  if (scans.size > 0) {
    for (const position of list.positions()) {
      const stored = list.at(position);
      for (const { subs, keys } of scans.values()) {
        const parts = subs.map((sub) => identity.partKey(sub, stored));
        if (parts.every((part) => part !== undefined) && keys.has(parts.join('\u0000'))) {
          found.add(position);
          break;
        }
      }
    }
  }
  return [...found];
}

function identifying(subs: readonly AttributeDefinition[]): string {
  const names = subs.map((sub) => `'${sub.name}'`);
  if (names.length === 1) return `its ${names[0] ?? ''}`;
  return `at least one of ${names.join(', ')}`;
}

export function mergeInto(list: WorkingList, position: number, value: unknown): void {
  const current = list.at(position);
  const next = isJsonObject(current) && isJsonObject(value) ? { ...current, ...value } : value;
  if (!sameJson(current, next)) list.put(position, next);
}

/** One `primary: true` at most: the values just made primary win, the others lose it (P-PATCH-14). */
export function settlePrimary(list: WorkingList, made: readonly number[], path: string): void {
  if (made.length > 1)
    throw ScimError.invalidValue(`At most one value of '${path}' may be primary`);
  if (made.length === 0) return;
  for (const position of list.positions()) {
    const current = list.at(position);
    if (position !== made[0] && isJsonObject(current) && current.primary === true)
      list.put(position, { ...current, primary: false });
  }
}

/**
 * Sets (or, with `value` undefined, removes) one sub-attribute of the values at `positions`: a value
 * left with no sub-attribute goes, and an immutable sub-attribute that already holds another value
 * is mutability (RFC 7643 §2.2).
 */
export function setSubAttribute(
  list: WorkingList,
  positions: readonly number[],
  sub: AttributeDefinition,
  value: unknown,
  path: string,
): void {
  const primaries: number[] = [];
  for (const position of positions) {
    const current = list.at(position);
    if (!isJsonObject(current)) continue;
    if (
      sub.mutability === 'immutable' &&
      current[sub.name] !== undefined &&
      !sameJson(current[sub.name], value)
    ) {
      throw ScimError.mutability(`'${path}' is immutable`);
    }
    const next: Json = { ...current };
    if (value === undefined) delete next[sub.name];
    else next[sub.name] = value;
    if (!sameJson(current, next)) {
      if (Object.keys(next).length === 0) list.delete(position);
      else list.put(position, next);
    }
    if (sub.name === 'primary' && value === true) primaries.push(position);
  }
  settlePrimary(list, primaries, path);
}
