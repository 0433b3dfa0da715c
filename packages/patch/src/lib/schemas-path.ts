// `schemas` as a PATCH target (RFC 7644 §3.5.2): it is no attribute of any schema, so the attribute
// resolver cannot name it; this module recognises the path and reads the URNs a value lists.
import { ScimError, type ScimResourceType } from '@scim/core';
import { safeParsePatchPath, type ParseFilterOptions } from '@scim/filter';

export interface SchemasTarget {
  /** The URN a `schemas[value eq "…"]` filter names, or undefined for the plain path. */
  readonly urn: string | undefined;
}

// A cheap test first: most paths are not about `schemas`, and extension URNs contain ":schemas:".
const MAYBE_SCHEMAS = /(?:^|:)schemas\s*(?:\[|$)/i;

/** The `schemas` target a path names (`schemas`, `<core URN>:schemas`, `schemas[value eq "…"]`), or undefined. */
export function schemasTargetOf(
  text: string,
  resourceType: ScimResourceType,
  parseOptions: ParseFilterOptions | undefined,
): SchemasTarget | undefined {
  if (!MAYBE_SCHEMAS.test(text.trim())) return undefined;
  // A path that does not parse is left to the attribute resolver, which reports it.
  const parsed = safeParsePatchPath(text, parseOptions ?? {});
  if (!parsed.ok) return undefined;
  const { path, filter, subAttribute } = parsed.value;
  if (
    path.attribute.toLowerCase() !== 'schemas' ||
    path.subAttribute !== undefined ||
    subAttribute !== undefined ||
    (path.uri !== undefined && path.uri.toLowerCase() !== resourceType.schema.id.toLowerCase())
  )
    return undefined;
  if (filter === undefined) return { urn: undefined };
  if (
    filter.type === 'compare' &&
    filter.operator === 'eq' &&
    filter.path.attribute.toLowerCase() === 'value' &&
    filter.path.uri === undefined &&
    filter.path.subAttribute === undefined &&
    typeof filter.value === 'string'
  )
    return { urn: filter.value };
  throw ScimError.invalidFilter(
    `Path '${text}': 'schemas' takes only the filter [value eq "<schema URN>"]`,
  );
}

export interface SchemaUrns {
  /** Whether the core schema URN is listed. */
  readonly core: boolean;
  /** The listed extensions of the resource type, as the resource type spells them. */
  readonly extensions: ReadonlySet<string>;
}

/**
 * Reads a `schemas` value for add or replace: one URN or an array of URNs, each the core schema or an
 * extension of this resource type (in any case); anything else is invalidValue.
 */
export function readSchemaUrns(value: unknown, resourceType: ScimResourceType): SchemaUrns {
  const listed: unknown[] = value === null ? [] : Array.isArray(value) ? value : [value];
  const extensions = new Set<string>();
  let core = false;
  for (const urn of listed) {
    if (typeof urn !== 'string') throw ScimError.invalidValue("'schemas' takes schema URN strings");
    const known = urnOf(urn, resourceType);
    if (known === undefined)
      throw ScimError.invalidValue(
        `'${urn}' is neither the schema nor an extension of ${resourceType.name} resources`,
      );
    if (known === resourceType.schema.id) core = true;
    else extensions.add(known);
  }
  return { core, extensions };
}

/** The schema or extension URN of the resource type that `urn` names in any case, as the type spells it. */
export function urnOf(urn: string, resourceType: ScimResourceType): string | undefined {
  const lowered = urn.toLowerCase();
  if (lowered === resourceType.schema.id.toLowerCase()) return resourceType.schema.id;
  return resourceType.schemaExtensions.find((e) => e.schema.id.toLowerCase() === lowered)?.schema
    .id;
}
