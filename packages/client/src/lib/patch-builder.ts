// PatchOp requests built op by op; paths are checked by @scim/filter's PATCH path parser, and
// value filters come from the filter builder, so a value cannot break a path either.
import { PATCH_OP_URN, ScimError } from '@scim/core';
import { printPatchPath, safeParsePatchPath, type PatchPathNode } from '@scim/filter';
import type { PatchOperation, PatchRequest } from '@scim/patch';

/**
 * A PATCH path: text such as `emails[type eq "work"].value`, or a node from `f.path(…)`.
 * @example `patch().replace(f.path('emails', f.eq('type', 'work'), 'value'), 'b@example.com')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export type PatchPath = string | PatchPathNode;

/**
 * Builds a PatchOp message (RFC 7644 §3.5.2) one operation at a time; pass it (or its `build()`)
 * to `client.users.patch`.
 * @example
 * ```ts
 * const body = patch()
 *   .replace('active', false)
 *   .add('emails', [{ value: 'b@example.com', type: 'work' }])
 *   .remove(f.path('members', f.eq('value', userId)))
 *   .build();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export class PatchBuilder {
  readonly #operations: PatchOperation[] = [];

  /** `add`: sets a value, or appends to a multi-valued attribute; no path adds the object's attributes. */
  add(path: PatchPath | undefined, value: unknown): this {
    return this.push('add', path, value);
  }

  /** `replace`: replaces the target's value; no path replaces the object's attributes. */
  replace(path: PatchPath | undefined, value: unknown): this {
    return this.push('replace', path, value);
  }

  /** `remove`: unassigns the target, or the values a value filter selects. */
  remove(path: PatchPath): this {
    return this.push('remove', path, undefined);
  }

  /** The operations so far. */
  get operations(): readonly PatchOperation[] {
    return [...this.#operations];
  }

  /** The PatchOp message. */
  build(): PatchRequest {
    return { schemas: [PATCH_OP_URN], Operations: [...this.#operations] };
  }

  toJSON(): PatchRequest {
    return this.build();
  }

  private push(
    op: 'add' | 'replace' | 'remove',
    path: PatchPath | undefined,
    value: unknown,
  ): this {
    if (op !== 'remove' && value === undefined)
      throw ScimError.invalidValue(`'${op}' needs a value (use null to clear)`);
    const text = path === undefined ? undefined : printPath(path);
    this.#operations.push({
      op,
      ...(text === undefined ? {} : { path: text }),
      ...(op === 'remove' ? {} : { value }),
    });
    return this;
  }
}

function printPath(path: PatchPath): string {
  if (typeof path !== 'string') return printPatchPath(path);
  const parsed = safeParsePatchPath(path);
  if (!parsed.ok) throw ScimError.invalidPath(`'${path}' is not a PATCH path (RFC 7644 §3.5.2)`);
  return path;
}

/**
 * Starts a {@link PatchBuilder}.
 * @example `await client.users.patch(id, patch().replace('active', false))`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function patch(): PatchBuilder {
  return new PatchBuilder();
}
