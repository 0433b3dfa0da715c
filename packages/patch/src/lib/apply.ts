import {
  isScimError,
  type ScimIssue,
  type ScimResource,
  type ScimResourceType,
  type ScimResult,
} from '@scim/core';
import type { ParseFilterOptions } from '@scim/filter';
import { notedWhileReading } from './applied.js';
import type { AttributeChange } from './changes.js';
import { Patch } from './engine.js';
import { checkPaths } from './operation-error.js';
import {
  limitsOf,
  PATCH_PRESETS,
  type PatchAppliedRule,
  type PatchCompatibility,
  type PatchLimits,
} from './options.js';
import { readPatchRequest, type Reading, type ReadOperation } from './request.js';

/**
 * How {@link applyPatch} reads a request.
 * @example `{ resourceType: GroupResourceType, compatibility: PATCH_PRESETS.entra }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface ApplyPatchOptions {
  readonly resourceType: ScimResourceType;
  /** Client dialects; defaults to `PATCH_PRESETS.default`. */
  readonly compatibility?: PatchCompatibility;
  /** Operations, values per operation and characters per string (defaults: `DEFAULT_PATCH_LIMITS`). */
  readonly limits?: PatchLimits;
  /** Keys of a path-less value that no schema defines: ignored (default) or an invalidPath error. */
  readonly unknownAttributes?: 'ignore' | 'reject';
  readonly canonicalValues?: 'lenient' | 'strict';
  /**
   * Options for the paths' value filters (leniency, limits). Resolved paths are cached per options
   * object: pass the same object on every call (a server builds one per handler), and never change it.
   */
  readonly filter?: ParseFilterOptions;
}

/**
 * The outcome of a PATCH: the new resource (the input itself when nothing changed), what changed
 * per attribute, and the compatibility rules the request relied on (absent when it needed none).
 * @example `if (result.changed) await store.replace(result.resource)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface PatchResult {
  readonly resource: ScimResource;
  readonly changed: boolean;
  readonly changes: readonly AttributeChange[];
  /** In the order they applied, such as `caseInsensitiveOp` for Entra's `"op": "Replace"`. */
  readonly applied?: readonly PatchAppliedRule[];
}

/**
 * A PatchOp request whose shape, limits and paths were checked by {@link parsePatch}, ready to be
 * applied to any resource of its resource type, as often as needed (a retry after a version
 * conflict reads nothing again).
 * @example `const parsed = parsePatch(body, options); applyPatch(await store.get(id), parsed, options)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface ParsedPatch {
  readonly kind: 'ParsedPatch';
  /**
   * The compatibility rules reading the request relied on, known before any resource is read: an
   * op in another case, a path's value filter leniencies, an empty list; absent when none. Rules
   * that read values (`booleanStrings`, …) are known once applied: {@link applyPatch} reports
   * these again with them.
   */
  readonly applied?: readonly PatchAppliedRule[];
}

/**
 * Reads a PatchOp request without a resource: its schema, the shape and number of its operations,
 * and every path (syntax, attribute names, value filters) against the resource type. What it
 * refuses is refused before the resource is read; what depends on the stored values (noTarget,
 * mutability, the values themselves) is left to {@link applyPatch}. {@link safeParsePatch} also says
 * which rules a refused request relied on.
 * @example
 * ```ts
 * const parsed = parsePatch(body, { resourceType: UserResourceType }); // throws invalidPath, …
 * const { resource } = applyPatch(await store.get(id), parsed, { resourceType: UserResourceType });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function parsePatch(request: unknown, options: ApplyPatchOptions): ParsedPatch {
  if (Parsed.operationsOf(request) !== undefined) return request as ParsedPatch;
  const compatibility = options.compatibility ?? PATCH_PRESETS.default;
  const operations = readPatchRequest(request, compatibility, limitsOf(options.limits));
  const checked = checkPaths(operations, options);
  if (!checked.ok) throw checked.refusal;
  return Object.freeze(new Parsed(operations, checked.rules));
}

/**
 * {@link parsePatch}, returning its refusal as issues instead of throwing. `applied` lists the
 * compatibility rules reading relied on: on a refusal, those the operations before the refused one
 * (and its own op) relied on, so a server can log them beside the 400 it answers.
 * @example
 * ```ts
 * const result = safeParsePatch(body, { resourceType, compatibility: PATCH_PRESETS.entra });
 * log(result.applied); // also when !result.ok: [{ rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], … }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function safeParsePatch(
  request: unknown,
  options: ApplyPatchOptions,
): ScimResult<ParsedPatch> {
  if (Parsed.operationsOf(request) !== undefined) return accepted(request as ParsedPatch);
  const compatibility = options.compatibility ?? PATCH_PRESETS.default;
  const reading: Reading = { operations: [], opFolded: false };
  try {
    readPatchRequest(request, compatibility, limitsOf(options.limits), reading);
  } catch (error) {
    return refused(error, notedWhileReading(reading));
  }
  const checked = checkPaths(reading.operations, options);
  if (!checked.ok) return refused(checked.refusal, checked.rules);
  return accepted(Object.freeze(new Parsed(reading.operations, checked.rules)));
}

function accepted(parsed: ParsedPatch): ScimResult<ParsedPatch> {
  const { applied } = parsed;
  return applied === undefined ? { ok: true, value: parsed } : { ok: true, value: parsed, applied };
}

/** A refusal as the one issue a `safe*` function returns; anything but a ScimError is thrown on. */
function refused(
  error: unknown,
  applied: readonly PatchAppliedRule[] | undefined,
): ScimResult<never> {
  if (!isScimError(error)) throw error;
  const message = error.detail ?? error.message;
  const issues: readonly ScimIssue[] = [
    { code: 'invalid_value', path: [], message, scimType: error.scimType ?? 'invalidValue' },
  ];
  return applied === undefined ? { ok: false, issues } : { ok: false, issues, applied };
}

