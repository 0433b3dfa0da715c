// How the terms of an `or` are tested: `eq` terms on one string attribute as one set lookup, and
// value filters on one attribute as one pass over its values. The evaluator and the cost measure
// both read this plan, so a filter is charged for the work the evaluator actually does.
import type { AttributeDefinition } from '@scim/core';
import { definitionOf, type BoundFilterNode } from './bind.js';

/** A bound `attr op value` term. */
export type BoundCompare = Extract<BoundFilterNode, { type: 'compare' }>;
type BoundValuePath = Extract<BoundFilterNode, { type: 'valuePath' }>;

/** From this many `eq` terms on one string attribute, an `or` tests them as one set lookup. */
const ANY_OF_THRESHOLD = 4;

/** The children of an `or`: groups of `eq` terms tested as one set lookup each, and the rest. */
export interface OrPlan {
  readonly sets: readonly (readonly BoundCompare[])[];
  readonly rest: readonly BoundFilterNode[];
}

/** A term that can join a set lookup: `eq` with a string on a string or reference attribute. */
function setKey(node: BoundFilterNode): string | undefined {
  if (node.type !== 'compare' || node.operator !== 'eq' || typeof node.value !== 'string')
    return undefined;
  if (node.attribute.kind !== 'attribute') return undefined;
  const type = definitionOf(node.attribute)?.type;
  return type === 'string' || type === 'reference' ? node.attribute.path : undefined;
}

function valuePathKey(node: BoundFilterNode): string | undefined {
  return node.type === 'valuePath' && node.attribute.kind === 'attribute'
    ? node.attribute.path
    : undefined;
}

/**
 * Plans an `or`. Terms need not be adjacent: `or` is commutative and every term is a pure test, so
 * `userName eq "a" or externalId eq "x" or userName eq "b" …` tests each attribute's literals as one
 * set, and `emails[value eq "a"] or emails[value eq "b"]` is `emails[value eq "a" or value eq "b"]`
 * (some value matches one or the other exactly when some value matches either), whose inner `or`
 * is a set lookup in its turn.
 */
export function planOr(filters: readonly BoundFilterNode[]): OrPlan {
  const setGroups = groupBy(filters, setKey) as Map<string, BoundCompare[]>;
  const pathGroups = groupBy(filters, valuePathKey) as Map<string, BoundValuePath[]>;
  const sets: BoundCompare[][] = [];
  const merged = new Map<BoundFilterNode, BoundFilterNode | undefined>();
  for (const group of setGroups.values()) {
    if (
      group.length < ANY_OF_THRESHOLD ||
      !sameDefinition(group, (node) => definitionOf(node.attribute))
    )
      continue;
    sets.push(group);
    for (const member of group) merged.set(member, undefined);
  }
  for (const group of pathGroups.values()) {
    if (group.length < 2 || !sameDefinition(group, (node) => node.attribute.attribute)) continue;
    const [first, ...others] = group as [BoundValuePath, ...BoundValuePath[]];
    const inner = group.flatMap((node) =>
      node.filter.type === 'or' ? node.filter.filters : [node.filter],
    );
    merged.set(first, { ...first, filter: { type: 'or', filters: inner } });
    for (const member of others) merged.set(member, undefined);
  }
  if (merged.size === 0) return { sets, rest: filters };
  const rest: BoundFilterNode[] = [];
  for (const child of filters) {
    if (!merged.has(child)) rest.push(child);
    else {
      const replacement = merged.get(child);
      if (replacement !== undefined) rest.push(replacement);
    }
  }
  return { sets, rest };
}

function groupBy(
  filters: readonly BoundFilterNode[],
  key: (node: BoundFilterNode) => string | undefined,
): Map<string, BoundFilterNode[]> {
  const groups = new Map<string, BoundFilterNode[]>();
  for (const child of filters) {
    const name = key(child);
    if (name === undefined) continue;
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [child]);
    else group.push(child);
  }
  return groups;
}

function sameDefinition<N>(
  group: readonly N[],
  definition: (node: N) => AttributeDefinition | undefined,
): boolean {
  const first = definition(group[0] as N);
  return group.every((member) => definition(member) === first);
}
