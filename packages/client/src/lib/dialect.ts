// Client dialects: one object per identity provider that every layer of the client reads (PATCH
// bodies, updates, creates, lists), so that a server can be tested with the traffic Entra ID or
// Okta send (shared/spec/idp-quirks.md §3.1, §3.2).
import { isJsonObject } from '@scim/core';
import { safeParsePatchPath } from '@scim/filter';
import type { PatchOperation, PatchRequest } from '@scim/patch';

/**
 * How the client shapes its requests. `rfc` sends RFC 7644 as written; `entra` and `okta` send what
 * those identity providers send, quirks included (see docs/client.md).
 * @example `createScimClient({ baseUrl, dialect: CLIENT_DIALECTS.entra })`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 */
export interface ClientDialect {
  readonly name: string;
  /** `op` spelled `Add`, `Replace`, `Remove` (Entra, checklist X-ENTRA-01). */
  readonly capitalizedOps: boolean;
  /** A boolean PATCH value sent as `"True"` / `"False"` (Entra's default job, X-ENTRA-03). */
  readonly booleanStrings: boolean;
  /** `remove members[value eq "x"]` sent as `remove members` with `[{ "value": "x" }]` (Entra, X-ENTRA-02). */
  readonly removeByValueList: boolean;
  /**
   * A `replace` of a top-level attribute with a single value sent without a path,
   * `{ "op": "replace", "value": { "active": false } }`; for a group the value also carries its own
   * `id`, as Okta's renames do.
   */
  readonly pathlessReplace: boolean;
  /** `update()` writes with PATCH, or with PUT of the whole resource it read (Okta's profile updates). */
  readonly updateMethod: 'patch' | 'put';
  /** `create()` first asks for the resource by `userName` (users) or `displayName` (groups). */
  readonly lookupBeforeCreate: boolean;
  /** Lists page by cursor when the server offers it (`auto`), or always by index. */
  readonly paging: 'auto' | 'index';
  /** The page size when a list gives none; also the `count` of the lookup before create. */
  readonly pageSize: number | undefined;
  /** Group reads and queries ask for `excludedAttributes=members` (Entra). */
  readonly excludeGroupMembers: boolean;
}

/**
 * The dialects: `rfc` (the default), `entra` (Microsoft Entra ID's provisioning service) and `okta`.
 * @example `createScimClient({ baseUrl, dialect: 'okta' })`
 * @see https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/
 */
export const CLIENT_DIALECTS = Object.freeze({
  rfc: Object.freeze<ClientDialect>({
    name: 'rfc',
    capitalizedOps: false,
    booleanStrings: false,
    removeByValueList: false,
    pathlessReplace: false,
    updateMethod: 'patch',
    lookupBeforeCreate: false,
    paging: 'auto',
    pageSize: undefined,
    excludeGroupMembers: false,
  }),
  entra: Object.freeze<ClientDialect>({
    name: 'entra',
    capitalizedOps: true,
    booleanStrings: true,
    removeByValueList: true,
    pathlessReplace: false,
    updateMethod: 'patch',
    lookupBeforeCreate: true,
    paging: 'index',
    pageSize: undefined,
    excludeGroupMembers: true,
  }),
  okta: Object.freeze<ClientDialect>({
    name: 'okta',
    capitalizedOps: false,
    booleanStrings: false,
    removeByValueList: false,
    pathlessReplace: true,
    updateMethod: 'put',
    lookupBeforeCreate: true,
    paging: 'index',
    pageSize: 100,
    excludeGroupMembers: false,
  }),
});

