// diffPatch: the smallest PatchOp that turns one version of a resource into another. Each
// attribute offers candidate operation lists (whole-attribute writes, sub-attribute writes, value
// filters on multi-valued attributes), and the shortest in JSON wins.
import {
  caseFold,
  isJsonObject,
  PATCH_OP_URN,
  ScimError,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { printPatchPath, type FilterNode } from '@scim/filter';
import type { PatchOperation, PatchRequest } from '@scim/patch';
import {
  inferredGroups,
  readKey,
  sameJson,
  schemaGroups,
  writable,
  type Shape,
  type ShapeGroup,
} from './diff-shape.js';

/**
 * Options of {@link diffPatch}.
 * @example `diffPatch(before, after, { resourceType: UserResourceType })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface DiffPatchOptions {
  /**
   * The resource type whose schemas name the attributes, their case and mutability. Without it the
   * shapes are read from the values, and only `id`, `meta` and `schemas` are taken as readOnly.
   */
  readonly resourceType?: ScimResourceType | undefined;
}

type Ops = PatchOperation[];

interface Base {
  readonly uri: string | undefined;
  readonly attribute: string;
}

/**
 * Computes the smallest PatchOp (RFC 7644 §3.5.2) that turns `before` into `after`: attributes
 * that were removed are removed, multi-valued complex values with a `value` are added, removed and
 * changed through value filters (`emails[value eq "…"]`) unless replacing the whole attribute is
 * shorter, and nothing is ever sent for readOnly attributes (`id`, `meta`, `groups`, readOnly
 * sub-attributes), which the server owns. Its JSON is never longer than replacing every changed
 * attribute whole. No differences give an empty `Operations`.
 * @example
 * ```ts
 * const before = await client.users.get(id);
 * const after = { ...before, active: false, emails: [...(before.emails ?? []), { value: 'b@example.com' }] };
 * diffPatch(before, after, { resourceType: UserResourceType });
 * // { schemas: [PATCH_OP_URN], Operations: [{ op: 'replace', path: 'active', value: false },
 * //   { op: 'add', path: 'emails', value: [{ value: 'b@example.com' }] }] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function diffPatch(
  before: ScimResource,
  after: ScimResource,
  options: DiffPatchOptions = {},
): PatchRequest {
  const operations: Ops = [];
  for (const group of groupsOf(before, after, options))
    operations.push(...diffGroup(group, before, after));
  return { schemas: [PATCH_OP_URN], Operations: operations };
}

/**
 * The operations {@link diffPatch} is never longer than: each changed attribute removed, or
 * replaced whole (a complex one that lost sub-attributes removed and added again).
 * @example `JSON.stringify(diffPatch(a, b, o)).length <= JSON.stringify(fullReplacePatch(a, b, o)).length`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.3
 */
export function fullReplacePatch(
  before: ScimResource,
  after: ScimResource,
  options: DiffPatchOptions = {},
): PatchRequest {
  const operations: Ops = [];
  for (const group of groupsOf(before, after, options)) {
    const [a, b] = groupValues(group, before, after);
    for (const shape of group.shapes) {
      if (shape.mutability === 'readOnly') continue;
      const base = { uri: group.uri, attribute: shape.name };
      const x = writable(shape, readKey(a, shape.name));
      const y = writable(shape, readKey(b, shape.name));
      if (!sameJson(x, y)) operations.push(...wholeAttribute(base, shape, x, y));
    }
  }
  return { schemas: [PATCH_OP_URN], Operations: operations };
}

/** The attribute groups to compare: the resource type's schemas, or else what the two hold. */
function groupsOf(
  before: ScimResource,
  after: ScimResource,
  options: DiffPatchOptions,
): readonly ShapeGroup[] {
  return options.resourceType === undefined
    ? inferredGroups(before, after)
    : schemaGroups(options.resourceType);
}

function groupValues(
  group: ShapeGroup,
  before: ScimResource,
  after: ScimResource,
): [Record<string, unknown> | undefined, Record<string, unknown> | undefined] {
  if (group.uri === undefined) return [before, after];
  const a = readKey(before, group.uri);
  const b = readKey(after, group.uri);
  return [isJsonObject(a) ? a : undefined, isJsonObject(b) ? b : undefined];
}

