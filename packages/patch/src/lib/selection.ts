// Finding and adjusting values of a multi-valued attribute being patched.
import { attributeValueKey, isJsonObject, ScimError, type AttributeDefinition } from '@scim/core';
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
    const position = list.find({ value: selector.pinned?.value });
    return position === undefined ? [] : [position];
  }
  return list.positions().filter((position) => selector.test(list.at(position) as Json));
}

/**
 * One value a `remove` lists (X-ENTRA-02, P-PATCH-41): a simple value compared whole, or the given
 * sub-attributes of a complex one. `value`, when given, identifies the element alone; a listed value
 * that names nothing stored (every sub-attribute null or unknown) matches nothing.
 */
export type ListedValue =
  | { readonly kind: 'simple'; readonly value: unknown }
  | {
      readonly kind: 'complex';
      readonly subs: readonly (readonly [AttributeDefinition, unknown])[];
    }
  | { readonly kind: 'nothing' };

export interface ListedValueReader {
  /** Validates and normalises one value as an add would (throws a ScimError). */
  readonly normalize: (attribute: AttributeDefinition, value: unknown, path: string) => unknown;
  /** `"u1"` stands for `{ "value": "u1" }` (managerShorthand). */
  readonly stringAsValue: boolean;
  readonly rejectUnknown: boolean;
}

/** Reads one value a remove lists, with the same types, names and leniencies as an add. */
export function readListedValue(
  attribute: AttributeDefinition,
  item: unknown,
  path: string,
  reader: ListedValueReader,
): ListedValue {
  if (attribute.type !== 'complex') {
    const value = reader.normalize({ ...attribute, multiValued: false }, item, path);
    return value === undefined ? { kind: 'nothing' } : { kind: 'simple', value };
  }
  const record = typeof item === 'string' && reader.stringAsValue ? { value: item } : item;
  if (!isJsonObject(record))
    throw ScimError.invalidValue(`Each value to remove from '${path}' must be an object`);
  const subs: [AttributeDefinition, unknown][] = [];
  for (const key of Object.keys(record)) {
    const lowered = key.toLowerCase();
    const sub = attribute.subAttributes.find(
      (candidate) => candidate.name.toLowerCase() === lowered,
    );
    if (sub === undefined) {
      if (reader.rejectUnknown)
        throw ScimError.invalidSyntax(`'${attribute.name}' has no sub-attribute '${key}'`);
      // No stored value holds an unknown sub-attribute, so this value matches none.
      return { kind: 'nothing' };
    }
    const value = reader.normalize(sub, record[key], `${path}.${sub.name}`);
    if (value !== undefined) subs.push([sub, value]);
  }
  return subs.length === 0 ? { kind: 'nothing' } : { kind: 'complex', subs };
}

/**
 * The positions of the values that any listed value matches, under each sub-attribute's caseExact,
 * in one pass over the list. Listed values are grouped by the sub-attributes they compare (`value`
 * alone, or `type` and `primary`, …), and each group is a set of keys, so removing k of n members
 * costs O(n + k) however hostile the list, and duplicates stored by an earlier POST or PUT (same
 * `value`, different `type`) all go.
 */
export function listedPositions(
  list: WorkingList,
  attribute: AttributeDefinition,
  listed: readonly ListedValue[],
): number[] {
  const single = { ...attribute, multiValued: false };
  const wholeKeys = new Set<string>();
  const groups = new Map<string, { subs: AttributeDefinition[]; keys: Set<string> }>();
  for (const item of listed) {
    if (item.kind === 'simple') wholeKeys.add(attributeValueKey(single, item.value));
    if (item.kind !== 'complex') continue;
    const byValue = item.subs.find(([sub]) => sub.name === 'value');
    // Definition order, so that {type, primary} and {primary, type} fall in one group.
    const pairs = (byValue === undefined ? [...item.subs] : [byValue]).sort(
      ([a], [b]) => attribute.subAttributes.indexOf(a) - attribute.subAttributes.indexOf(b),
    );
    const signature = pairs.map(([sub]) => sub.name).join(',');
    let group = groups.get(signature);
    if (group === undefined) {
      group = { subs: pairs.map(([sub]) => sub), keys: new Set() };
      groups.set(signature, group);
    }
    group.keys.add(pairs.map(([sub, value]) => attributeValueKey(sub, value)).join('\u0000'));
  }
  if (wholeKeys.size === 0 && groups.size === 0) return [];
  return list.positions().filter((position) => {
    const element = list.at(position);
    if (attribute.type !== 'complex') return wholeKeys.has(attributeValueKey(single, element));
    if (!isJsonObject(element)) return false;
    for (const { subs, keys } of groups.values()) {
      if (subs.some((sub) => element[sub.name] === undefined || element[sub.name] === null))
        continue;
      if (keys.has(subs.map((sub) => attributeValueKey(sub, element[sub.name])).join('\u0000')))
        return true;
    }
    return false;
  });
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
