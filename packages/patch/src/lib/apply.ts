import {
  COMMON_ATTRIBUTES,
  isScimError,
  ScimError,
  validateAttributeValue,
  type AttributeDefinition,
  type AttributeValueOptions,
  type ScimResource,
  type ScimResourceType,
  type ScimResult,
  isJsonObject,
} from '@scim/core';
import type { ParseFilterOptions } from '@scim/filter';
import { describeChanges, sameJson, type AttributeChange } from './changes.js';
import {
  PATCH_PRESETS,
  valueCompatibility,
  type PatchCompatibility,
  type PatchLimits,
} from './options.js';
import { readPatchRequest, type OperationKind, type ReadOperation } from './request.js';
import { resolveTarget, type AttributeTarget, type Target } from './target.js';
import { WorkingResource, type WorkingList } from './working.js';

/**
 * How {@link applyPatch} reads a request.
 * @example `{ resourceType: GroupResourceType, compatibility: PATCH_PRESETS.entra }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface ApplyPatchOptions {
  readonly resourceType: ScimResourceType;
  /** Client dialects; defaults to `PATCH_PRESETS.default`. */
  readonly compatibility?: PatchCompatibility;
  readonly limits?: PatchLimits;
  /** Keys of a path-less value that no schema defines: ignored (default) or an invalidPath error. */
  readonly unknownAttributes?: 'ignore' | 'reject';
  readonly canonicalValues?: 'lenient' | 'strict';
  /** Options for the paths' value filters (leniency, limits). */
  readonly filter?: ParseFilterOptions;
}

