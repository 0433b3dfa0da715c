import type { CompatibilityOptions } from '@scim/core';

/**
 * The dialects of real SCIM clients, each a named option (all off under the `rfc` preset). Every
 * option is documented with the payload that needs it in ../shared/spec/idp-quirks.md.
 * @example `{ caseInsensitiveOp: true, removeMembersByValue: true }`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 */
export interface PatchCompatibility {
  /** `"op": "Replace"` (Entra, checklist X-ENTRA-01). */
  readonly caseInsensitiveOp?: boolean;
  /** `"value": "False"` for a boolean (Entra, X-ENTRA-03). */
  readonly booleanStrings?: boolean;
  /** `{"op":"remove","path":"members","value":[{"value":"u1"}]}` removes only the listed values (Entra, X-ENTRA-02). */
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
 * Presets: `rfc` is strict RFC 7644; `default` adds what cannot hurt (case-insensitive `op`, creating
 * an element through an `add` filter, ignoring the resource's own `id`); `entra` and `okta` add what
 * those clients send.
 * @example `applyPatch(user, body, { resourceType: UserResourceType, compatibility: PATCH_PRESETS.entra })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export const PATCH_PRESETS = Object.freeze({
  rfc: Object.freeze({ createFromFilter: 'never' }),
  default: Object.freeze({
    caseInsensitiveOp: true,
    createFromFilter: 'add',
    ignoreOwnId: true,
  }),
  entra: Object.freeze({
    caseInsensitiveOp: true,
    booleanStrings: true,
    removeMembersByValue: true,
    pathKeysInValue: true,
    createFromFilter: 'addAndReplace',
    managerShorthand: true,
    ignoreOwnId: true,
    allowEmptyOperations: true,
  }),
  okta: Object.freeze({
    caseInsensitiveOp: true,
    createFromFilter: 'add',
    ignoreOwnId: true,
  }),
});

/**
 * Bounds on one PATCH request.
 * @example `{ maxOperations: 100, maxValues: 1000 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export interface PatchLimits {
  /** Operations in one request. */
  readonly maxOperations?: number;
  /** Values in one operation's `value` array. */
  readonly maxValues?: number;
}

/**
 * The limits used when none are given.
 * @example `DEFAULT_PATCH_LIMITS.maxOperations // 1000`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export const DEFAULT_PATCH_LIMITS: Required<PatchLimits> = Object.freeze({
  maxOperations: 1_000,
  maxValues: 100_000,
});

export function valueCompatibility(compatibility: PatchCompatibility): CompatibilityOptions {
  return {
    booleanStrings: compatibility.booleanStrings === true,
    stringAsComplexValue: compatibility.managerShorthand === true,
    singleElementArrays: compatibility.managerShorthand === true,
  };
}
