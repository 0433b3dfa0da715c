import { ScimError, type ScimAppliedRule, type ScimIssue, type ScimResult } from '@scim/core';
import type { AttributePathNode, FilterNode, PatchPathNode } from './ast.js';
import { FastReader } from './fast-parse.js';
import { leniencyUsed } from './leniency.js';
import { parse, SyntaxError as GrammarSyntaxError } from './generated/parser.js';

/**
 * Opt-in readings of what real clients send instead of RFC 7644 filters; all off by default.
 * @example `parseFilter('externalId eq jyoung', { lenient: { bareWordValues: true } })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface FilterLeniency {
  /** An unquoted word is a string: `externalId eq jyoung`, `meta.created gt 2015-10-10T14:38:21.8617979-07:00` (Entra docs, Microsoft's Postman collection). */
  readonly bareWordValues?: boolean;
  /** `'Group'` as a string, as RFC 7644's own examples write it (checklist D-06). */
  readonly singleQuotedStrings?: boolean;
  /** `TRUE`, `False`, `NULL` (checklist P-FILTER-09). */
  readonly caseInsensitiveLiterals?: boolean;
  /** `emails[type eq "work"].value eq "x"`, read as `emails[type eq "work" and value eq "x"]` (Entra, X-ENTRA-05). */
  readonly valuePathSubAttribute?: boolean;
}

/**
 * Every leniency on: the filters Microsoft Entra ID and its test collections send.
 * @example `parseFilter(text, { lenient: LENIENT_FILTER_SYNTAX })`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 */
export const LENIENT_FILTER_SYNTAX: FilterLeniency = Object.freeze({
  bareWordValues: true,
  singleQuotedStrings: true,
  caseInsensitiveLiterals: true,
  valuePathSubAttribute: true,
});

/**
 * The leniencies that have no other meaning under RFC 7644: single-quoted strings (`'Group'`),
 * literals in any case (`TRUE`) and Entra's `emails[type eq "work"].value eq "x"`. Bare words are
 * left out, because their type has to be guessed; the server's `default` preset reads exactly these.
 * @example `parseFilter("type eq 'Group' and active eq TRUE", { lenient: HARMLESS_FILTER_SYNTAX })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export const HARMLESS_FILTER_SYNTAX: FilterLeniency = Object.freeze({
  singleQuotedStrings: true,
  caseInsensitiveLiterals: true,
  valuePathSubAttribute: true,
});

/**
 * Bounds that keep a hostile filter cheap to refuse, and cheap to answer (checklist P-FILTER-37).
 * @example `{ maxLength: 4096, maxDepth: 16, maxNodes: 200, maxCost: 50 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export interface FilterLimits {
  /** Characters in the filter text. */
  readonly maxLength?: number;
  /** Nesting of parentheses and brackets. */
  readonly maxDepth?: number;
  /** Nodes in the parsed filter (expressions and logical operators). */
  readonly maxNodes?: number;
  /**
   * Estimated comparisons per resource tested (`filterCost`), checked when the filter is bound
   * to a schema. The default keeps a scan of 100,000 resources in memory under about a second.
   * `compileFilter` without a `resourceType` checks it only when it is given.
   */
  readonly maxCost?: number;
}

