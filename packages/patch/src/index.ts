/**
 * `@scim/patch`: applies SCIM PatchOp requests (RFC 7644 §3.5.2) atomically and without mutating the
 * input, validated by `@scim/core`'s schemas, with paths and value filters parsed and evaluated by
 * `@scim/filter`, and named compatibility options for what real identity providers send.
 *
 * @example
 * ```ts
 * import { applyPatch, PATCH_PRESETS } from '@scim/patch';
 * const { resource, changed } = applyPatch(user, body, { resourceType: UserResourceType, compatibility: PATCH_PRESETS.entra });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 * @packageDocumentation
 */
export {
  applyPatch,
  parsePatch,
  safeApplyPatch,
  safeParsePatch,
  type ParsedPatch,
  type ApplyPatchOptions,
  type PatchResult,
} from './lib/apply.js';
export type { AttributeChange } from './lib/changes.js';
export {
  DEFAULT_PATCH_LIMITS,
  PATCH_PRESETS,
  type PatchAppliedRule,
  type PatchCompatibility,
  type PatchLimits,
} from './lib/options.js';
export type { PatchOperation, PatchRequest } from './lib/request.js';
