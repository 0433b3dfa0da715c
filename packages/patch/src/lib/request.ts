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
  /** The op was read by `caseInsensitiveOp` (`"Replace"`). */
  readonly opCaseFolded: boolean;
  readonly path: string | undefined;
  readonly hasValue: boolean;
  readonly value: unknown;
}

/**
 * How far reading got, for a caller that reports the rules a refused request relied on
 * (safeParsePatch): the operations read so far, and whether the op of the one being read was read
 * by `caseInsensitiveOp` before a later check (its path, its values) refused it.
 */
export interface Reading {
  readonly operations: ReadOperation[];
  opFolded: boolean;
}

// The URN matches in any case; folded once here rather than on every request.
const PATCH_OP_URN_FOLDED = PATCH_OP_URN.toLowerCase();

/**
 * Checks the message's shape (P-PATCH-01..03) and the limits; throws invalidSyntax and friends. With
 * `reading`, the operations go into it as they are read, so a refusal leaves what came before it.
 */
export function readPatchRequest(
  body: unknown,
  compatibility: PatchCompatibility,
  limits: Required<PatchLimits>,
  reading?: Reading,
): ReadOperation[] {
  const { maxOperations, maxValues } = limits;
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('A PATCH body must be a JSON object');
  const schemas = Object.hasOwn(body, 'schemas') ? body.schemas : findKey(body, 'schemas');
  if (!listsPatchOp(schemas)) {
    throw ScimError.invalidSyntax(`'schemas' must be ["${PATCH_OP_URN}"]`);
  }
  const operations = Object.hasOwn(body, 'Operations')
    ? body.Operations
    : findKey(body, 'Operations');
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
  const read = reading?.operations ?? [];
  for (let index = 0; index < operations.length; index++) {
    read.push(readOperation(operations[index], index, compatibility, maxValues, reading));
  }
  return read;
}

function readOperation(
  raw: unknown,
  index: number,
  compatibility: PatchCompatibility,
  maxValues: number,
  reading: Reading | undefined,
): ReadOperation {
  if (reading !== undefined) reading.opFolded = false;
  if (!isJsonObject(raw)) throw ScimError.invalidSyntax(`Operations[${index}] must be an object`);
  // The exact spelling is read by name first: a property read the engine can cache, where a lookup
  // by a variable key is a generic one, and every operation pays it.
  const opText = Object.hasOwn(raw, 'op') ? raw.op : findKey(raw, 'op');
  if (typeof opText !== 'string')
    throw ScimError.invalidSyntax(`Operations[${index}]: 'op' must be add, remove or replace`);
  const op = compatibility.caseInsensitiveOp === true ? opText.toLowerCase() : opText;
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw ScimError.invalidSyntax(
      `Operations[${index}]: unknown op "${opText}"; use add, remove or replace`,
    );
  }
  if (reading !== undefined) reading.opFolded = op !== opText;
  const path = Object.hasOwn(raw, 'path') ? raw.path : findKey(raw, 'path');
  if (path !== undefined && typeof path !== 'string')
    throw ScimError.invalidPath(`Operations[${index}]: 'path' must be a string`);
  // Whether a value was given is whether its key is there (a caller's object may hold undefined).
  const valueKey = Object.hasOwn(raw, 'value') ? 'value' : keyInAnyCase(raw, 'value');
  const value =
    valueKey === 'value' ? raw.value : valueKey === undefined ? undefined : raw[valueKey];
  if (Array.isArray(value) && value.length > maxValues) {
    throw ScimError.invalidValue(
      `Operations[${index}]: at most ${maxValues} values per operation; this one has ${value.length}`,
    );
  }
  return {
    index,
    op,
    opCaseFolded: op !== opText,
    path: path === undefined || path.trim() === '' ? undefined : path,
    hasValue: valueKey !== undefined,
    value,
  };
}

function listsPatchOp(schemas: unknown): boolean {
  if (!Array.isArray(schemas)) return false;
  for (const urn of schemas as unknown[]) {
    if (
      urn === PATCH_OP_URN ||
      (typeof urn === 'string' && urn.toLowerCase() === PATCH_OP_URN_FOLDED)
    )
      return true;
  }
  return false;
}

// Structural keywords match case-insensitively (Entra sends "Operations", "Op" … in any case).
function findKey(record: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(record, name)) return record[name];
  const key = keyInAnyCase(record, name);
  return key === undefined ? undefined : record[key];
}

function keyInAnyCase(record: Record<string, unknown>, name: string): string | undefined {
  const lowered = name.toLowerCase();
  return Object.keys(record).find((candidate) => candidate.toLowerCase() === lowered);
}