/**
 * The limits used when none are given.
 * @example `DEFAULT_FILTER_LIMITS.maxCost // 64`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export const DEFAULT_FILTER_LIMITS: Required<FilterLimits> = Object.freeze({
  maxLength: 16_384,
  maxDepth: 32,
  maxNodes: 1_000,
  maxCost: 64,
});

/**
 * How filter text is read.
 * @example `{ lenient: { bareWordValues: true }, limits: { maxNodes: 100 } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export interface ParseFilterOptions {
  readonly lenient?: FilterLeniency;
  readonly limits?: FilterLimits | undefined;
}

type StartRule = 'Filter' | 'PatchPath' | 'AttributePath';

function run<T>(
  text: string,
  startRule: StartRule,
  options: ParseFilterOptions,
  what: string,
): ScimResult<T> {
  const limits =
    options.limits === undefined
      ? DEFAULT_FILTER_LIMITS
      : { ...DEFAULT_FILTER_LIMITS, ...options.limits };
  if (typeof text !== 'string') return failure(`The ${what} must be a string`);
  if (text.length > limits.maxLength) {
    return failure(
      `The ${what} is ${text.length} characters long; at most ${limits.maxLength} are accepted`,
    );
  }
  // The hand-written reading answers what it accepts, counting nodes and bounding depth as it goes;
  // everything else goes to the generated parser, which gives the errors and the leniencies.
  const fast = new FastReader(text, limits.maxDepth);
  let value: unknown;
  try {
    value = fast.read(startRule);
  } catch (error) {
    if (error instanceof RangeError) return failure(`The ${what} is too complex`);
    throw error;
  }
  let nodes = fast.nodes;
  let applied: ScimAppliedRule[] | undefined;
  if (value === undefined) {
    const tooDeep = findExcessiveNesting(text, limits.maxDepth);
    if (tooDeep !== undefined) {
      return failure(
        `Invalid ${what} at column ${tooDeep + 1}: nested deeper than ${limits.maxDepth} levels`,
      );
    }
    try {
      value = parse(text, { startRule, lenient: options.lenient ?? {} } as Parameters<
        typeof parse
      >[1]);
    } catch (error) {
      if (error instanceof GrammarSyntaxError) {
        return failure(
          `Invalid ${what} at column ${error.location.start.column}: ${error.message}`,
        );
      }
      // The limits keep recursion shallow; should anything still exhaust the stack, it is the input's fault.
      if (error instanceof RangeError) return failure(`The ${what} is too complex`);
      throw error;
    }
    nodes = startRule === 'Filter' ? countNodes(value as FilterNode, limits.maxNodes) : 0;
    // Only the generated parser reads leniencies, and attribute paths have none.
    if (options.lenient !== undefined && startRule !== 'AttributePath')
      applied = leniencyUsed(text, value as FilterNode | PatchPathNode, options.lenient);
  }
  if (startRule === 'Filter' && nodes > limits.maxNodes) {
    return failure(`The ${what} has more than ${limits.maxNodes} expressions`);
  }
  return applied === undefined
    ? { ok: true, value: value as T }
    : { ok: true, value: value as T, applied };
}

function failure(message: string): { ok: false; issues: readonly ScimIssue[] } {
  return {
    ok: false,
    issues: [{ code: 'invalid_filter', path: [], message, scimType: 'invalidFilter' }],
  };
}

// A path that does not parse is invalidPath, not invalidFilter (RFC 7644 §3.12).
function asPathResult<T>(result: ScimResult<T>): ScimResult<T> {
  if (result.ok) return result;
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      ...issue,
      code: 'invalid_path',
      scimType: 'invalidPath',
    })),
  };
}

function unwrap<T>(result: ScimResult<T>): T {
  if (!result.ok)
    throw ScimError.invalidFilter(result.issues.map((issue) => issue.message).join('; '));
  return result.value;
}

/** The offset of the first bracket deeper than `maxDepth`, outside string literals. */
function findExcessiveNesting(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x28 || char === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return i;
    } else if (char === 0x29 || char === 0x5d) {
      depth -= 1;
    }
  }
  return undefined;
}

function countNodes(root: FilterNode, stopAfter: number): number {
  let count = 0;
  const stack: FilterNode[] = [root];
  while (stack.length > 0 && count <= stopAfter) {
    const node = stack.pop() as FilterNode;
    count += 1;
    if (node.type === 'and' || node.type === 'or') stack.push(...node.filters);
    else if (node.type === 'not' || node.type === 'valuePath') stack.push(node.filter);
  }
  return count;
}

/**
 * Parses a filter (RFC 7644 §3.4.2.2) into its AST, or returns an `invalidFilter` issue whose
 * message gives the column and what was expected. The {@link FilterLeniency} options the text
 * needed are listed in `applied`, each with the attribute path it applied to.
 * @example
 * ```ts
 * const result = safeParseFilter('emails[type eq "work"');
 * if (!result.ok) console.log(result.issues[0]?.message); // Invalid filter at column 22: Expected …
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function safeParseFilter(
  text: string,
  options: ParseFilterOptions = {},
): ScimResult<FilterNode> {
  return run<FilterNode>(text, 'Filter', options, 'filter');
}

/**
 * Parses a filter into its AST; throws a `ScimError` (400 invalidFilter) when it is malformed.
 * @example `parseFilter('userName eq "bjensen" and active eq true').type // 'and'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function parseFilter(text: string, options: ParseFilterOptions = {}): FilterNode {
  return unwrap(safeParseFilter(text, options));
}

/**
 * Parses a PATCH operation's `path` (`attrPath` or `valuePath` with an optional sub-attribute, RFC
 * 7644 §3.5.2). Problems come back as `invalidPath` issues; leniencies its value filter needed, in
 * `applied`.
 * @example `safeParsePatchPath('members[value eq "2819c223"]')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function safeParsePatchPath(
  text: string,
  options: ParseFilterOptions = {},
): ScimResult<PatchPathNode> {
  return asPathResult(run<PatchPathNode>(text, 'PatchPath', options, 'path'));
}

/**
 * Parses a PATCH `path`; throws a `ScimError` (400 invalidPath) when it is malformed.
 * @example `parsePatchPath('emails[type eq "work"].value').subAttribute // 'value'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function parsePatchPath(text: string, options: ParseFilterOptions = {}): PatchPathNode {
  const result = safeParsePatchPath(text, options);
  if (!result.ok)
    throw ScimError.invalidPath(result.issues.map((issue) => issue.message).join('; '));
  return result.value;
}

/**
 * Parses a bare attribute path, as `sortBy`, `attributes` and `excludedAttributes` hold them.
 * @example `safeParseAttributePath('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export function safeParseAttributePath(
  text: string,
  options: ParseFilterOptions = {},
): ScimResult<AttributePathNode> {
  return asPathResult(run<AttributePathNode>(text, 'AttributePath', options, 'attribute path'));
}
