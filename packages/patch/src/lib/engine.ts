// The PATCH engine: one request's operations applied in order to a copy-on-write view of the resource.
import {
  isScimError,
  ScimError,
  validateAttributeValue,
  type AttributeDefinition,
  type AttributeValueOptions,
  type ScimResource,
  isJsonObject,
} from '@scim/core';
import type { ApplyPatchOptions, PatchResult } from './apply.js';
import {
  noted,
  notedEmpty,
  notedFilter,
  notedOp,
  pathNamed,
  valueRule,
  type AppliedRules,
} from './applied.js';
import { describeChanges, sameJson } from './changes.js';
import { checkRequired, schemasOf } from './finish.js';
import {
  valueCompatibility,
  type PatchAppliedRule,
  type PatchCompatibility,
  type PatchLimits,
} from './options.js';
import type { OperationKind, ReadOperation } from './request.js';
import { droppedExtensions, schemaUrnOf, type SchemasTarget } from './schemas-path.js';
import {
  listedPositions,
  mergeInto,
  selectPositions,
  setSubAttribute,
  settlePrimary,
} from './selection.js';
import { namingOperation } from './operation-error.js';
import { resolveIn, targetCache, type AttributeTarget, type Target } from './target.js';
import { WorkingResource } from './working.js';

type Json = Record<string, unknown>;

interface Touched {
  readonly urn: string | undefined;
  readonly attribute: AttributeDefinition;
}

/** One PATCH request being applied to a copy-on-write view of the resource. */
export class Patch {
  private readonly working: WorkingResource;
  /** The attributes an operation wrote to, once each, in the order first touched. */
  private readonly touched: Touched[] = [];
  /** The resolved paths of this resource type and filter options, looked up when first needed. */
  private paths: Map<string, Target> | undefined;
  /** The compatibility rules this request relied on, made when the first one is. */
  private applied: AppliedRules;
  /** What every value normalisation of this request is told, built once. */
  private readonly valueOptions: Required<Omit<AttributeValueOptions, 'path' | 'partial'>>;

  constructor(
    private readonly original: ScimResource,
    private readonly options: ApplyPatchOptions,
    private readonly compatibility: PatchCompatibility,
    limits: Required<PatchLimits>,
  ) {
    this.working = new WorkingResource(original);
    this.valueOptions = {
      compatibility: valueCompatibility(compatibility),
      canonicalValues: options.canonicalValues ?? 'lenient',
      unknownAttributes: options.unknownAttributes ?? 'ignore',
      maxStringLength: limits.maxStringLength,
    };
  }

  /**
   * The rules relied on so far: after a failure, those the operations before it (and the failing
   * one, up to its failure) relied on.
   */
  get rules(): readonly PatchAppliedRule[] | undefined {
    return this.applied;
  }

  /** Applies the operations in order; the first that fails throws, naming itself. */
  run(operations: readonly ReadOperation[]): PatchResult {
    // Reading got this far only if the options allow an empty list (Entra's SCIM validator).
    if (operations.length === 0) this.applied = notedEmpty(this.applied);
    for (const operation of operations) this.apply(operation);
    return this.finish();
  }

  private note(rule: PatchAppliedRule['rule'], path: PatchAppliedRule['path']): void {
    this.applied = noted(this.applied, rule, path);
  }

  private apply(operation: ReadOperation): void {
    try {
      this.applied = notedOp(this.applied, operation);
      if (operation.path === undefined) {
        this.applyWithoutPath(operation);
        return;
      }
      const target = this.resolve(operation.path);
      this.applied = notedFilter(this.applied, target);
      this.applyTo(operation.op, target, operation);
    } catch (error) {
      throw namingOperation(operation, error);
    }
  }

  private touch(urn: string | undefined, attribute: AttributeDefinition): void {
    const { name } = attribute;
    for (const seen of this.touched) if (seen.urn === urn && seen.attribute.name === name) return;
    this.touched.push({ urn, attribute });
  }

