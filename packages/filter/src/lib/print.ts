import type { AttributePathNode, CompareValue, FilterNode, PatchPathNode } from './ast.js';

/**
 * Prints a filter as canonical RFC 7644 text: lower-case operators, JSON literals, single spaces,
 * and parentheses exactly where the tree needs them, so that `parseFilter(printFilter(ast))` gives
 * back the same tree.
 * @example `printFilter(parseFilter('userName EQ "bjensen"  AND  title PR')) // 'userName eq "bjensen" and title pr'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function printFilter(node: FilterNode): string {
  switch (node.type) {
    case 'compare':
      return `${printAttributePath(node.path)} ${node.operator} ${printValue(node.value)}`;
    case 'present':
      return `${printAttributePath(node.path)} pr`;
    case 'not':
      return `not (${printFilter(node.filter)})`;
    case 'valuePath':
      return `${printAttributePath(node.path)}[${printFilter(node.filter)}]`;
    case 'and':
    case 'or':
      return node.filters.map((child) => printOperand(node.type, child)).join(` ${node.type} `);
  }
}

// An operand keeps its own node when re-parsed: a chain inside a chain of the same kind, and an
// "or" inside an "and", go in parentheses.
function printOperand(parent: 'and' | 'or', child: FilterNode): string {
  const needsParentheses = child.type === parent || (parent === 'and' && child.type === 'or');
  const text = printFilter(child);
  return needsParentheses ? `(${text})` : text;
}

/**
 * Prints an attribute path: `[URI ":"] ATTRNAME ["." subAttr]`.
 * @example `printAttributePath({ type: 'attributePath', attribute: 'name', subAttribute: 'givenName' }) // 'name.givenName'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export function printAttributePath(path: AttributePathNode): string {
  const local =
    path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  return path.uri === undefined ? local : `${path.uri}:${local}`;
}

/**
 * Prints a PATCH path: `attrPath` or `attrPath[valFilter]` with an optional `.subAttr`.
 * @example `printPatchPath(parsePatchPath('members[value eq "1"]')) // 'members[value eq "1"]'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function printPatchPath(path: PatchPathNode): string {
  const base = printAttributePath(path.path);
  if (path.filter === undefined) return base;
  const filtered = `${base}[${printFilter(path.filter)}]`;
  return path.subAttribute === undefined ? filtered : `${filtered}.${path.subAttribute}`;
}

function printValue(value: CompareValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
    return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  }
  return JSON.stringify(value);
}
