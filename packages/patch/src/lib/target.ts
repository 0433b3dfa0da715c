// Resolving a PATCH path to what it names, with @scim/filter's parser and evaluator, so that a path
// and a filter always mean the same thing.
import {
  isScimError,
  resolveAttributePath,
  ScimError,
  type AttributeDefinition,
  type ScimAppliedRule,
  type ScimResourceType,
} from '@scim/core';
import {
  compileValuePathFilter,
  printAttributePath,
  safeParsePatchPath,
  type FilterNode,
  type FilterPredicate,
  type ParseFilterOptions,
} from '@scim/filter';
import { schemasTargetOf, type SchemasTarget } from './schemas-path.js';
import { isValueIdentity } from './working.js';

export interface ValueSelector {
  readonly test: FilterPredicate;
  /** Sub-attribute values an `eq`-only filter pins down, to create an element when nothing matches. */
  readonly pinned: Readonly<Record<string, unknown>> | undefined;
  /** The filter is `value eq "x"` and values are identified by `value`: found by index, not by a scan. */
  readonly byValue: boolean;
  readonly text: string;
  /** The filter leniencies its value filter needed, reported by every request that uses the path. */
  readonly applied: readonly ScimAppliedRule[] | undefined;
}

export interface AttributeTarget {
  readonly kind: 'attribute';
  /** The extension URN, or undefined for the core schema and common attributes. */
  readonly urn: string | undefined;
  readonly attribute: AttributeDefinition;
  readonly sub: AttributeDefinition | undefined;
  readonly selector: ValueSelector | undefined;
  readonly path: string;
}

export interface ExtensionTarget {
  readonly kind: 'extension';
  readonly urn: string;
  readonly path: string;
}

export type Target = AttributeTarget | ExtensionTarget | SchemasTarget;

// Paths repeat across requests ("members", 'emails[type eq "work"].value'), and resolving one means
// parsing, schema lookup and compiling its filter: a bounded cache per resource type keeps that work
// to the first request. Targets are immutable, and the caches are keyed by the definition object and
// by the filter options object (a server passes one frozen object per handler), so two servers with
// different schemas or different filter leniencies never share entries.
const MAX_CACHED_PATHS = 1_000;
type TargetCache = WeakMap<ScimResourceType, Map<string, Target>>;
const withoutOptions: TargetCache = new WeakMap();
const byOptions = new WeakMap<ParseFilterOptions, TargetCache>();
const NO_OPTIONS: ParseFilterOptions = Object.freeze({});

/** What a PATCH path names, read once per resource type, options object and path text. */
export function resolveTarget(
  text: string,
  resourceType: ScimResourceType,
  parseOptions: ParseFilterOptions | undefined,
): Target {
  return resolveIn(targetCache(resourceType, parseOptions), text, resourceType, parseOptions);
}

/**
 * The resolved paths of one resource type and options object: a request looks it up once, then
 * resolves each of its paths with {@link resolveIn}.
 */
export function targetCache(
  resourceType: ScimResourceType,
  parseOptions: ParseFilterOptions | undefined,
): Map<string, Target> {
  let caches = parseOptions === undefined ? withoutOptions : byOptions.get(parseOptions);
  if (caches === undefined) {
    caches = new WeakMap();
    byOptions.set(parseOptions as ParseFilterOptions, caches);
  }
  let cache = caches.get(resourceType);
  if (cache === undefined) {
    cache = new Map();
    caches.set(resourceType, cache);
  }
  return cache;
}

/** {@link resolveTarget} with the cache that {@link targetCache} gave for the same type and options. */
export function resolveIn(
  cache: Map<string, Target>,
  text: string,
  resourceType: ScimResourceType,
  parseOptions: ParseFilterOptions | undefined,
): Target {
  let target = cache.get(text);
  if (target === undefined) {
    target = resolveUncached(text, resourceType, parseOptions ?? NO_OPTIONS);
    if (cache.size >= MAX_CACHED_PATHS) cache.delete(cache.keys().next().value as string);
    cache.set(text, target);
  }
  return target;
}

function resolveUncached(
  text: string,
  resourceType: ScimResourceType,
  parseOptions: ParseFilterOptions,
): Target {
  const parsed = safeParsePatchPath(text, parseOptions);
  if (!parsed.ok)
    throw ScimError.invalidPath(parsed.issues.map((issue) => issue.message).join('; '));
  const node = parsed.value;
  const schemas = schemasTargetOf(node, text, resourceType);
  if (schemas !== undefined) return schemas;
  const attributeText = printAttributePath(node.path);
  const resolved = resolveAttributePath(resourceType, attributeText);
  if (!resolved.ok)
    throw ScimError.invalidPath(
      `Path '${text}': ${resolved.issues.map((issue) => issue.message).join('; ')}`,
    );
  const { attribute, schema, isExtension } = resolved.value;
  const urn = isExtension ? schema : undefined;
  if (attribute === undefined) {
    if (node.filter !== undefined || urn === undefined)
      throw ScimError.invalidPath(`Path '${text}' does not name an attribute`);
    return { kind: 'extension', urn, path: urn };
  }
  if (node.filter === undefined) {
    return {
      kind: 'attribute',
      urn,
      attribute,
      sub: resolved.value.subAttribute,
      selector: undefined,
      path: resolved.value.path,
    };
  }
  if (
    resolved.value.subAttribute !== undefined ||
    attribute.type !== 'complex' ||
    !attribute.multiValued
  ) {
    throw ScimError.invalidPath(
      `Path '${text}': a value filter needs a multi-valued complex attribute`,
    );
  }
  let sub: AttributeDefinition | undefined;
  if (node.subAttribute !== undefined) {
    const name = node.subAttribute.toLowerCase();
    sub = attribute.subAttributes.find((candidate) => candidate.name.toLowerCase() === name);
    if (sub === undefined)
      throw ScimError.invalidPath(
        `Path '${text}': '${attribute.name}' has no sub-attribute '${node.subAttribute}'`,
      );
  }
  let test: FilterPredicate;
  try {
    test = compileValuePathFilter(
      { type: 'valuePath', path: node.path, filter: node.filter },
      { ...parseOptions, resourceType },
    );
  } catch (error) {
    if (isScimError(error))
      throw ScimError.invalidFilter(`Path '${text}': ${error.detail ?? error.message}`);
    throw error;
  }
  const pinned = pinnedValues(node.filter, attribute);
  // `value eq "x"` on an attribute whose values are identified by `value` (members) is an index lookup.
  const byValue =
    pinned !== undefined &&
    Object.keys(pinned).length === 1 &&
    'value' in pinned &&
    isValueIdentity(attribute);
  const selector: ValueSelector = { test, pinned, byValue, text, applied: parsed.applied };
  return { kind: 'attribute', urn, attribute, sub, selector, path: resolved.value.path };
}

/** `type eq "work" and value eq "x"` pins type and value; any other filter pins nothing. */
function pinnedValues(
  filter: FilterNode,
  attribute: AttributeDefinition,
): Record<string, unknown> | undefined {
  const terms = filter.type === 'and' ? filter.filters : [filter];
  const pinned: Record<string, unknown> = {};
  for (const term of terms) {
    if (
      term.type !== 'compare' ||
      term.operator !== 'eq' ||
      term.value === null ||
      term.path.subAttribute !== undefined ||
      term.path.uri !== undefined
    ) {
      return undefined;
    }
    const name = term.path.attribute.toLowerCase();
    const sub = attribute.subAttributes.find((candidate) => candidate.name.toLowerCase() === name);
    if (sub === undefined) return undefined;
    pinned[sub.name] = term.value;
  }
  return pinned;
}
