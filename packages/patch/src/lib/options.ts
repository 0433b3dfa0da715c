import {
  DEFAULT_MAX_STRING_LENGTH,
  type CompatibilityOptions,
  type ScimAppliedRule,
} from '@scim/core';
import type { FilterLeniency } from '@scim/filter';

/**
 * The dialects of real SCIM clients, each a named option (all off under the `rfc` preset). Every
 * option is documented with the payload that needs it in ../shared/spec/idp-quirks.md.
 * @example `{ caseInsensitiveOp: true, booleanStrings: true }`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 */
export interface PatchCompatibility {
  /** `"op": "Replace"` (Entra, checklist X-ENTRA-01). */
  readonly caseInsensitiveOp?: boolean;
  /** `"value": "False"` for a boolean (Entra, X-ENTRA-03). */
  readonly booleanStrings?: boolean;
  /**
   * @deprecated No effect: a `remove` whose `value` lists values now removes exactly those values
   * under every preset (X-ENTRA-02, P-PATCH-41), and only a `remove` without a value clears the
   * attribute. Accepted so that existing configurations still type-check.
   */
  readonly removeMembersByValue?: boolean;
  /** Path-less values whose keys are paths: `{"name.givenName": "K", "urn:…:User:employeeNumber": "7"}` (Entra, X-ENTRA-04). */
  readonly pathKeysInValue?: boolean;
  /**
   * A value filter made of `eq` terms that matches nothing creates the element for `add` (`'add'`), or
   * for `add` and `replace` (`'addAndReplace'`, Entra X-ENTRA-08); `'never'` answers noTarget.
   */
  readonly createFromFilter?: 'never' | 'add' | 'addAndReplace';
  /** `manager` as a bare string id or as a one-element array (Entra, X-ENTRA-06). */
  readonly managerShorthand?: boolean;
  /** `{"op":"replace","value":{"id":"<own id>","displayName":"…"}}` ignores the `id` (Okta group rename). */
  readonly ignoreOwnId?: boolean;
  /** An empty `Operations` list is a no-op instead of invalidSyntax (Entra's SCIM validator). */
  readonly allowEmptyOperations?: boolean;
}

/**
 * A compatibility rule a PATCH relied on, with the path it applied to: one of the
 * {@link PatchCompatibility} options (`layer: 'patch'`; `removeMembersByValue` names the value-list
 * remove that every preset reads), or a filter leniency in a path's value filter (`layer: 'filter'`).
 * @example `{ rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' } // "op": "Replace"`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 */
export interface PatchAppliedRule extends ScimAppliedRule<
  keyof PatchCompatibility | keyof FilterLeniency
> {
  readonly layer: 'patch' | 'filter';
}

// Quirks with no other meaning under RFC 7644: each turns a 400 into what the client meant, and none
// changes what an RFC request does, so every preset but `rfc` takes them.
const HARMLESS: PatchCompatibility = {
  caseInsensitiveOp: true,
  booleanStrings: true,
  pathKeysInValue: true,
  createFromFilter: 'add',
  managerShorthand: true,
  ignoreOwnId: true,
  allowEmptyOperations: true,
};

/**
 * Presets: `rfc` is strict RFC 7644; `default` accepts every client quirk that has no conflicting RFC
 * meaning (see docs/compatibility.md); `entra` adds what contradicts the RFC but Entra ID needs (a
 * `replace` through a filter that matches nothing creates the element); `okta` is `default`.
 * @example `applyPatch(user, body, { resourceType: UserResourceType, compatibility: PATCH_PRESETS.entra })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export const PATCH_PRESETS: Readonly<
  Record<'rfc' | 'default' | 'entra' | 'okta', PatchCompatibility>
> = Object.freeze({
  rfc: Object.freeze({ createFromFilter: 'never' }),
  default: Object.freeze({ ...HARMLESS }),
  entra: Object.freeze({ ...HARMLESS, createFromFilter: 'addAndReplace' }),
  okta: Object.freeze({ ...HARMLESS }),
});

/**
 * Bounds on one PATCH request.
 * @example `{ maxOperations: 100, maxValues: 1000, maxStringLength: 4096 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export interface PatchLimits {
  /** Operations in one request. */
  readonly maxOperations?: number;
  /** Values in one operation's `value` array. */
  readonly maxValues?: number;
  /** Characters (UTF-16 code units) in one string value; longer is invalidValue at its path. */
  readonly maxStringLength?: number;
}

/**
 * The limits used when none are given.
 * @example `DEFAULT_PATCH_LIMITS.maxOperations // 1000`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export const DEFAULT_PATCH_LIMITS: Required<PatchLimits> = Object.freeze({
  maxOperations: 1_000,
  maxValues: 100_000,
  maxStringLength: DEFAULT_MAX_STRING_LENGTH,
});

/**
 * The limits one PATCH is held to: each given field, else its default. The one place a limit's
 * default is applied, for reading the request and for its values alike. A field passed on as
 * `undefined` (from a server's own optional settings) keeps its default.
 */
export function limitsOf(limits: PatchLimits | undefined): Required<PatchLimits> {
  if (limits === undefined) return DEFAULT_PATCH_LIMITS;
  return {
    maxOperations: limits.maxOperations ?? DEFAULT_PATCH_LIMITS.maxOperations,
    maxValues: limits.maxValues ?? DEFAULT_PATCH_LIMITS.maxValues,
    maxStringLength: limits.maxStringLength ?? DEFAULT_PATCH_LIMITS.maxStringLength,
  };
}

export function valueCompatibility(compatibility: PatchCompatibility): CompatibilityOptions {
  return {
    booleanStrings: compatibility.booleanStrings === true,
    stringAsComplexValue: compatibility.managerShorthand === true,
    singleElementArrays: compatibility.managerShorthand === true,
  };
}
