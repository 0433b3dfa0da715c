import {
  ScimError,
  type AttributeDefinition,
  type ScimResourceType,
  type ScimResult,
  isJsonObject,
} from '@scim/core';
import type { AttributePathNode, CompareValue, FilterNode, ValuePathNode } from './ast.js';
import {
  bindFilter,
  definitionOf,
  type BindFilterOptions,
  type BoundAttribute,
  type BoundFilterNode,
} from './bind.js';
import { planOr, type BoundCompare } from './any-of.js';
import {
  anyOfTest,
  rememberingReaders,
  valueTest,
  type ValueReaders,
  type ValueTest,
} from './compare.js';
import { checkFilterCost, unboundFilterCost } from './cost.js';
import { parseFilter, type ParseFilterOptions } from './parse.js';

/**
 * A compiled filter: tells whether a resource matches. It never throws, whatever the resource holds.
 * @example `const matches: FilterPredicate = compileFilter('active eq true', { resourceType: UserResourceType })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export type FilterPredicate = (resource: Readonly<Record<string, unknown>>) => boolean;

/**
 * How a filter is compiled. With a `resourceType`, the schema decides names, case sensitivity and
 * types, and `limits.maxCost` bounds the filter's cost (default 64); without one, names match
 * case-insensitively, values compare by their JSON type, and `maxCost` applies only when given.
 * @example `{ resourceType: UserResourceType, lenient: { bareWordValues: true } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface CompileFilterOptions extends ParseFilterOptions, BindFilterOptions {
  readonly resourceType?: ScimResourceType | undefined;
}

/**
 * Compiles a filter into a predicate once: paths are resolved and literals normalised at compile
 * time, so testing a resource re-reads nothing. Throws a `ScimError` (400 invalidFilter) when the
 * filter is malformed, does not fit the schema, or costs more than `limits.maxCost` (with a
 * schema, 64 unless given; without one, only when given).
 * @example
 * ```ts
 * const matches = compileFilter('emails[type eq "work" and value co "@example.com"]', { resourceType: UserResourceType });
 * const found = users.filter(matches);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function compileFilter(
  filter: string | FilterNode,
  options: CompileFilterOptions = {},
): FilterPredicate {
  const node = typeof filter === 'string' ? parseFilter(filter, options) : filter;
  if (options.resourceType === undefined) {
    // Without a schema this is a library testing the caller's own values, not a server scanning up
    // to maxScan resources, so the default bound would only refuse ordinary filters of 6 terms.
    if (options.limits?.maxCost !== undefined)
      checkFilterCost(unboundFilterCost(node), options.limits);
    return compileDynamic(node, undefined);
  }
  const bound = bindFilter(node, options.resourceType, options);
  return compileBound(bound, undefined, sharedReaders(bound));
}

/**
 * {@link compileFilter}, returning its `invalidFilter` problem as an issue instead of throwing.
 * @example `const result = safeCompileFilter(query, { resourceType }); if (!result.ok) return 400;`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function safeCompileFilter(
  filter: string | FilterNode,
  options: CompileFilterOptions = {},
): ScimResult<FilterPredicate> {
  try {
    return { ok: true, value: compileFilter(filter, options) };
  } catch (error) {
    if (error instanceof ScimError) {
      return {
        ok: false,
        issues: [
          {
            code: 'invalid_filter',
            path: [],
            message: error.detail ?? error.message,
            scimType: 'invalidFilter',
          },
        ],
      };
    }
    throw error;
  }
}

/**
 * Compiles the filter of a value path (`emails[type eq "work"]`, as in a PATCH path) into a test of
 * one element of the attribute, with the same binding and semantics as {@link compileFilter}.
 * @example
 * ```ts
 * const isWork = compileValuePathFilter(parseFilter('emails[type eq "work"]') as ValuePathNode, { resourceType: UserResourceType });
 * user.emails.filter(isWork);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function compileValuePathFilter(
  node: ValuePathNode,
  options: CompileFilterOptions & { readonly resourceType: ScimResourceType },
): FilterPredicate {
  // A PATCH path's filter tests the values of one resource, not a scan: maxCost does not apply.
  const limits = { ...options.limits, maxCost: Number.POSITIVE_INFINITY };
  const bound = bindFilter(node, options.resourceType, { ...options, limits });
  if (bound.type !== 'valuePath') throw ScimError.invalidFilter('Expected a value filter');
  return compileBound(bound.filter, 'element', sharedReaders(bound.filter));
}

/**
 * Compiles a filter already bound by {@link bindFilter} (for instance with unknown attributes read as
 * absent), so a store can bind once and both translate and evaluate the same tree.
 * @example `const matches = compileBoundFilter(bindFilter(ast, UserResourceType, { unknownAttributes: 'absent' }))`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function compileBoundFilter(node: BoundFilterNode): FilterPredicate {
  return compileBound(node, undefined, sharedReaders(node));
}

type Reader = (holder: Readonly<Record<string, unknown>>, test: ValueTest) => boolean;

/** `pr`: not null, not "", not [], and for a complex value some sub-attribute present (RFC 7644 §3.4.2.2). */
function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isJsonObject(value)) {
    // Without Object.values: `name pr` on every resource of a scan would allocate an array each.
    for (const key in value) if (Object.hasOwn(value, key) && isPresent(value[key])) return true;
    return false;
  }
  return true;
}