function diffGroup(group: ShapeGroup, before: ScimResource, after: ScimResource): Ops {
  const [a, b] = groupValues(group, before, after);
  const fine: Ops = [];
  const newData: Record<string, unknown> = {};
  let oldHasData = false;
  for (const shape of group.shapes) {
    if (shape.mutability === 'readOnly') continue;
    const x = writable(shape, readKey(a, shape.name));
    const y = writable(shape, readKey(b, shape.name));
    if (x !== undefined) oldHasData = true;
    if (y !== undefined) newData[shape.name] = y;
    fine.push(...diffAttribute({ uri: group.uri, attribute: shape.name }, shape, x, y));
  }
  if (group.uri === undefined || fine.length <= 1) return fine;
  // An extension that appears or disappears whole is one operation on its URN.
  const hasNew = Object.keys(newData).length > 0;
  if (!hasNew && oldHasData && !group.required) return smallest(fine, [remove(group.uri)]);
  if (hasNew && !oldHasData)
    return smallest(fine, [{ op: 'add', path: group.uri, value: newData }]);
  return fine;
}

function diffAttribute(base: Base, shape: Shape, x: unknown, y: unknown): Ops {
  if (sameJson(x, y)) return [];
  if (shape.mutability === 'immutable' && x !== undefined) {
    throw ScimError.mutability(`'${pathText(base)}' is immutable and already has a value`);
  }
  if (y === undefined) return [remove(pathText(base))];
  if (x === undefined) return [{ op: 'add', path: pathText(base), value: y }];
  if (!shape.multiValued && !shape.complex)
    return [{ op: 'replace', path: pathText(base), value: y }];
  if (!shape.multiValued)
    return diffComplex(base, shape, x as Record<string, unknown>, y as Record<string, unknown>);
  if (!shape.complex) return diffSimpleList(base, x as unknown[], y as unknown[]);
  return diffComplexList(base, shape, x as unknown[], y as unknown[]);
}

/** The baseline for one changed attribute: remove it, or write it whole. */
function wholeAttribute(base: Base, shape: Shape, x: unknown, y: unknown): Ops {
  const path = pathText(base);
  if (y === undefined) return [remove(path)];
  if (x === undefined) return [{ op: 'add', path, value: y }];
  // replace merges into a complex value (RFC 7644 §3.5.2.3): sub-attributes it lost need a remove.
  if (shape.complex && !shape.multiValued && isJsonObject(x) && isJsonObject(y)) {
    const lost = Object.keys(x).some((key) => y[key] === undefined);
    if (lost) return [remove(path), { op: 'add', path, value: y }];
  }
  return [{ op: 'replace', path, value: y }];
}

function diffComplex(
  base: Base,
  shape: Shape,
  x: Record<string, unknown>,
  y: Record<string, unknown>,
): Ops {
  const removed: Ops = [];
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(x)) {
    if (y[key] === undefined) removed.push(remove(pathText(base, key)));
  }
  for (const [key, value] of Object.entries(y)) {
    if (sameJson(x[key], value)) continue;
    const sub = shape.subs?.get(key.toLowerCase());
    if (sub?.mutability === 'immutable' && x[key] !== undefined)
      throw ScimError.mutability(`'${pathText(base, key)}' is immutable and already has a value`);
    changed[key] = value;
  }
  const keys = Object.keys(changed);
  const merged: Ops =
    keys.length === 0 ? [] : [{ op: 'replace', path: pathText(base), value: changed }];
  const each: Ops = keys.map((key) => ({
    op: 'replace',
    path: pathText(base, key),
    value: changed[key],
  }));
  return smallest(
    [...removed, ...merged],
    [...removed, ...each],
    wholeAttribute(base, shape, x, y),
  );
}

/** A list of simple values: values appended at the end are added, anything else replaces the list. */
function diffSimpleList(base: Base, x: unknown[], y: unknown[]): Ops {
  const path = pathText(base);
  const prefix = x.length < y.length && x.every((value, index) => sameJson(value, y[index]));
  const whole: Ops = [{ op: 'replace', path, value: y }];
  return prefix ? smallest([{ op: 'add', path, value: y.slice(x.length) }], whole) : whole;
}

