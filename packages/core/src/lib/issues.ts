import type { ScimType } from './error.js';

/**
 * What went wrong with one value, as data (the validators never throw for bad input).
 *
 * - `invalid_type`: the JSON type does not match the attribute type (RFC 7643 §2.3).
 * - `invalid_value`: right JSON type, wrong content (a bad dateTime, base64, URI, empty required string).
 * - `required`: a required attribute or sub-attribute is missing (RFC 7643 §7).
 * - `immutable`: a replace changes an immutable value (RFC 7644 §3.5.1).
 * - `unknown_attribute`: a name that no schema of the resource type defines (rejected only on request).
 * - `ambiguous_attribute`: an unqualified name that more than one extension defines.
 * - `duplicate_attribute`: the same attribute given twice under names differing only in case.
 * - `schemas`: the `schemas` attribute is missing, malformed or lacks a needed URN (RFC 7643 §3).
 * - `multiple_primary`: more than one value has `primary: true` (RFC 7643 §2.4).
 * - `canonical_value`: a value outside `canonicalValues`, in strict mode (RFC 7643 §2.3.1).
 * - `invalid_path`: an attribute path that does not parse (RFC 7644 §3.10).
 * - `invalid_filter`: a filter that does not parse, or that the schema cannot evaluate (RFC 7644 §3.4.2.2).
 * - `invalid_definition`: a schema or resource type definition breaks RFC 7643 §2 or §7.
 * - `conflicting_parameters`: `attributes` and `excludedAttributes` given together (RFC 7644 §3.9).
 *
 * @example `if (issue.code === 'required') console.log(issue.path)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export type ScimIssueCode =
  | 'invalid_type'
  | 'invalid_value'
  | 'required'
  | 'immutable'
  | 'unknown_attribute'
  | 'ambiguous_attribute'
  | 'duplicate_attribute'
  | 'schemas'
  | 'multiple_primary'
  | 'canonical_value'
  | 'invalid_path'
  | 'invalid_filter'
  | 'invalid_definition'
  | 'conflicting_parameters';

/**
 * One segment of an issue path: an attribute name (canonical case, an extension URN as one segment) or an array index.
 * @example `['emails', 0, 'value']`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export type ScimIssuePath = readonly (string | number)[];

/**
 * A problem found by a parser or validator, with where it is and the `scimType` an HTTP layer should answer with.
 * @example
 * ```ts
 * const issue: ScimIssue = { code: 'required', path: ['userName'], message: "Attribute 'userName' is required", scimType: 'invalidValue' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface ScimIssue {
  readonly code: ScimIssueCode;
  readonly path: ScimIssuePath;
  readonly message: string;
  /** The scimType an HTTP response for this issue should carry. */
  readonly scimType: ScimType;
}

/**
 * A compatibility rule that a parser or validator applied to read what a client sent: the name of
 * the option that allowed it (`booleanStrings` of `CompatibilityOptions`, `bareWordValues` of the
 * filter leniencies, …) and where. Reported as data, like issues, so a server can log which client
 * quirk a request relied on. See docs/compatibility.md.
 * @example `{ rule: 'booleanStrings', path: ['active'] } // Entra sent "active": "True"`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3
 */
export interface ScimAppliedRule<Rule extends string = string> {
  readonly rule: Rule;
  /** The attribute it applied to, as issue paths give it; `[]` for the message as a whole. */
  readonly path: ScimIssuePath;
}

/**
 * The outcome of a parser or validator: the value, or the issues that stopped it. `applied` lists
 * the compatibility rules used on the way, and is absent when none was (the RFC reading sufficed).
 * @example
 * ```ts
 * const result = validateResource(body, UserResourceType, { mode: 'create' });
 * if (!result.ok) throw ScimError.fromIssues(result.issues);
 * for (const { rule, path } of result.applied ?? []) log(rule, formatIssuePath(path));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export type ScimResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly applied?: readonly ScimAppliedRule[];
    }
  | {
      readonly ok: false;
      readonly issues: readonly ScimIssue[];
      readonly applied?: readonly ScimAppliedRule[];
    };

/**
 * Renders an issue path in SCIM attribute notation, e.g. `emails[1].value` or `urn:…:User:manager.value`.
 * @example `formatIssuePath(['emails', 1, 'value']) // 'emails[1].value'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export function formatIssuePath(path: ScimIssuePath): string {
  let out = '';
  path.forEach((segment, index) => {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (index === 0) out = segment;
    else if (index === 1 && out.toLowerCase().startsWith('urn:')) out += `:${segment}`;
    else out += `.${segment}`;
  });
  return out;
}