function some(value: unknown, test: ValueTest): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && test(item)) return true;
    return false;
  }
  return test(value);
}

type LogicalShape<N> =
  | { readonly type: 'and' | 'or'; readonly filters: readonly N[] }
  | { readonly type: 'not'; readonly filter: N };

/**
 * `and`, `or` and `not` for both compilers. `compileOr` gives the tests an `or` runs, in order: the
 * bound compiler's plan turns some of its terms into set lookups, and without a schema each term is
 * one test.
 */
function compileLogical<N>(
  node: LogicalShape<N>,
  compileChild: (child: N) => FilterPredicate,
  compileOr: (filters: readonly N[]) => readonly FilterPredicate[] = (filters) =>
    filters.map(compileChild),
): FilterPredicate {
  if (node.type === 'not') {
    const inner = compileChild(node.filter);
    return (resource) => !inner(resource);
  }
  const parts = node.type === 'or' ? compileOr(node.filters) : node.filters.map(compileChild);
  if (parts.length === 1) return parts[0] as FilterPredicate;
  if (node.type === 'and') return (resource) => parts.every((part) => part(resource));
  return (resource) => parts.some((part) => part(resource));
}

/** The value readers of one compiled filter, by attribute path. */
type SharedReaders = ReadonlyMap<string, ValueReaders>;

/**
 * Remembering readers for each attribute that two or more terms compare: they fold or parse each
 * value once per resource. An attribute compared once keeps the plain readers, which remember
 * nothing and so cost nothing extra.
 */
function sharedReaders(node: BoundFilterNode): SharedReaders {
  const counts = new Map<string, number>();
  const stack: BoundFilterNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop() as BoundFilterNode;
    if (current.type === 'and' || current.type === 'or') stack.push(...current.filters);
    else if (current.type === 'not' || current.type === 'valuePath') stack.push(current.filter);
    else if (current.type === 'compare') {
      const path = current.attribute.path;
      counts.set(path, (counts.get(path) ?? 0) + 1);
    }
  }
  const shared = new Map<string, ValueReaders>();
  for (const [path, count] of counts) if (count > 1) shared.set(path, rememberingReaders());
  return shared;
}

/** `attr eq "a" or attr eq "b" or …` on one string attribute, as a single set-lookup predicate. */
function compileAnyOf(
  set: readonly BoundCompare[],
  scope: 'element' | undefined,
  shared: SharedReaders,
): FilterPredicate {
  const first = set[0] as BoundCompare;
  // planOr admits only string and reference attributes, for which anyOfTest always answers.
  const test = anyOfTest(
    definitionOf(first.attribute),
    set.map((term) => term.value as string),
    shared.get(first.attribute.path),
  ) as ValueTest;
  const read = boundReader(first.attribute, scope);
  return (resource) => read(resource, test);
}

function compileBound(
  node: BoundFilterNode,
  scope: 'element' | undefined,
  shared: SharedReaders,
): FilterPredicate {
  switch (node.type) {
    case 'and':
    case 'or':
    case 'not': {
      const compileChild = (child: BoundFilterNode) => compileBound(child, scope, shared);
      return compileLogical(node, compileChild, (filters) => {
        const { sets, rest } = planOr(filters);
        // Set lookups first: each is one cheap test, and any of them matching settles the `or`.
        return [...sets.map((set) => compileAnyOf(set, scope, shared)), ...rest.map(compileChild)];
      });
    }
    case 'valuePath': {
      const read = boundReader(node.attribute, undefined);
      const inner = compileBound(node.filter, 'element', shared);
      return (resource) => read(resource, (element) => isJsonObject(element) && inner(element));
    }
    case 'present': {
      const read = boundReader(node.attribute, scope);
      return (resource) => read(resource, isPresent);
    }
    case 'compare': {
      const read = boundReader(node.attribute, scope);
      const readers = shared.get(node.attribute.path);
      return comparison(read, node.operator, node.value, definitionOf(node.attribute), readers);
    }
  }
}

