// What a SCIM event may show of a resource, decided by the resource type's schema: `data` is the
// resource as a SCIM response shows it, `attributes` lists attribute paths, and a PATCH's `data` is an
// equivalent PatchOp message. An attribute whose `returned` is "never" (password) appears in none of
// them, neither its value nor its name (RFC 7643 §7; checklist D-24).
import {
  PATCH_OP_URN,
  projectResource,
  resolveAttributePath,
  stableStringify,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import type { LifecycleEvent } from '@scim/server';

type Json = Record<string, unknown>;

/** One change a PATCH made, as the lifecycle record keeps it. */
export type RecordedChange = NonNullable<LifecycleEvent['changes']>[number];

/** One operation of a PatchOp message (RFC 7644 §3.5.2). */
export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly value?: unknown;
}

/** An attribute found in a resource: its canonical path and its definition. */
interface Located {
  readonly path: string;
  /** `path` in lower case, as names are compared (RFC 7643 §2.1). */
  readonly lowerPath: string;
  readonly attribute: AttributeDefinition;
  /** The extension URN holding it, undefined for core and common attributes. */
  readonly urn: string | undefined;
}

/** The resource as a SCIM response shows it by default: no "never" and no "request" attributes. */
export function visibleResource(resource: ScimResource, resourceType: ScimResourceType): Json {
  return projectResource(resource, resourceType);
}

/** Whether an attribute's name may be listed in `attributes`: anything a response may ever show. */
function isNameListed(attribute: AttributeDefinition): boolean {
  return attribute.returned !== 'never';
}

/** Whether an attribute's value may be shown in `data`: what a default response shows. */
function isValueShown(attribute: AttributeDefinition): boolean {
  return attribute.returned !== 'never' && attribute.returned !== 'request';
}

/** The most paths remembered per resource type: a schema has a few dozen attributes. */
const MAX_LOCATED_PATHS = 1_024;

/**
 * What `locate` found, per resource type and path (null: nothing): a write's records name the same
 * few attributes again and again, and parsing and resolving a path costs more than finding it here.
 */
const locatedPaths = new WeakMap<ScimResourceType, Map<string, Located | null>>();

/** Resolves a path to its canonical form and definition; undefined for names no schema defines. */
function locate(resourceType: ScimResourceType, path: string): Located | undefined {
  let known = locatedPaths.get(resourceType);
  if (known === undefined) {
    known = new Map();
    locatedPaths.set(resourceType, known);
  }
  const found = known.get(path);
  if (found !== undefined) return found ?? undefined;
  const located = resolvePath(resourceType, path);
  if (known.size < MAX_LOCATED_PATHS) known.set(path, located ?? null);
  return located;
}

function resolvePath(resourceType: ScimResourceType, path: string): Located | undefined {
  const resolved = resolveAttributePath(resourceType, path);
  if (!resolved.ok || resolved.value.attribute === undefined) return undefined;
  const { attribute, isExtension, schema } = resolved.value;
  const urn = isExtension ? schema : undefined;
  const canonical = urn === undefined ? attribute.name : `${urn}:${attribute.name}`;
  return { path: canonical, lowerPath: canonical.toLowerCase(), attribute, urn };
}

/** Every top-level attribute a resource holds (extension attributes URN-qualified), but `schemas` and `meta`. */
function attributesOf(resource: ScimResource, resourceType: ScimResourceType): Located[] {
  const extensions = new Map(
    resourceType.schemaExtensions.map(({ schema }) => [schema.id.toLowerCase(), schema.id]),
  );
  const found: Located[] = [];
  for (const [key, value] of Object.entries(resource)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas' || lower === 'meta' || value === undefined) continue;
    const urn = extensions.get(lower);
    if (urn === undefined) {
      const located = locate(resourceType, key);
      if (located !== undefined) found.push(located);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    for (const [name, inner] of Object.entries(value as Json)) {
      if (inner === undefined) continue;
      const located = locate(resourceType, `${urn}:${name}`);
      if (located !== undefined) found.push(located);
    }
  }
  return found;
}

/** The value an attribute holds in a resource, its name and the extension key matched in any case. */
function valueAt(resource: ScimResource | undefined, located: Located): unknown {
  if (resource === undefined) return undefined;
  const holder = located.urn === undefined ? resource : ownValue(resource, located.urn);
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) return undefined;
  return ownValue(holder as Json, located.attribute.name);
}

