/**
 * `@scim/filter`: the SCIM filter language of RFC 7644 §3.4.2.2. A peggy grammar parses filters,
 * PATCH paths and attribute paths into a typed AST; a printer writes it back; `bindFilter` resolves
 * it against a schema for stores that push filters down; `compileFilter` turns it into a fast
 * predicate.
 *
 * @example
 * ```ts
 * import { compileFilter } from '@scim/filter';
 * import { UserResourceType } from '@scim/core';
 * const matches = compileFilter('userName eq "bjensen" and active eq true', { resourceType: UserResourceType });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 * @packageDocumentation
 */
export type {
  AttributePathNode,
  CompareNode,
  CompareOperator,
  CompareValue,
  FilterNode,
  LogicalNode,
  NotNode,
  PatchPathNode,
  PresentNode,
  SourceSpan,
  ValuePathNode,
} from './lib/ast.js';
export {
  DEFAULT_FILTER_LIMITS,
  HARMLESS_FILTER_SYNTAX,
  LENIENT_FILTER_SYNTAX,
  parseFilter,
  parsePatchPath,
  safeParseAttributePath,
  safeParseFilter,
  safeParsePatchPath,
  type FilterLeniency,
  type FilterLimits,
  type ParseFilterOptions,
} from './lib/parse.js';
export { printAttributePath, printFilter, printPatchPath } from './lib/print.js';
export { mapFilter, visitFilter, type FilterVisitor } from './lib/visit.js';
export {
  bindFilter,
  type BindFilterOptions,
  type BoundAttribute,
  type BoundFilterNode,
} from './lib/bind.js';
export { filterCost } from './lib/cost.js';
export { compareCodePoints, parseInstant, type Instant } from './lib/compare.js';
export {
  compileBoundFilter,
  compileFilter,
  compileValuePathFilter,
  safeCompileFilter,
  type CompileFilterOptions,
  type FilterPredicate,
} from './lib/compile.js';