/**
 * A multi-valued complex attribute whose values carry a unique `value`: removed values by value
 * filter, changed ones through the same filter (the whole value, or its changed sub-attributes),
 * new ones in one `add`. Only when the new order is the old one with additions at the end, since
 * `add` appends; otherwise, and when it is shorter, the attribute is replaced whole.
 */
function diffComplexList(base: Base, shape: Shape, x: unknown[], y: unknown[]): Ops {
  const whole: Ops = [{ op: 'replace', path: pathText(base), value: y }];
  const oldKeys = identities(shape, x);
  const newKeys = identities(shape, y);
  if (oldKeys === undefined || newKeys === undefined) return whole;
  const oldByKey = new Map(oldKeys.map((key, index) => [key, x[index] as Record<string, unknown>]));
  const newSet = new Set(newKeys);
  const kept = oldKeys.filter((key) => newSet.has(key));
  const added = newKeys.slice(kept.length);
  // The new list must be the kept values in their old order, then the new ones.
  if (kept.some((key, index) => newKeys[index] !== key) || added.some((key) => oldByKey.has(key)))
    return whole;
  const ops: Ops = [];
  for (const [index, key] of oldKeys.entries()) {
    if (!newSet.has(key)) ops.push(remove(selected(base, x[index])));
  }
  for (const [index, key] of kept.entries()) {
    const before = oldByKey.get(key) as Record<string, unknown>;
    const after = y[index] as Record<string, unknown>;
    if (!sameJson(before, after)) ops.push(...diffElement(base, shape, before, after));
  }
  if (added.length > 0) ops.push({ op: 'add', path: pathText(base), value: y.slice(kept.length) });
  return smallest(ops, whole);
}

function diffElement(
  base: Base,
  shape: Shape,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Ops {
  const whole: Ops = [{ op: 'replace', path: selected(base, before), value: after }];
  const ops: Ops = [];
  for (const key of Object.keys(before)) {
    if (after[key] === undefined) ops.push(remove(selected(base, before, key)));
  }
  for (const [key, value] of Object.entries(after)) {
    if (sameJson(before[key], value)) continue;
    // A sub-attribute that may not change (a member's type) goes with the whole value.
    if (shape.subs?.get(key.toLowerCase())?.mutability === 'immutable') return whole;
    ops.push({ op: 'replace', path: selected(base, before, key), value });
  }
  return smallest(ops, whole);
}

/** Each value's identity (its `value`, folded unless caseExact), or undefined when not unique. */
function identities(shape: Shape, list: unknown[]): string[] | undefined {
  const keys: string[] = [];
  for (const element of list) {
    if (!isJsonObject(element)) return undefined;
    const value = element.value;
    if (typeof value !== 'string') return undefined;
    keys.push(shape.valueCaseExact ? value : caseFold(value));
  }
  return new Set(keys).size === keys.length ? keys : undefined;
}

/** `attr[value eq "…"]` or `attr[value eq "…"].sub`, printed from the AST so the value stays a value. */
function selected(base: Base, element: unknown, subAttribute?: string): string {
  const value = (element as Record<string, unknown>).value as string;
  const filter: FilterNode = {
    type: 'compare',
    path: { type: 'attributePath', attribute: 'value' },
    operator: 'eq',
    value,
  };
  return printPatchPath({
    type: 'patchPath',
    path: attributePath(base),
    filter,
    ...(subAttribute === undefined ? {} : { subAttribute }),
  });
}

function attributePath(base: Base, subAttribute?: string) {
  return {
    type: 'attributePath' as const,
    attribute: base.attribute,
    ...(base.uri === undefined ? {} : { uri: base.uri }),
    ...(subAttribute === undefined ? {} : { subAttribute }),
  };
}

function pathText(base: Base, subAttribute?: string): string {
  return printPatchPath({ type: 'patchPath', path: attributePath(base, subAttribute) });
}

function remove(path: string): PatchOperation {
  return { op: 'remove', path };
}

function smallest(...candidates: Ops[]): Ops {
  let best = candidates[0] as Ops;
  let size = JSON.stringify(best).length;
  for (const candidate of candidates.slice(1)) {
    const candidateSize = JSON.stringify(candidate).length;
    if (candidateSize < size) {
      best = candidate;
      size = candidateSize;
    }
  }
  return best;
}