function comparison(
  read: Reader,
  operator: string,
  value: CompareValue,
  definition: AttributeDefinition | undefined,
  readers?: ValueReaders,
): FilterPredicate {
  // `eq null` is "not present" and `ne null` is "present" (checklist P-FILTER-34).
  if (value === null)
    return operator === 'eq'
      ? (resource) => !read(resource, isPresent)
      : (resource) => read(resource, isPresent);
  const test = valueTest(definition, operator as Parameters<typeof valueTest>[1], value, readers);
  return (resource) => read(resource, test);
}

function boundReader(bound: BoundAttribute, scope: 'element' | undefined): Reader {
  if (bound.kind === 'unknown') return () => false;
  if (bound.kind === 'schemas') return (resource, test) => some(resource.schemas, test);
  const attribute = bound.attribute as AttributeDefinition;
  const sub = bound.subAttribute;
  if (scope === 'element') return subReader(attribute, sub as AttributeDefinition);
  const name = attribute.name;
  const urn = bound.isExtension ? bound.schema : undefined;
  const container = (
    resource: Readonly<Record<string, unknown>>,
  ): Readonly<Record<string, unknown>> | undefined => {
    if (urn === undefined) return resource;
    const data = resource[urn];
    return isJsonObject(data) ? data : undefined;
  };
  if (sub === undefined) {
    return (resource, test) => {
      const holder = container(resource);
      return holder !== undefined && some(holder[name], test);
    };
  }
  const readSub = subReader(attribute, sub);
  return (resource, test) => {
    const holder = container(resource);
    if (holder === undefined) return false;
    const value = holder[name];
    if (Array.isArray(value)) {
      for (const element of value) if (isJsonObject(element) && readSub(element, test)) return true;
      return false;
    }
    return isJsonObject(value) && readSub(value, test);
  };
}

/** Reads a sub-attribute of one complex value; an absent `primary` reads as false (RFC 7643 §2.4). */
function subReader(parent: AttributeDefinition, sub: AttributeDefinition): Reader {
  const name = sub.name;
  const absentIsFalse = parent.multiValued && sub.name === 'primary' && sub.type === 'boolean';
  return (element, test) => {
    const value = element[name];
    if (absentIsFalse && (value === undefined || value === null)) return test(false);
    return some(value, test);
  };
}

// ---- without a schema ----------------------------------------------------------------------------

function compileDynamic(node: FilterNode, scope: 'element' | undefined): FilterPredicate {
  switch (node.type) {
    case 'and':
    case 'or':
    case 'not':
      return compileLogical(node, (child) => compileDynamic(child, scope));
    case 'valuePath': {
      if (scope === 'element') throw ScimError.invalidFilter('Value filters cannot be nested');
      const read = dynamicReader(node.path);
      const inner = compileDynamic(node.filter, 'element');
      return (resource) => read(resource, (element) => isJsonObject(element) && inner(element));
    }
    case 'present': {
      const read = dynamicReader(node.path);
      return (resource) => read(resource, isPresent);
    }
    case 'compare':
      return comparison(dynamicReader(node.path), node.operator, node.value, undefined);
  }
}

function lookup(holder: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(holder, name)) return holder[name];
  const lowered = name.toLowerCase();
  for (const key of Object.keys(holder)) if (key.toLowerCase() === lowered) return holder[key];
  return undefined;
}

function dynamicReader(path: AttributePathNode): Reader {
  const { uri, attribute, subAttribute } = path;
  return (resource, test) => {
    let holder: unknown = resource;
    if (uri !== undefined) {
      const extension = lookup(resource, uri);
      if (isJsonObject(extension)) holder = extension;
    }
    if (!isJsonObject(holder)) return false;
    const value = lookup(holder, attribute);
    if (subAttribute === undefined) return some(value, test);
    const elements = Array.isArray(value) ? value : [value];
    for (const element of elements)
      if (isJsonObject(element) && some(lookup(element, subAttribute), test)) return true;
    return false;
  };
}