// What parsePatch read, in a private field: kept out of the public shape, so a ParsedPatch can only
// come from parsePatch, and found without a WeakMap (one per request would cost every PATCH a
// weak-table entry for the garbage collector to clear).
class Parsed implements ParsedPatch {
  readonly kind = 'ParsedPatch';
  // Declared, not initialised: a request that relied on no rule has no `applied` key at all.
  declare readonly applied?: readonly PatchAppliedRule[];
  readonly #operations: readonly ReadOperation[];

  constructor(
    operations: readonly ReadOperation[],
    applied: readonly PatchAppliedRule[] | undefined,
  ) {
    this.#operations = operations;
    if (applied !== undefined) this.applied = applied;
  }

  static operationsOf(value: unknown): readonly ReadOperation[] | undefined {
    return typeof value === 'object' && value !== null && #operations in value
      ? value.#operations
      : undefined;
  }
}

/**
 * Applies a PatchOp request (RFC 7644 §3.5.2), as sent or as {@link parsePatch} read it, to a
 * resource. The input is never mutated and the request is atomic: the first failing operation throws
 * a `ScimError` (invalidSyntax, invalidPath, invalidFilter, invalidValue, noTarget or mutability) and
 * nothing is applied. {@link safeApplyPatch} also says which rules a refused request relied on.
 * @example
 * ```ts
 * const { resource, changed } = applyPatch(group, {
 *   schemas: [PATCH_OP_URN],
 *   Operations: [{ op: 'add', path: 'members', value: [{ value: '2819c223' }] }],
 * }, { resourceType: GroupResourceType });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function applyPatch(
  resource: ScimResource,
  request: unknown,
  options: ApplyPatchOptions,
): PatchResult {
  const compatibility = options.compatibility ?? PATCH_PRESETS.default;
  const limits = limitsOf(options.limits);
  const operations =
    Parsed.operationsOf(request) ?? readPatchRequest(request, compatibility, limits);
  return new Patch(resource, options, compatibility, limits).run(operations);
}

/**
 * {@link applyPatch}, returning its error as issues instead of throwing. As on every `ScimResult`,
 * `applied` lists the compatibility rules the request relied on: on a failure, those relied on before
 * it, which is when a developer debugging a client needs them.
 * @example
 * ```ts
 * const result = safeApplyPatch(user, body, { resourceType, compatibility: PATCH_PRESETS.entra });
 * log(result.applied); // also when !result.ok
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function safeApplyPatch(
  resource: ScimResource,
  request: unknown,
  options: ApplyPatchOptions,
): ScimResult<PatchResult> {
  const compatibility = options.compatibility ?? PATCH_PRESETS.default;
  const limits = limitsOf(options.limits);
  const parsed = Parsed.operationsOf(request);
  // Only a request read here can be refused while read: a server's was read by parsePatch.
  const reading: Reading | undefined =
    parsed === undefined ? { operations: [], opFolded: false } : undefined;
  let patch: Patch | undefined;
  try {
    const operations = parsed ?? readPatchRequest(request, compatibility, limits, reading);
    patch = new Patch(resource, options, compatibility, limits);
    const value = patch.run(operations);
    const { applied } = value;
    return applied === undefined ? { ok: true, value } : { ok: true, value, applied };
  } catch (error) {
    const applied =
      patch !== undefined || reading === undefined ? patch?.rules : notedWhileReading(reading);
    return refused(error, applied);
  }
}