  private applyWithoutPath(operation: ReadOperation): void {
    // A remove needs a path (RFC 7644 §3.5.2.2).
    if (operation.op === 'remove') throw ScimError.noTarget("'remove' needs a 'path'");
    if (!isJsonObject(operation.value))
      throw ScimError.invalidValue(`A path-less '${operation.op}' needs an object value`);
    for (const key of Object.keys(operation.value)) {
      const value = operation.value[key];
      // A path-less value often repeats the resource's `schemas`; reading it as a replace of
      // `schemas` would drop every extension it happens not to list, so it is ignored here.
      if (key.toLowerCase() === 'schemas') continue;
      const urn = schemaUrnOf(this.options.resourceType, key);
      const extension = urn === this.options.resourceType.schema.id ? undefined : urn;
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
      // Noted by the attribute it names, never by the key: a key can hold a filter, and its
      // values must not reach a log. A key that names nothing is ignored, and noted as nothing.
      if (isPathKey && target !== undefined) this.note('pathKeysInValue', [pathNamed(target)]);
      // `<core URN>:schemas` is `schemas` spelled as a path key: ignored for the same reason.
      if (target !== undefined && target.kind !== 'schemas')
        this.applyTo(operation.op, target, { ...operation, value, hasValue: true });
    }
  }

  /** Okta renames a group with its own `id` inside the value; only an equal id is ignored. */
  private isOwnId(key: string, value: unknown): boolean {
    const own =
      key.toLowerCase() === 'id' &&
      this.compatibility.ignoreOwnId === true &&
      value === this.original.id;
    if (own) this.note('ignoreOwnId', ['id']);
    return own;
  }

  private resolve(path: string): Target {
    const { resourceType, filter } = this.options;
    this.paths ??= targetCache(resourceType, filter);
    return resolveIn(this.paths, path, resourceType, filter);
  }

