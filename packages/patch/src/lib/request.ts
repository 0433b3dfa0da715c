import { PATCH_OP_URN, ScimError, isJsonObject } from '@scim/core';
import type { PatchCompatibility, PatchLimits } from './options.js';

/**
 * One PATCH operation as it arrives (RFC 7644 §3.5.2).
 * @example `{ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface PatchOperation {
  readonly op: string;
  readonly path?: string;
  readonly value?: unknown;
}

/**
 * The PatchOp message (RFC 7644 §3.5.2).
 * @example `{ schemas: [PATCH_OP_URN], Operations: [{ op: 'replace', path: 'active', value: false }] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface PatchRequest {
  readonly schemas: readonly string[];
  readonly Operations: readonly PatchOperation[];
}

export type OperationKind = 'add' | 'remove' | 'replace';

export interface ReadOperation {
  readonly index: number;
  readonly op: OperationKind;
  readonly path: string | undefined;
  readonly hasValue: boolean;
  readonly value: unknown;
}

/** Checks the message's shape (P-PATCH-01..03) and the limits; throws invalidSyntax and friends. */
export function readPatchRequest(
  body: unknown,
  compatibility: PatchCompatibility,
  limits: Required<PatchLimits>,
): ReadOperation[] {
  const { maxOperations, maxValues } = limits;
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('A PATCH body must be a JSON object');
  const schemas = findKey(body, 'schemas');
  if (
    !Array.isArray(schemas) ||
    !schemas.some(
      (urn) => typeof urn === 'string' && urn.toLowerCase() === PATCH_OP_URN.toLowerCase(),
    )
  ) {
    throw ScimError.invalidSyntax(`'schemas' must be ["${PATCH_OP_URN}"]`);
  }
  const operations = findKey(body, 'Operations');
  if (!Array.isArray(operations))
    throw ScimError.invalidSyntax("'Operations' must be an array of operations");
  if (operations.length === 0 && compatibility.allowEmptyOperations !== true) {
    throw ScimError.invalidSyntax("'Operations' must hold at least one operation");
  }
  if (operations.length > maxOperations) {
    throw ScimError.invalidValue(
      `A PATCH may hold at most ${maxOperations} operations; this one has ${operations.length}`,
    );
  }
  return operations.map((raw: unknown, index) => {
    const where = `Operations[${index}]`;
    if (!isJsonObject(raw)) throw ScimError.invalidSyntax(`${where} must be an object`);
    const opText = findKey(raw, 'op');
    if (typeof opText !== 'string')
      throw ScimError.invalidSyntax(`${where}: 'op' must be add, remove or replace`);
    const op = compatibility.caseInsensitiveOp === true ? opText.toLowerCase() : opText;
    if (op !== 'add' && op !== 'remove' && op !== 'replace') {
      throw ScimError.invalidSyntax(`${where}: unknown op "${opText}"; use add, remove or replace`);
    }
    const path = findKey(raw, 'path');
    if (path !== undefined && typeof path !== 'string')
      throw ScimError.invalidPath(`${where}: 'path' must be a string`);
    const hasValue =
      Object.hasOwn(raw, 'value') || Object.keys(raw).some((key) => key.toLowerCase() === 'value');
    const value = findKey(raw, 'value');
    if (Array.isArray(value) && value.length > maxValues) {
      throw ScimError.invalidValue(
        `${where}: at most ${maxValues} values per operation; this one has ${value.length}`,
      );
    }
    return {
      index,
      op,
      path: path === undefined || path.trim() === '' ? undefined : path,
      hasValue,
      value,
    };
  });
}

// Structural keywords match case-insensitively (Entra sends "Operations", "Op" … in any case).
function findKey(record: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(record, name)) return record[name];
  const lowered = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lowered);
  return key === undefined ? undefined : record[key];
}
