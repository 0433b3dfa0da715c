import {
  resolveAttributePath,
  ScimError,
  type AttributeDefinition,
  type ScimResourceType,
} from '@scim/core';
import type {
  AttributePathNode,
  CompareNode,
  CompareOperator,
  CompareValue,
  FilterNode,
  PresentNode,
} from './ast.js';
import { parseInstant } from './compare.js';
import { checkFilterCost, filterCost } from './cost.js';
import type { FilterLimits } from './parse.js';
import { printAttributePath } from './print.js';

/**
 * An attribute path bound to its schema definition, in canonical case. Inside a value filter
 * (`emails[type eq "work"]`), `attribute` is the bracketed attribute and `subAttribute` the one
 * compared. `attribute` is undefined for the `schemas` pseudo-attribute and, when unknown attributes
 * are read as absent, for unknown names.
 * @example `bindFilter(parseFilter('NAME.GIVENNAME eq "B"'), UserResourceType) // attribute.path === 'name.givenName'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export interface BoundAttribute {
  readonly kind: 'attribute' | 'schemas' | 'unknown';
  /** The schema URN the attribute belongs to. */
  readonly schema: string;
  readonly isExtension: boolean;
  readonly attribute: AttributeDefinition | undefined;
  readonly subAttribute: AttributeDefinition | undefined;
  /** True when a bare complex attribute stands for its `value` sub-attribute (`emails co "x"`, Entra's `manager eq "id"`). */
  readonly implicitValue: boolean;
  /** Canonical path: URN-qualified for extension attributes. */
  readonly path: string;
}

/**
 * A filter bound to a resource type: every path resolved, every literal checked against the
 * attribute's type. This is what a store pushes down to its database.
 * @example `const bound = bindFilter(parseFilter(text), UserResourceType);`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export type BoundFilterNode =
  | {
      readonly type: 'compare';
      readonly attribute: BoundAttribute;
      readonly operator: CompareOperator;
      readonly value: CompareValue;
      readonly source: CompareNode;
    }
  | { readonly type: 'present'; readonly attribute: BoundAttribute; readonly source: PresentNode }
  | { readonly type: 'and' | 'or'; readonly filters: readonly BoundFilterNode[] }
  | { readonly type: 'not'; readonly filter: BoundFilterNode }
  | {
      readonly type: 'valuePath';
      readonly attribute: BoundAttribute;
      readonly filter: BoundFilterNode;
    };

/**
 * How names that no schema of the resource type defines are treated: an `invalidFilter` error (the
 * default, checklist P-FILTER-29), or an attribute with no value (for queries across resource types,
 * P-FILTER-28).
 * @example `{ unknownAttributes: 'absent' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.1
 */
export interface BindFilterOptions {
  readonly unknownAttributes?: 'error' | 'absent';
  /** Only `maxCost` applies here: a bound filter above it is `invalidFilter` (default 64). */
  readonly limits?: FilterLimits | undefined;
}

/**
 * The definition a bound attribute compares: the sub-attribute when there is one, else the
 * attribute; `schemas` reads as a multi-valued string of URIs; an unknown name has none. The binder,
 * the cost measure, the `or` planner and the evaluator all read it here, so they cannot disagree.
 */
export function definitionOf(bound: BoundAttribute): AttributeDefinition | undefined {
  if (bound.kind === 'schemas') return SCHEMAS_DEFINITION;
  return bound.subAttribute ?? bound.attribute;
}

// `schemas` holds URIs compared case-insensitively, like the URNs they are (RFC 7644 §3.10).
const SCHEMAS_DEFINITION: AttributeDefinition = Object.freeze({
  name: 'schemas',
  type: 'string',
  multiValued: true,
  description: '',
  required: true,
  canonicalValues: [],
  caseExact: false,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'none',
  referenceTypes: [],
  subAttributes: [],
});

const ORDERING: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew']);