function ownValue(data: Json, name: string): unknown {
  if (Object.hasOwn(data, name)) return data[name];
  const lower = name.toLowerCase();
  const key = Object.keys(data).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : data[key];
}

/** The attribute paths a new resource holds, as `create:notice` lists them (RFC 9967 §2.4.1). */
export function createdPaths(resource: ScimResource, resourceType: ScimResourceType): string[] {
  return unique(
    attributesOf(resource, resourceType)
      .filter((located) => isNameListed(located.attribute))
      .map((located) => located.path),
  );
}

/**
 * What differs between two states of a resource, attribute by attribute, as a PATCH's recorded
 * changes would say it: the new value `set`, or `cleared`. Attributes `skip` names (lower-cased
 * paths) are left out.
 */
export function diffChanges(
  previous: ScimResource,
  next: ScimResource,
  resourceType: ScimResourceType,
  skip: ReadonlySet<string>,
): RecordedChange[] {
  const candidates = [...attributesOf(previous, resourceType), ...attributesOf(next, resourceType)];
  const seen = new Set<string>();
  const changes: RecordedChange[] = [];
  for (const located of candidates) {
    const key = located.lowerPath;
    if (seen.has(key) || skip.has(key)) continue;
    seen.add(key);
    const before = valueAt(previous, located);
    const after = valueAt(next, located);
    if (sameJson(before, after)) continue;
    changes.push(
      after === undefined
        ? { path: located.path, kind: 'cleared' }
        : { path: located.path, kind: 'set', value: after },
    );
  }
  return changes;
}

/**
 * The attribute paths of some changes, as `patch:notice` and `put:notice` list them (RFC 9967
 * §2.4.2, §2.4.3): canonical, each once, without those `skip` names and those never returned.
 */
export function changedPaths(
  changes: readonly RecordedChange[],
  resourceType: ScimResourceType,
  skip: ReadonlySet<string>,
): string[] {
  return unique(
    changes.flatMap((change) => {
      const located = locate(resourceType, change.path);
      if (located === undefined || skip.has(located.lowerPath)) return [];
      return isNameListed(located.attribute) ? [located.path] : [];
    }),
  );
}

/**
 * A PatchOp message equivalent to what a PATCH did (RFC 9967 §2.2: "the equivalent SCIM command
 * processed"), built from the recorded changes: applied to the resource before the change it gives
 * the resource after it, except for attributes a response never shows, which it leaves out. Values
 * only added to a multi-valued attribute are an `add`; any other change of one is a `replace` with the
 * attribute's whole new value, so no value filter has to identify the removed ones.
 */
export function patchOperations(
  changes: readonly RecordedChange[],
  next: ScimResource,
  resourceType: ScimResourceType,
  skip: ReadonlySet<string>,
): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const change of changes) {
    const located = locate(resourceType, change.path);
    if (located === undefined || skip.has(located.lowerPath)) continue;
    if (!isValueShown(located.attribute)) continue;
    const { path, attribute } = located;
    if (change.kind === 'cleared') {
      operations.push({ op: 'remove', path });
      continue;
    }
    if (change.kind === 'values' && change.removed.length === 0) {
      operations.push({ op: 'add', path, value: change.added.map((v) => shown(v, attribute)) });
      continue;
    }
    const value = change.kind === 'set' ? change.value : valueAt(next, located);
    operations.push(
      value === undefined
        ? { op: 'remove', path }
        : { op: 'replace', path, value: shown(value, attribute) },
    );
  }
  return operations;
}

/** A PatchOp message (RFC 7644 §3.5.2) of these operations. */
export function patchMessage(operations: readonly PatchOperation[]): Json {
  return { schemas: [PATCH_OP_URN], Operations: operations };
}

/** The member-value filter of a PATCH path, the value written as a JSON string (RFC 7644 §3.4.2.2). */
export function memberPath(value: string): string {
  return `members[value eq ${JSON.stringify(value)}]`;
}

/** A value with the sub-attributes a default response does not show left out. */
function shown(value: unknown, attribute: AttributeDefinition): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => shown(item, attribute));
  if (typeof value !== 'object' || value === null || attribute.subAttributes.length === 0)
    return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value as Json)) {
    const sub = attribute.subAttributes.find((s) => s.name.toLowerCase() === key.toLowerCase());
    if (sub === undefined || isValueShown(sub)) out[key] = inner;
  }
  return out;
}

function unique(paths: readonly string[]): string[] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const key = path.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return stableStringify(a) === stableStringify(b);
}
