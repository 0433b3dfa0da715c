// `schemas` as a PATCH target (RFC 7644 §3.5.2): it is no attribute of any schema, so the attribute
// resolver cannot name it; this module recognises it in a parsed path and reads the URNs a value lists.
import { ScimError, type ScimResourceType } from '@scim/core';
import type { PatchPathNode } from '@scim/filter';
import type { OperationKind, ReadOperation } from './request.js';

export interface SchemasTarget {
  readonly kind: 'schemas';
  /** The URN a `schemas[value eq "…"]` filter names, or undefined for the plain path. */
  readonly urn: string | undefined;
  readonly path: string;
}

/**
 * The `schemas` target a parsed path names (`schemas`, `<core URN>:schemas`,
 * `schemas[value eq "…"]`), or undefined when it names something else.
 */
export function schemasTargetOf(
  node: PatchPathNode,
  text: string,
  resourceType: ScimResourceType,
): SchemasTarget | undefined {
  const { path, filter, subAttribute } = node;
  if (
    path.attribute.toLowerCase() !== 'schemas' ||
    path.subAttribute !== undefined ||
    subAttribute !== undefined ||
    (path.uri !== undefined && path.uri.toLowerCase() !== resourceType.schema.id.toLowerCase())
  )
    return undefined;
  if (filter === undefined) return { kind: 'schemas', urn: undefined, path: 'schemas' };
  if (
    filter.type === 'compare' &&
    filter.operator === 'eq' &&
    filter.path.attribute.toLowerCase() === 'value' &&
    filter.path.uri === undefined &&
    filter.path.subAttribute === undefined &&
    typeof filter.value === 'string'
  )
    return { kind: 'schemas', urn: filter.value, path: 'schemas' };
  throw ScimError.invalidFilter(
    `Path '${text}': 'schemas' takes only the filter [value eq "<schema URN>"]`,
  );
}

// Schemas are immutable: the URN spellings of a resource type are read once per definition object.
const urnsByType = new WeakMap<ScimResourceType, ReadonlyMap<string, string>>();

/** The core schema or extension URN of the resource type that `urn` names in any case, as the type spells it. */
export function schemaUrnOf(resourceType: ScimResourceType, urn: string): string | undefined {
  let urns = urnsByType.get(resourceType);
  if (urns === undefined) {
    urns = new Map(
      [resourceType.schema, ...resourceType.schemaExtensions.map((e) => e.schema)].map((schema) => [
        schema.id.toLowerCase(),
        schema.id,
      ]),
    );
    urnsByType.set(resourceType, urns);
  }
  return urns.get(urn.toLowerCase());
}

export interface SchemaUrns {
  /** Whether the core schema URN is listed. */
  readonly core: boolean;
  /** The listed extensions of the resource type, as the resource type spells them. */
  readonly extensions: ReadonlySet<string>;
}

/**
 * Reads the URNs a `schemas` value lists: one URN string or an array of them, in any case. A URN that
 * is neither the core schema nor an extension of the resource type is invalidValue for add and
 * replace (`unknown: 'refuse'`), and skipped by a remove, which has nothing to remove for it
 * (`'skip'`, as a remove filter that matches nothing, P-PATCH-38).
 */
export function readSchemaUrns(
  value: unknown,
  resourceType: ScimResourceType,
  unknown: 'refuse' | 'skip',
): SchemaUrns {
  const listed: unknown[] = value === null ? [] : Array.isArray(value) ? value : [value];
  const extensions = new Set<string>();
  let core = false;
  for (const urn of listed) {
    if (typeof urn !== 'string') throw ScimError.invalidValue("'schemas' takes schema URN strings");
    const known = schemaUrnOf(resourceType, urn);
    if (known === undefined) {
      if (unknown === 'skip') continue;
      // Shortened: the detail echoes the client's text, which no string limit has bounded here.
      const shown = urn.length > 200 ? `${urn.slice(0, 200)}…` : urn;
      throw ScimError.invalidValue(
        `'${shown}' is neither the schema nor an extension of ${resourceType.name} resources`,
      );
    }
    if (known === resourceType.schema.id) core = true;
    else extensions.add(known);
  }
  return { core, extensions };
}

/**
 * The extensions an operation on `schemas` takes out of the resource (P-PATCH-15, S-EXT-03), whose
 * data then goes: adding an extension URN is accepted and shows once the extension holds data, so it
 * drops nothing; a remove drops the URNs it names; a replace lists those kept and drops the others.
 * The core URN always stays: naming it in a remove, or leaving it out of a replace, is mutability.
 */
export function droppedExtensions(
  op: OperationKind,
  target: SchemasTarget,
  operation: ReadOperation,
  resourceType: ScimResourceType,
): string[] {
  const keepCore = `'schemas' always holds the core schema '${resourceType.schema.id}'`;
  const hasValue = operation.hasValue && operation.value !== undefined;
  if (target.urn !== undefined && op !== 'remove')
    throw ScimError.invalidPath(`A value filter on 'schemas' is only for remove; ${op} a URN`);
  if (op === 'remove' && target.urn === undefined && (!hasValue || operation.value === null))
    throw ScimError.mutability(`${keepCore}; remove an extension by its URN`);
  if (op !== 'remove' && !hasValue) throw ScimError.invalidValue(`'${op}' needs a 'value'`);
  // A filtered remove names its URN in the path, and its value is ignored (P-PATCH-41).
  const listed = readSchemaUrns(
    target.urn ?? operation.value,
    resourceType,
    op === 'remove' ? 'skip' : 'refuse',
  );
  if (op === 'add') return [];
  if (op === 'remove' ? listed.core : !listed.core) throw ScimError.mutability(keepCore);
  return resourceType.schemaExtensions
    .map((extension) => extension.schema.id)
    .filter((urn) => listed.extensions.has(urn) === (op === 'remove'));
}