/**
 * Resolves a parsed filter against a resource type and checks it: unknown or ambiguous names,
 * value filters on attributes that are not complex, operators that do not fit the attribute's type
 * (`gt` on a boolean, `co` on a number), literals of the wrong type and a {@link filterCost} above
 * `limits.maxCost` are `invalidFilter` errors.
 * @example
 * ```ts
 * const bound = bindFilter(parseFilter('emails[type eq "work"].value pr'), UserResourceType);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function bindFilter(
  node: FilterNode,
  resourceType: ScimResourceType,
  options: BindFilterOptions = {},
): BoundFilterNode {
  const bound = bind(node, resourceType, options, undefined);
  checkFilterCost(filterCost(bound), options.limits);
  return bound;
}

function bind(
  node: FilterNode,
  resourceType: ScimResourceType,
  options: BindFilterOptions,
  parent: BoundAttribute | undefined,
): BoundFilterNode {
  switch (node.type) {
    case 'and':
    case 'or':
      return {
        type: node.type,
        filters: node.filters.map((child) => bind(child, resourceType, options, parent)),
      };
    case 'not':
      return { type: 'not', filter: bind(node.filter, resourceType, options, parent) };
    case 'valuePath': {
      if (parent !== undefined) throw ScimError.invalidFilter('Value filters cannot be nested');
      const attribute = resolve(node.path, resourceType, options, undefined, true);
      if (
        attribute.kind === 'attribute' &&
        (attribute.attribute?.type !== 'complex' || attribute.subAttribute !== undefined)
      ) {
        throw ScimError.invalidFilter(
          `'${printAttributePath(node.path)}' is not a complex attribute, so it takes no value filter`,
        );
      }
      if (attribute.kind === 'schemas')
        throw ScimError.invalidFilter("'schemas' takes no value filter");
      return {
        type: 'valuePath',
        attribute,
        filter: bind(node.filter, resourceType, options, attribute),
      };
    }
    case 'present':
      return {
        type: 'present',
        attribute: resolve(node.path, resourceType, options, parent, true),
        source: node,
      };
    case 'compare': {
      const attribute = resolve(node.path, resourceType, options, parent);
      checkOperation(attribute, node);
      return {
        type: 'compare',
        attribute,
        operator: node.operator,
        value: node.value,
        source: node,
      };
    }
  }
}

function resolve(
  path: AttributePathNode,
  resourceType: ScimResourceType,
  options: BindFilterOptions,
  parent: BoundAttribute | undefined,
  wholeComplex = false,
): BoundAttribute {
  const text = printAttributePath(path);
  if (parent !== undefined) return resolveWithin(path, parent, text);
  if (
    path.uri === undefined &&
    path.subAttribute === undefined &&
    path.attribute.toLowerCase() === 'schemas'
  ) {
    return {
      kind: 'schemas',
      schema: resourceType.schema.id,
      isExtension: false,
      attribute: undefined,
      subAttribute: undefined,
      implicitValue: false,
      path: 'schemas',
    };
  }
  const result = resolveAttributePath(resourceType, text);
  if (!result.ok) {
    if (
      options.unknownAttributes === 'absent' &&
      result.issues.every((issue) => issue.code === 'unknown_attribute')
    ) {
      return {
        kind: 'unknown',
        schema: resourceType.schema.id,
        isExtension: false,
        attribute: undefined,
        subAttribute: undefined,
        implicitValue: false,
        path: text,
      };
    }
    throw ScimError.invalidFilter(result.issues.map((issue) => issue.message).join('; '));
  }
  const { attribute, subAttribute } = result.value;
  if (attribute === undefined)
    throw ScimError.invalidFilter(`'${text}' names a whole schema, not an attribute`);
  for (const definition of [attribute, subAttribute]) {
    if (definition?.returned === 'never')
      throw ScimError.invalidFilter(
        `'${definition.name}' is never returned, so it cannot be filtered on`,
      );
  }
  let implicitValue = false;
  let sub = subAttribute;
  if (attribute.type === 'complex' && sub === undefined && !wholeComplex) {
    // `emails co "x"` and Entra's `manager eq "id"` mean the `value` sub-attribute (checklist P-FILTER-16).
    sub = attribute.subAttributes.find((candidate) => candidate.name === 'value');
    if (sub === undefined)
      throw ScimError.invalidFilter(
        `'${attribute.name}' is complex; compare one of its sub-attributes`,
      );
    implicitValue = true;
  }
  return {
    kind: 'attribute',
    schema: result.value.schema,
    isExtension: result.value.isExtension,
    attribute,
    subAttribute: sub,
    implicitValue,
    path: result.value.path,
  };
}

function resolveWithin(
  path: AttributePathNode,
  parent: BoundAttribute,
  text: string,
): BoundAttribute {
  if (parent.kind === 'unknown') return { ...parent, path: `${parent.path}.${text}` };
  const definition = parent.attribute;
  if (path.uri !== undefined || path.subAttribute !== undefined || definition === undefined) {
    throw ScimError.invalidFilter(
      `Inside '${parent.path}[…]', '${text}' must be a sub-attribute name`,
    );
  }
  const sub = definition.subAttributes.find(
    (candidate) => candidate.name.toLowerCase() === path.attribute.toLowerCase(),
  );
  if (sub === undefined)
    throw ScimError.invalidFilter(`'${definition.name}' has no sub-attribute '${path.attribute}'`);
  if (sub.returned === 'never')
    throw ScimError.invalidFilter(`'${sub.name}' is never returned, so it cannot be filtered on`);
  return { ...parent, subAttribute: sub, implicitValue: false, path: `${parent.path}.${sub.name}` };
}

function checkOperation(bound: BoundAttribute, node: CompareNode): void {
  const { operator, value } = node;
  const where = `'${bound.path} ${operator}'`;
  if (value === null) {
    if (operator !== 'eq' && operator !== 'ne')
      throw ScimError.invalidFilter(`${where} cannot compare with null; use eq or ne`);
    return;
  }
  if (bound.kind === 'unknown') return;
  const type = definitionOf(bound)?.type;
  switch (type) {
    case 'boolean':
      if (operator !== 'eq' && operator !== 'ne')
        throw ScimError.invalidFilter(`${where}: booleans support only eq, ne and pr`);
      if (typeof value !== 'boolean')
        throw ScimError.invalidFilter(`${where} needs true or false, got ${JSON.stringify(value)}`);
      return;
    case 'integer':
    case 'decimal':
      if (SUBSTRING.has(operator))
        throw ScimError.invalidFilter(`${where}: numbers do not support co, sw or ew`);
      if (typeof value !== 'number')
        throw ScimError.invalidFilter(`${where} needs a number, got ${JSON.stringify(value)}`);
      return;
    case 'dateTime':
      if (SUBSTRING.has(operator))
        throw ScimError.invalidFilter(`${where}: dateTimes do not support co, sw or ew`);
      if (typeof value !== 'string' || parseInstant(value) === undefined) {
        throw ScimError.invalidFilter(
          `${where} needs an xsd:dateTime string such as "2011-05-13T04:42:34Z", got ${JSON.stringify(value)}`,
        );
      }
      return;
    case 'binary':
      if (ORDERING.has(operator))
        throw ScimError.invalidFilter(`${where}: binary values cannot be ordered`);
      if (typeof value !== 'string')
        throw ScimError.invalidFilter(`${where} needs a string, got ${JSON.stringify(value)}`);
      return;
    case 'complex':
      throw ScimError.invalidFilter(
        `${where}: '${bound.path}' is complex; compare one of its sub-attributes`,
      );
    default:
      if (typeof value !== 'string')
        throw ScimError.invalidFilter(`${where} needs a string, got ${JSON.stringify(value)}`);
  }
}