/**
 * The outcome of a PATCH: the new resource (the input itself when nothing changed), and what changed
 * per attribute.
 * @example `if (result.changed) await store.replace(result.resource)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface PatchResult {
  readonly resource: ScimResource;
  readonly changed: boolean;
  readonly changes: readonly AttributeChange[];
}

type Json = Record<string, unknown>;

/**
 * Applies a PatchOp request (RFC 7644 §3.5.2) to a resource. The input is never mutated and the
 * request is atomic: the first failing operation throws a `ScimError` (invalidSyntax, invalidPath,
 * invalidFilter, invalidValue, noTarget or mutability) and nothing is applied.
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
  const operations = readPatchRequest(request, compatibility, options.limits);
  const patch = new Patch(resource, options, compatibility);
  for (const operation of operations) patch.apply(operation);
  return patch.finish();
}

/**
 * {@link applyPatch}, returning its error as issues instead of throwing.
 * @example `const result = safeApplyPatch(user, body, { resourceType }); if (!result.ok) …`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function safeApplyPatch(
  resource: ScimResource,
  request: unknown,
  options: ApplyPatchOptions,
): ScimResult<PatchResult> {
  try {
    return { ok: true, value: applyPatch(resource, request, options) };
  } catch (error) {
    if (!isScimError(error)) throw error;
    const message = error.detail ?? error.message;
    return {
      ok: false,
      issues: [
        { code: 'invalid_value', path: [], message, scimType: error.scimType ?? 'invalidValue' },
      ],
    };
  }
}

class Patch {
  private readonly working: WorkingResource;
  private readonly touched = new Map<
    string,
    { urn: string | undefined; attribute: AttributeDefinition }
  >();
  private readonly extensionUrns: ReadonlyMap<string, string>;
  /** What every value normalisation of this request is told, built once. */
  private readonly valueOptions: Required<Omit<AttributeValueOptions, 'path'>>;

  constructor(
    private readonly original: ScimResource,
    private readonly options: ApplyPatchOptions,
    private readonly compatibility: PatchCompatibility,
  ) {
    this.working = new WorkingResource(original);
    this.valueOptions = {
      compatibility: valueCompatibility(compatibility),
      canonicalValues: options.canonicalValues ?? 'lenient',
      unknownAttributes: options.unknownAttributes ?? 'ignore',
    };
    this.extensionUrns = new Map(
      options.resourceType.schemaExtensions.map((e) => [e.schema.id.toLowerCase(), e.schema.id]),
    );
  }

  apply(operation: ReadOperation): void {
    try {
      if (operation.path === undefined) this.applyWithoutPath(operation);
      else
        this.applyTo(
          operation.op,
          resolveTarget(operation.path, this.options.resourceType, this.options.filter),
          operation,
        );
    } catch (error) {
      if (isScimError(error))
        throw new ScimError({
          ...errorParts(error),
          detail: `Operations[${operation.index}]: ${error.detail ?? error.message}`,
        });
      throw error;
    }
  }

  private applyWithoutPath(operation: ReadOperation): void {
    // A remove needs a path (RFC 7644 §3.5.2.2).
    if (operation.op === 'remove') throw ScimError.noTarget("'remove' needs a 'path'");
    if (!isJsonObject(operation.value))
      throw ScimError.invalidValue(`A path-less '${operation.op}' needs an object value`);
    for (const key of Object.keys(operation.value)) {
      const value = operation.value[key];
      if (key.toLowerCase() === 'schemas') continue;
      const extension = this.extensionUrns.get(key.toLowerCase());
      if (extension !== undefined) {
        this.applyTo(
          operation.op,
          { kind: 'extension', urn: extension, path: extension },
          { ...operation, value, hasValue: true },
        );
        continue;
      }
      if (this.isOwnId(key, value)) continue;
      const isPathKey = key.includes('.') || key.toLowerCase().startsWith('urn:');
      if (isPathKey && this.compatibility.pathKeysInValue !== true) {
        throw ScimError.invalidPath(
          `'${key}' is a path, not an attribute name; send it as the operation's path`,
        );
      }
      const target = this.resolveKey(key);
      if (target !== undefined)
        this.applyTo(operation.op, target, { ...operation, value, hasValue: true });
    }
  }

  /** Okta renames a group with its own `id` inside the value; only an equal id is ignored. */
  private isOwnId(key: string, value: unknown): boolean {
    return (
      key.toLowerCase() === 'id' &&
      this.compatibility.ignoreOwnId === true &&
      value === this.original.id
    );
  }

  private resolveKey(key: string): Target | undefined {
    try {
      return resolveTarget(key, this.options.resourceType, this.options.filter);
    } catch (error) {
      if (
        this.options.unknownAttributes !== 'reject' &&
        isScimError(error) &&
        error.scimType === 'invalidPath'
      )
        return undefined;
      throw error;
    }
  }

  private applyTo(op: OperationKind, target: Target, operation: ReadOperation): void {
    if (target.kind === 'extension') {
      this.applyToExtension(op, target.urn, operation);
      return;
    }
    const { attribute, sub } = target;
    if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
      throw ScimError.mutability(`'${target.path}' is readOnly`);
    }
    if (op !== 'remove' && (!operation.hasValue || operation.value === undefined)) {
      throw ScimError.invalidValue(`'${op}' needs a 'value'`);
    }
    this.touched.set(`${target.urn ?? ''}|${attribute.name}`, { urn: target.urn, attribute });
    if (target.selector !== undefined) this.applySelected(op, target, operation.value);
    else if (sub !== undefined) this.applyToSubAttribute(op, target, sub, operation.value);
    else if (op === 'remove') this.remove(target, operation);
    else if (attribute.multiValued) this.setValues(op, target, operation.value);
    else this.setSingle(op, target, operation.value);
  }

  private applyToExtension(op: OperationKind, urn: string, operation: ReadOperation): void {
    const extension = this.options.resourceType.schemaExtensions.find((e) => e.schema.id === urn);
    if (extension === undefined)
      throw ScimError.invalidPath(`'${urn}' is not an extension of this resource type`);
    if (op === 'remove') {
      if (extension.required) throw ScimError.mutability(`Extension '${urn}' is required`);
      for (const attribute of extension.schema.attributes) {
        if (attribute.mutability === 'readOnly') continue;
        this.touched.set(`${urn}|${attribute.name}`, { urn, attribute });
        this.working.set(urn, attribute, undefined);
      }
      return;
    }
    if (!isJsonObject(operation.value))
      throw ScimError.invalidValue(`The value for '${urn}' must be an object`);
    for (const key of Object.keys(operation.value)) {
      const target = this.resolveKey(`${urn}:${key}`);
      if (target !== undefined)
        this.applyTo(op, target, { ...operation, value: operation.value[key], hasValue: true });
    }
  }

  private normalize(attribute: AttributeDefinition, value: unknown, path: string): unknown {
    // Always the same object shape: the validator's property reads stay monomorphic.
    const result = validateAttributeValue(attribute, value, {
      path: [path],
      compatibility: this.valueOptions.compatibility,
      canonicalValues: this.valueOptions.canonicalValues,
      unknownAttributes: this.valueOptions.unknownAttributes,
    });
    if (!result.ok) throw ScimError.fromIssues(result.issues);
    return result.value;
  }

  private setSingle(op: OperationKind, target: AttributeTarget, raw: unknown): void {
    const { attribute, urn } = target;
    const current = this.working.get(urn, attribute);
    const value = this.normalize(attribute, raw, target.path);
    let next = value;
    // add and replace on a complex value merge the given sub-attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
    if (attribute.type === 'complex' && isJsonObject(current) && isJsonObject(value))
      next = { ...current, ...value };
    this.checkImmutable(attribute, current, next, target.path);
    this.working.set(urn, attribute, next);
  }

  private setValues(op: OperationKind, target: AttributeTarget, raw: unknown): void {
    const { attribute, urn } = target;
    // A single object is accepted as a one-element array (checklist P-PATCH-25).
    const wrapped = raw !== null && !Array.isArray(raw) ? [raw] : raw;
    const values = (this.normalize(attribute, wrapped, target.path) as unknown[] | undefined) ?? [];
    const list = this.working.list(urn, attribute);
    if (attribute.mutability === 'immutable') {
      this.checkImmutable(
        attribute,
        list.values(),
        op === 'add' ? [...list.values(), ...values] : values,
        target.path,
      );
    }
    if (op === 'replace') list.clear();
    const primaries: number[] = [];
    for (const value of values) {
      const position = list.find(value);
      let at: number;
      if (position === undefined) {
        at = list.append(value);
      } else {
        at = position;
        mergeInto(list, position, value);
      }
      if (isJsonObject(value) && value.primary === true) primaries.push(at);
    }
    settlePrimary(list, primaries, target.path);
  }

  private applyToSubAttribute(
    op: OperationKind,
    target: AttributeTarget,
    sub: AttributeDefinition,
    raw: unknown,
  ): void {
    const { attribute, urn } = target;
    const value = op === 'remove' ? undefined : this.normalize(sub, raw, target.path);
    if (!attribute.multiValued) {
      const current = this.working.get(urn, attribute);
      if (
        sub.mutability === 'immutable' &&
        isJsonObject(current) &&
        current[sub.name] !== undefined &&
        !sameJson(current[sub.name], value)
      ) {
        throw ScimError.mutability(`'${target.path}' is immutable`);
      }
      const next: Json = { ...(isJsonObject(current) ? current : {}) };
      if (value === undefined) delete next[sub.name];
      else next[sub.name] = value;
      this.working.set(urn, attribute, Object.keys(next).length === 0 ? undefined : next);
      return;
    }
    const list = this.working.list(urn, attribute);
    this.setSubAttribute(list, list.positions(), sub, value, target.path);
  }

  private applySelected(op: OperationKind, target: AttributeTarget, raw: unknown): void {
    const { attribute, urn, sub } = target;
    const selector = target.selector as NonNullable<AttributeTarget['selector']>;
    const list = this.working.list(urn, attribute);
    const matches = selectPositions(list, selector);
    if (matches.length === 0) {
      if (op === 'remove') return; // A remove filter that matches nothing succeeds (checklist P-PATCH-38, D-25).
      const mode = this.compatibility.createFromFilter ?? 'add';
      const allowed = op === 'add' ? mode !== 'never' : mode === 'addAndReplace';
      if (!allowed || selector.pinned === undefined)
        throw ScimError.noTarget(`No value of '${attribute.name}' matches '${selector.text}'`);
      // Entra adds through a filter that matches nothing: build the element from the filter (X-ENTRA-08).
      const element =
        sub === undefined
          ? { ...selector.pinned, ...(isJsonObject(raw) ? raw : {}) }
          : { ...selector.pinned, [sub.name]: raw };
      this.setValues('add', { ...target, selector: undefined, sub: undefined }, [element]);
      return;
    }
    if (sub !== undefined) {
      const value = op === 'remove' ? undefined : this.normalize(sub, raw, target.path);
      this.setSubAttribute(list, matches, sub, value, target.path);
      return;
    }
    if (op === 'remove') {
      for (const position of matches) list.delete(position);
      return;
    }
    const value = this.normalize({ ...attribute, multiValued: false }, raw, target.path);
    if (!isJsonObject(value))
      throw ScimError.invalidValue(`The value for '${selector.text}' must be an object`);
    const primaries: number[] = [];
    for (const position of matches) {
      const current = list.at(position);
      // add merges into each match; replace replaces each match with the value (RFC 7644 §3.5.2.3).
      const next = op === 'add' && isJsonObject(current) ? { ...current, ...value } : value;
      if (!sameJson(current, next)) list.put(position, next);
      if (next.primary === true) primaries.push(position);
    }
    settlePrimary(list, primaries, target.path);
  }

  private setSubAttribute(
    list: WorkingList,
    positions: readonly number[],
    sub: AttributeDefinition,
    value: unknown,
    path: string,
  ): void {
    const primaries: number[] = [];
    for (const position of positions) {
      const current = list.at(position);
      if (!isJsonObject(current)) continue;
      if (
        sub.mutability === 'immutable' &&
        current[sub.name] !== undefined &&
        !sameJson(current[sub.name], value)
      ) {
        throw ScimError.mutability(`'${path}' is immutable`);
      }
      const next: Json = { ...current };
      if (value === undefined) delete next[sub.name];
      else next[sub.name] = value;
      if (!sameJson(current, next)) {
        if (Object.keys(next).length === 0) list.delete(position);
        else list.put(position, next);
      }
      if (sub.name === 'primary' && value === true) primaries.push(position);
    }
    settlePrimary(list, primaries, path);
  }

  private remove(target: AttributeTarget, operation: ReadOperation): void {
    const { attribute, urn } = target;
    const selectorValues =
      operation.hasValue && operation.value !== null && operation.value !== undefined;
    if (
      attribute.multiValued &&
      selectorValues &&
      this.compatibility.removeMembersByValue === true
    ) {
      // Entra: remove "members" with a value list removes exactly those values (X-ENTRA-02).
      const wrapped = Array.isArray(operation.value) ? operation.value : [operation.value];
      const values =
        (this.normalize(attribute, wrapped, target.path) as unknown[] | undefined) ?? [];
      const list = this.working.list(urn, attribute);
      for (const value of values) {
        const position = list.find(value);
        if (position !== undefined) list.delete(position);
      }
      return;
    }
    if (attribute.mutability === 'immutable' && this.working.get(urn, attribute) !== undefined) {
      throw ScimError.mutability(`'${target.path}' is immutable`);
    }
    this.working.set(urn, attribute, undefined);
  }

  private checkImmutable(
    attribute: AttributeDefinition,
    current: unknown,
    next: unknown,
    path: string,
  ): void {
    if (
      attribute.mutability !== 'immutable' ||
      current === undefined ||
      (Array.isArray(current) && current.length === 0)
    )
      return;
    if (!sameJson(current, next))
      throw ScimError.mutability(`'${path}' is immutable and already has a value`);
  }

  finish(): PatchResult {
    const resource = this.working.finish() as ScimResource;
    this.checkRequired(resource);
    resource.schemas = this.schemasOf(resource);
    const changes = describeChanges(this.original, resource, [...this.touched.values()]);
    if (changes.length === 0 && sameJson(this.original.schemas, resource.schemas)) {
      return { resource: this.original, changed: false, changes };
    }
    return { resource, changed: true, changes };
  }

  /** Removing or nulling a required attribute fails the whole request (checklist S-CHAR-09, P-PATCH-40). */
  private checkRequired(resource: ScimResource): void {
    const check = (
      attributes: readonly AttributeDefinition[],
      holder: Json | undefined,
      prefix: string,
    ): void => {
      for (const attribute of attributes) {
        const value = holder?.[attribute.name];
        if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
          throw ScimError.mutability(
            `'${prefix}${attribute.name}' is required and cannot be removed`,
          );
        }
      }
    };
    const rt = this.options.resourceType;
    check(requiredAttributes(rt), resource, '');
    for (const extension of rt.schemaExtensions) {
      const data = resource[extension.schema.id];
      if (!isJsonObject(data)) {
        if (extension.required)
          throw ScimError.mutability(`Extension '${extension.schema.id}' is required`);
        continue;
      }
      check(requiredAttributes(extension.schema), data, `${extension.schema.id}:`);
    }
  }

  /** `schemas` follows the data: the base URN and each extension that holds a value (P-PATCH-15, S-EXT-03). */
  private schemasOf(resource: ScimResource): string[] {
    const rt = this.options.resourceType;
    const withData = rt.schemaExtensions
      .map((e) => e.schema.id)
      .filter((urn) => isJsonObject(resource[urn]) && Object.keys(resource[urn]).length > 0);
    return [rt.schema.id, ...withData];
  }
}