/**
 * A dialect by name (`rfc`, `entra`, `okta`) or as an object.
 * @example `const dialect: ClientDialectOption = 'entra'`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export type ClientDialectOption = keyof typeof CLIENT_DIALECTS | ClientDialect;

export function resolveDialect(option: ClientDialectOption | undefined): ClientDialect {
  if (option === undefined) return CLIENT_DIALECTS.rfc;
  if (typeof option !== 'string') return option;
  const dialect = (CLIENT_DIALECTS as Record<string, ClientDialect>)[option.toLowerCase()];
  if (dialect === undefined)
    throw new RangeError(`Unknown dialect '${option}'; use rfc, entra or okta`);
  return dialect;
}

/** Whether the resource type is a group, for the quirks that only groups see. */
export interface PatchTarget {
  readonly id: string;
  readonly isGroup: boolean;
}

/** A PatchOp as the dialect sends it. */
export function encodePatch(
  dialect: ClientDialect,
  request: PatchRequest,
  target: PatchTarget,
): PatchRequest {
  let operations: PatchOperation[] = [...request.Operations];
  if (dialect.removeByValueList) operations = removeByValueList(operations);
  if (dialect.pathlessReplace) operations = pathless(operations, target);
  if (dialect.booleanStrings) operations = operations.map(booleanStrings);
  if (dialect.capitalizedOps) operations = operations.map(capitalize);
  return { schemas: request.schemas, Operations: operations };
}

function capitalize(operation: PatchOperation): PatchOperation {
  const op = operation.op.charAt(0).toUpperCase() + operation.op.slice(1).toLowerCase();
  return { ...operation, op };
}

function booleanStrings(operation: PatchOperation): PatchOperation {
  if (typeof operation.value !== 'boolean') return operation;
  return { ...operation, value: operation.value ? 'True' : 'False' };
}

/** `remove attr[value eq "x"]` → `remove attr` with `[{ value: "x" }]`, consecutive ones merged. */
function removeByValueList(operations: readonly PatchOperation[]): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const operation of operations) {
    const selected =
      operation.op.toLowerCase() === 'remove' ? selectedValue(operation.path) : undefined;
    if (selected === undefined) {
      out.push(operation);
      continue;
    }
    const previous = out.at(-1);
    if (
      previous?.op === 'remove' &&
      previous.path === selected.path &&
      Array.isArray(previous.value)
    ) {
      out[out.length - 1] = {
        ...previous,
        value: [...(previous.value as unknown[]), { value: selected.value }],
      };
    } else {
      out.push({ op: 'remove', path: selected.path, value: [{ value: selected.value }] });
    }
  }
  return out;
}

function selectedValue(path: string | undefined): { path: string; value: string } | undefined {
  if (path === undefined) return undefined;
  const parsed = safeParsePatchPath(path);
  if (!parsed.ok) return undefined;
  const { filter, subAttribute, path: attribute } = parsed.value;
  if (filter?.type !== 'compare' || subAttribute !== undefined) return undefined;
  if (filter.operator !== 'eq' || typeof filter.value !== 'string') return undefined;
  if (filter.path.attribute.toLowerCase() !== 'value' || filter.path.subAttribute !== undefined)
    return undefined;
  const base = path.slice(0, path.indexOf('['));
  return attribute.subAttribute === undefined ? { path: base, value: filter.value } : undefined;
}

/** Consecutive `replace`s of plain top-level attributes become one path-less replace. */
function pathless(operations: readonly PatchOperation[], target: PatchTarget): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const operation of operations) {
    const plain =
      operation.op.toLowerCase() === 'replace' &&
      operation.path !== undefined &&
      /^[A-Za-z][\w$-]*$/.test(operation.path) &&
      !Array.isArray(operation.value) &&
      operation.value !== undefined;
    if (!plain) {
      out.push(operation);
      continue;
    }
    const previous = out.at(-1);
    if (previous?.op === 'replace' && previous.path === undefined && isJsonObject(previous.value)) {
      out[out.length - 1] = {
        ...previous,
        value: { ...previous.value, [operation.path]: operation.value },
      };
    } else {
      const own = target.isGroup ? { id: target.id } : {};
      out.push({ op: 'replace', value: { ...own, [operation.path]: operation.value } });
    }
  }
  return out;
}
