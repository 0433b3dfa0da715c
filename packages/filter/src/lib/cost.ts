// What testing one resource against a filter costs, so that a filter whose scan would take seconds is
// refused before the scan starts (checklist P-FILTER-37). The unit is one comparison of one string
// value; the weights below were measured with the compiled evaluator (bench/filter.bench.ts).
import { ScimError, type AttributeDefinition } from '@scim/core';
import type { FilterNode } from './ast.js';
import { planOr } from './any-of.js';
import { definitionOf, type BoundAttribute, type BoundFilterNode } from './bind.js';
import { DEFAULT_FILTER_LIMITS, type FilterLimits } from './parse.js';

/** Values a multi-valued attribute is taken to hold: a user's emails, two addresses each, cost this. */
const MULTI_VALUED = 4;
/**
 * Parsing a dateTime value costs about as much as 24 string comparisons. A compiled filter parses
 * each value of an attribute once per resource, however many terms compare it.
 */
const DATE_TIME_PARSE = 24;
/** A set lookup hashes the value as given and case-folded. */
const SET_LOOKUP = 2;
/** `pr` on a complex value looks through its sub-attributes. */
const COMPLEX_PRESENT = 2;
/**
 * Without a schema every name may hold several values, and one written in another case than the
 * resource's key is found by scanning the keys: each value read costs about 3.
 */
const DYNAMIC_READ = 3;

/**
 * The estimated work of testing one resource against a bound filter, in comparisons of one value:
 * each term counts 1 per value it reads (a multi-valued attribute counts as 4 values, and a
 * sub-attribute of a single complex attribute 1 more), and the first term on a dateTime attribute
 * 24 more per value for parsing it. A value filter counts its inner filter once per value of its
 * attribute; `eq` terms on one string attribute joined by `or` are one set lookup that counts 2 per
 * value, and value filters on one attribute joined by `or` are one pass over its values. `and` and
 * `or` add up their terms, as both may have to test every one. `limits.maxCost` bounds it.
 * @example `filterCost(bindFilter(parseFilter('emails[type eq "work" and value co "@x"]'), UserResourceType)) // 8`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export function filterCost(node: BoundFilterNode): number {
  return boundCost(node, undefined, new Set());
}

/** `parsed`: the paths of the dateTime attributes already charged their parse. */
function boundCost(
  node: BoundFilterNode,
  scope: 'element' | undefined,
  parsed: Set<string>,
): number {
  switch (node.type) {
    case 'and':
      return sum(node.filters, (child) => boundCost(child, scope, parsed));
    case 'or': {
      const { sets, rest } = planOr(node.filters);
      return (
        sum(sets, (set) =>
          leafCost((set[0] as (typeof set)[number]).attribute, scope, SET_LOOKUP),
        ) + sum(rest, (child) => boundCost(child, scope, parsed))
      );
    }
    case 'not':
      return boundCost(node.filter, scope, parsed);
    case 'valuePath':
      return valueCount(node.attribute.attribute) * boundCost(node.filter, 'element', parsed);
    case 'present':
      return leafCost(node.attribute, scope, presentWeight(node.attribute));
    case 'compare': {
      if (node.value === null)
        return leafCost(node.attribute, scope, presentWeight(node.attribute));
      if (definitionOf(node.attribute)?.type !== 'dateTime')
        return leafCost(node.attribute, scope, 1);
      // The evaluator shares one remembering parser between the terms on one attribute.
      const first = !parsed.has(node.attribute.path);
      parsed.add(node.attribute.path);
      return leafCost(node.attribute, scope, first ? DATE_TIME_PARSE + 1 : 1);
    }
  }
}

function leafCost(bound: BoundAttribute, scope: 'element' | undefined, perValue: number): number {
  if (bound.kind === 'schemas') return MULTI_VALUED * perValue;
  // An unknown name, read as absent, is answered without reading anything.
  if (bound.kind !== 'attribute' || bound.attribute === undefined) return perValue;
  const sub = bound.subAttribute;
  if (scope === 'element') return valueCount(sub ?? bound.attribute) * perValue;
  const values = valueCount(bound.attribute) * (sub === undefined ? 1 : valueCount(sub));
  // Reaching into one complex value (name.givenName, meta.lastModified) is one more step.
  const hop = sub !== undefined && !bound.attribute.multiValued ? 1 : 0;
  return values * perValue + hop;
}

function valueCount(definition: AttributeDefinition | undefined): number {
  return definition?.multiValued === true ? MULTI_VALUED : 1;
}

function presentWeight(bound: BoundAttribute): number {
  return definitionOf(bound)?.type === 'complex' ? COMPLEX_PRESENT : 1;
}

/**
 * The same measure for a filter evaluated without a schema: every term reads a name that may hold
 * several values, looked up case-insensitively.
 */
export function unboundFilterCost(node: FilterNode, scope?: 'element'): number {
  switch (node.type) {
    case 'and':
    case 'or':
      return sum(node.filters, (child) => unboundFilterCost(child, scope));
    case 'not':
      return unboundFilterCost(node.filter, scope);
    case 'valuePath':
      return MULTI_VALUED * unboundFilterCost(node.filter, 'element');
    default:
      return scope === 'element' ? DYNAMIC_READ : MULTI_VALUED * DYNAMIC_READ;
  }
}

/** Throws 400 invalidFilter when `cost` is above `limits.maxCost`. */
export function checkFilterCost(cost: number, limits: FilterLimits | undefined): void {
  const allowed = limits?.maxCost ?? DEFAULT_FILTER_LIMITS.maxCost;
  if (cost <= allowed) return;
  throw ScimError.invalidFilter(
    `The filter is too expensive: testing one resource takes about ${cost} comparisons, and maxCost allows ${allowed}. ` +
      'Use fewer terms; eq terms on one attribute joined by or count once',
  );
}

function sum<T>(items: readonly T[], cost: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += cost(item);
  return total;
}