function errorParts(
  error: ScimError,
): { scimType: NonNullable<ScimError['scimType']> } | { status: number } {
  return error.scimType === undefined ? { status: error.status } : { scimType: error.scimType };
}

function selectPositions(
  list: WorkingList,
  selector: NonNullable<AttributeTarget['selector']>,
): number[] {
  if (selector.byValue) {
    // Identity is the value itself (members): one index lookup instead of a scan.
    const position = list.find({ value: selector.pinned?.value });
    return position === undefined ? [] : [position];
  }
  return list.positions().filter((position) => selector.test(list.at(position) as Json));
}

function mergeInto(list: WorkingList, position: number, value: unknown): void {
  const current = list.at(position);
  const next = isJsonObject(current) && isJsonObject(value) ? { ...current, ...value } : value;
  if (!sameJson(current, next)) list.put(position, next);
}

/** One `primary: true` at most: the values just made primary win, the others lose it (P-PATCH-14). */
function settlePrimary(list: WorkingList, made: readonly number[], path: string): void {
  if (made.length > 1)
    throw ScimError.invalidValue(`At most one value of '${path}' may be primary`);
  if (made.length === 0) return;
  for (const position of list.positions()) {
    const current = list.at(position);
    if (position !== made[0] && isJsonObject(current) && current.primary === true)
      list.put(position, { ...current, primary: false });
  }
}

// Schemas are immutable once defined: which attributes a PATCH must leave in place is worked out once
// per schema, keyed by its definition object.
const requiredCache = new WeakMap<object, readonly AttributeDefinition[]>();

/** The required attributes a client can write: the core schema's also include the common ones. */
function requiredAttributes(
  source: ScimResourceType | { readonly attributes: readonly AttributeDefinition[] },
): readonly AttributeDefinition[] {
  let required = requiredCache.get(source);
  if (required === undefined) {
    const attributes =
      'schema' in source ? [...COMMON_ATTRIBUTES, ...source.schema.attributes] : source.attributes;
    required = attributes.filter(
      (attribute) => attribute.required && attribute.mutability !== 'readOnly',
    );
    requiredCache.set(source, required);
  }
  return required;
}
