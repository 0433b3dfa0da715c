// The filter AST: a discriminated union on `type`, with source offsets where it came from text.

/**
 * Where a node came from in the filter text: UTF-16 offsets, end exclusive.
 * @example `filter.location // { start: 0, end: 20 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface SourceSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * `attrPath = [URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.4.2.2), as written: names keep the client's
 * case until a schema binds them.
 * @example `{ type: 'attributePath', attribute: 'name', subAttribute: 'givenName' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export interface AttributePathNode {
  readonly type: 'attributePath';
  /** The schema URN before the attribute, without the trailing colon. */
  readonly uri?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
  readonly location?: SourceSpan;
}

/**
 * The attribute operators of RFC 7644 §3.4.2.2 Table 3, except `pr`.
 * @example `const op: CompareOperator = 'sw'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

/**
 * A comparison value: a JSON literal (`compValue = false / null / true / number / string`).
 * @example `const value: CompareValue = 'bjensen'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export type CompareValue = string | number | boolean | null;

/**
 * `attrPath compareOp compValue`, such as `userName eq "bjensen"`.
 * @example `{ type: 'compare', path, operator: 'eq', value: 'bjensen' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface CompareNode {
  readonly type: 'compare';
  readonly path: AttributePathNode;
  readonly operator: CompareOperator;
  readonly value: CompareValue;
  readonly location?: SourceSpan;
}

/**
 * `attrPath pr`: the attribute has a non-empty value.
 * @example `{ type: 'present', path }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface PresentNode {
  readonly type: 'present';
  readonly path: AttributePathNode;
  readonly location?: SourceSpan;
}

/**
 * `FILTER and FILTER …` or `FILTER or FILTER …`: a chain of two or more filters at one level of
 * parentheses (a parenthesised chain of the same operator stays a separate node).
 * @example `{ type: 'and', filters: [a, b, c] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface LogicalNode {
  readonly type: 'and' | 'or';
  readonly filters: readonly FilterNode[];
  readonly location?: SourceSpan;
}

/**
 * `not (FILTER)`.
 * @example `{ type: 'not', filter }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface NotNode {
  readonly type: 'not';
  readonly filter: FilterNode;
  readonly location?: SourceSpan;
}

/**
 * `attrPath "[" valFilter "]"`: some value of a multi-valued complex attribute matches the inner
 * filter, whose paths name sub-attributes of `path`.
 * @example `{ type: 'valuePath', path: emails, filter: typeEqWork }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface ValuePathNode {
  readonly type: 'valuePath';
  readonly path: AttributePathNode;
  readonly filter: FilterNode;
  readonly location?: SourceSpan;
}

/**
 * Any filter expression.
 * @example `const filter: FilterNode = parseFilter('userName eq "bjensen"')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export type FilterNode = CompareNode | PresentNode | LogicalNode | NotNode | ValuePathNode;

/**
 * A PATCH `path` (RFC 7644 §3.5.2: `PATH = attrPath / valuePath [subAttr]`).
 * @example `parsePatchPath('emails[type eq "work"].value') // { path: emails, filter, subAttribute: 'value' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface PatchPathNode {
  readonly type: 'patchPath';
  readonly path: AttributePathNode;
  readonly filter?: FilterNode;
  /** The sub-attribute after a value filter: `emails[type eq "work"].value`. */
  readonly subAttribute?: string;
  readonly location?: SourceSpan;
}
