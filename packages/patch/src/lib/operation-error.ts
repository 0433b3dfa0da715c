// Errors name the operation that raised them, so a client sees which of its operations was refused.
import { isScimError, ScimError } from '@scim/core';
import type { ApplyPatchOptions } from './apply.js';
import { notedEmpty, notedFilter, notedOp, type AppliedRules } from './applied.js';
import type { ReadOperation } from './request.js';
import { resolveIn, targetCache } from './target.js';

/**
 * What {@link checkPaths} found: the rules reading the operations relied on and, when a path can
 * never apply, its refusal, the rules then being those relied on before it and by its op.
 */
export type CheckedPaths =
  | { readonly ok: true; readonly rules: AppliedRules }
  | { readonly ok: false; readonly rules: AppliedRules; readonly refusal: unknown };

/**
 * Resolves the operations' paths against the resource type alone, so a path that can never apply is
 * refused before any resource is read; a refusal names its operation. Reports the rules reading the
 * operations relied on (an op in another case, a value filter's leniencies, an empty list), which
 * only resolving the paths tells: undefined for none.
 */
export function checkPaths(
  operations: readonly ReadOperation[],
  options: ApplyPatchOptions,
): CheckedPaths {
  const { resourceType, filter } = options;
  const paths = targetCache(resourceType, filter);
  let rules: AppliedRules = operations.length === 0 ? notedEmpty(undefined) : undefined;
  for (const operation of operations) {
    rules = notedOp(rules, operation);
    if (operation.path === undefined) continue;
    try {
      rules = notedFilter(rules, resolveIn(paths, operation.path, resourceType, filter));
    } catch (error) {
      return { ok: false, rules, refusal: namingOperation(operation, error) };
    }
  }
  return { ok: true, rules };
}

/**
 * What to throw for an operation's error: a ScimError is rethrown naming the operation, so a client
 * sees which of its operations was refused.
 */
export function namingOperation(operation: ReadOperation, error: unknown): unknown {
  if (!isScimError(error)) return error;
  return new ScimError({
    ...errorParts(error),
    detail: `Operations[${operation.index}]: ${error.detail ?? error.message}`,
  });
}

function errorParts(
  error: ScimError,
): { scimType: NonNullable<ScimError['scimType']> } | { status: number } {
  return error.scimType === undefined ? { status: error.status } : { scimType: error.scimType };
}
