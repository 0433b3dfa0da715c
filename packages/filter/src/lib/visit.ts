import type {
  CompareNode,
  FilterNode,
  LogicalNode,
  NotNode,
  PresentNode,
  ValuePathNode,
} from './ast.js';

/**
 * Rebuilds a filter bottom-up: `transform` sees every node after its children were rebuilt, and may
 * return it unchanged or a replacement (to rename attributes, rewrite operators, drop terms, …).
 * @example
 * ```ts
 * // Qualify every top-level attribute with the core User URN.
 * const qualified = mapFilter(filter, (node) =>
 *   node.type === 'compare' && node.path.uri === undefined
 *     ? { ...node, path: { ...node.path, uri: USER_SCHEMA_URN } }
 *     : node);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function mapFilter(
  node: FilterNode,
  transform: (node: FilterNode) => FilterNode,
): FilterNode {
  switch (node.type) {
    case 'and':
    case 'or':
      return transform({
        ...node,
        filters: node.filters.map((child) => mapFilter(child, transform)),
      });
    case 'not':
    case 'valuePath':
      return transform({ ...node, filter: mapFilter(node.filter, transform) });
    default:
      return transform(node);
  }
}

/**
 * Handlers for each kind of filter node, for turning a filter into something else (SQL, a query
 * object, a description). Each handler gets the node and a function that visits a child.
 * @example `const sql = visitFilter(filter, { compare: (n) => …, present: (n) => …, and: (n, visit) => n.filters.map(visit).join(' AND '), … })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface FilterVisitor<T> {
  compare(node: CompareNode, visit: (child: FilterNode) => T): T;
  present(node: PresentNode, visit: (child: FilterNode) => T): T;
  and(node: LogicalNode, visit: (child: FilterNode) => T): T;
  or(node: LogicalNode, visit: (child: FilterNode) => T): T;
  not(node: NotNode, visit: (child: FilterNode) => T): T;
  valuePath(node: ValuePathNode, visit: (child: FilterNode) => T): T;
}

/**
 * Folds a filter with a {@link FilterVisitor}: the handler for the node's type decides the result,
 * and visits children as it needs.
 * @example `visitFilter(parseFilter('a pr and b pr'), { …, present: (n) => n.path.attribute, and: (n, visit) => n.filters.map(visit).join('+') })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function visitFilter<T>(node: FilterNode, visitor: FilterVisitor<T>): T {
  const visit = (child: FilterNode): T => visitFilter(child, visitor);
  switch (node.type) {
    case 'compare':
      return visitor.compare(node, visit);
    case 'present':
      return visitor.present(node, visit);
    case 'and':
      return visitor.and(node, visit);
    case 'or':
      return visitor.or(node, visit);
    case 'not':
      return visitor.not(node, visit);
    case 'valuePath':
      return visitor.valuePath(node, visit);
  }
}