  private resolveKey(key: string): Target | undefined {
    try {
      return this.resolve(key);
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
    if (target.kind === 'schemas') {
      this.applyToSchemas(op, target, operation);
      return;
    }
    const { attribute, sub } = target;
    if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
      throw ScimError.mutability(`'${target.path}' is readOnly`);
    }
    if (op !== 'remove' && (!operation.hasValue || operation.value === undefined)) {
      throw ScimError.invalidValue(`'${op}' needs a 'value'`);
    }
    this.touch(target.urn, attribute);
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
        this.touch(urn, attribute);
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

  /** `schemas` follows the data (P-PATCH-15, S-EXT-03): what leaves it takes its extension's data. */
  private applyToSchemas(op: OperationKind, target: SchemasTarget, operation: ReadOperation): void {
    for (const urn of droppedExtensions(op, target, operation, this.options.resourceType))
      this.applyToExtension('remove', urn, operation);
  }

  /**
   * Validates and normalises a value as the schema reads it: the one place where PATCH values meet
   * the type rules, the leniencies and limits.maxStringLength. `partial`: a remove's listed value.
   */
  private normalize(
    attribute: AttributeDefinition,
    value: unknown,
    path: string | readonly (string | number)[],
    partial = false,
  ): unknown {
    // Always the same object shape: the validator's property reads stay monomorphic.
    const result = validateAttributeValue(attribute, value, {
      path: typeof path === 'string' ? [path] : path,
      compatibility: this.valueOptions.compatibility,
      canonicalValues: this.valueOptions.canonicalValues,
      unknownAttributes: this.valueOptions.unknownAttributes,
      maxStringLength: this.valueOptions.maxStringLength,
      partial,
    });
    if (!result.ok) throw ScimError.fromIssues(result.issues);
    if (result.applied !== undefined)
      for (const { rule, path: where } of result.applied) this.note(valueRule(rule), where);
    return result.value;
  }

  private setSingle(op: OperationKind, target: AttributeTarget, raw: unknown): void {
    const { attribute, urn } = target;
    const current = this.working.get(urn, attribute);
    const value = this.normalize(attribute, raw, target.path);
    if (value === undefined) {
      if (!clears(op, attribute, raw)) return;
      this.checkImmutable(attribute, current, undefined, target.path);
      this.working.set(urn, attribute, undefined);
      return;
    }
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
    if (values.length === 0 && !clears(op, attribute, raw)) return;
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
    if (op !== 'remove' && value === undefined && !clears(op, sub, raw)) return;
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
    setSubAttribute(list, list.positions(), sub, value, target.path);
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
      const given = this.normalize(sub ?? { ...attribute, multiValued: false }, raw, target.path);
      // A value that holds nothing creates nothing: no element made of the filter's terms alone.
      if (given === undefined) return;
      // The attribute's path, not the filter's text: a filter holds values, and notes go to logs.
      this.note('createFromFilter', [pathNamed(target)]);
      const element =
        sub === undefined
          ? { ...selector.pinned, ...(isJsonObject(given) ? given : {}) }
          : { ...selector.pinned, [sub.name]: given };
      this.setValues('add', { ...target, selector: undefined, sub: undefined }, [element]);
      return;
    }
    if (sub !== undefined) {
      const value = op === 'remove' ? undefined : this.normalize(sub, raw, target.path);
      if (op !== 'remove' && value === undefined && !clears(op, sub, raw)) return;
      setSubAttribute(list, matches, sub, value, target.path);
      return;
    }
    if (op === 'remove') {
      for (const position of matches) list.delete(position);
      return;
    }
    const value = this.normalize({ ...attribute, multiValued: false }, raw, target.path);
    // Every sub-attribute dropped (readOnly, unknown): nothing to merge or replace with.
    if (value === undefined && raw !== null) return;
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

  private remove(target: AttributeTarget, operation: ReadOperation): void {
    const { attribute, urn } = target;
    if (
      attribute.multiValued &&
      operation.hasValue &&
      operation.value !== null &&
      operation.value !== undefined
    ) {
      // A value list says which values to remove, in every preset (X-ENTRA-02, P-PATCH-41): Entra
      // removes one member this way, and reading it as "remove all" empties the group.
      this.note('removeMembersByValue', [target.path]);
      this.removeListed(target, operation.value);
      return;
    }
    if (attribute.mutability === 'immutable' && this.working.get(urn, attribute) !== undefined) {
      throw ScimError.mutability(`'${target.path}' is immutable`);
    }
    this.working.set(urn, attribute, undefined);
  }

  private removeListed(target: AttributeTarget, raw: unknown): void {
    const { attribute, urn } = target;
    const single = { ...attribute, multiValued: false };
    const listed: unknown[] = [];
    // Each listed value is read as an add reads a value (names in any case, unknown keys ignored or
    // refused, `"u1"` as `{ value }` with managerShorthand, the string limits), one at a time so that
    // neither the one-primary rule nor required sub-attributes apply to what only picks values out.
    (Array.isArray(raw) ? raw : [raw]).forEach((item: unknown, index) => {
      if (item === null) return;
      const path = Array.isArray(raw) ? [target.path, index] : [target.path];
      // Undefined when every sub-attribute it gives is null, readOnly or unknown: it names nothing.
      listed.push(this.normalize(single, item, path, true));
    });
    const list = this.working.list(urn, attribute);
    const doomed = listedPositions(list, listed, target.path);
    if (doomed.length > 0 && attribute.mutability === 'immutable')
      throw ScimError.mutability(`'${target.path}' is immutable`);
    for (const position of doomed) list.delete(position);
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

  private finish(): PatchResult {
    const resource = this.working.finish() as ScimResource;
    checkRequired(this.options.resourceType, resource);
    resource.schemas = schemasOf(this.options.resourceType, resource);
    const changes = describeChanges(this.original, resource, this.touched);
    const result: PatchResult =
      changes.length === 0 && sameJson(this.original.schemas, resource.schemas)
        ? { resource: this.original, changed: false, changes }
        : { resource, changed: true, changes };
    return this.applied === undefined ? result : { ...result, applied: this.applied };
  }
}

/**
 * Whether an add or replace whose value normalised to nothing unassigns the target. Only a replace
 * that says "no value" does (`null`, `[]`, or `""` for a complex value: Entra's "no manager", P-PATCH-50).
 * An add never removes (RFC 7644 §3.5.2.1), and a value whose every part was dropped (readOnly,
 * unknown or refused keys, RFC 7643 §2.2) asked for nothing, so either changes nothing.
 */
function clears(op: OperationKind, attribute: AttributeDefinition, raw: unknown): boolean {
  return (
    op === 'replace' &&
    (raw === null ||
      (Array.isArray(raw) && raw.length === 0) ||
      (raw === '' && attribute.type === 'complex'))
  );
}
