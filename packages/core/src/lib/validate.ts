import { RESOURCE_TYPE_SCHEMA_URN, SERVICE_PROVIDER_CONFIG_SCHEMA_URN } from './constants.js';
import type { ScimResult } from './issues.js';
import type { AttributeDefinition } from './schemas/define.js';
import type { ScimResource } from './schemas/infer.js';
import { modelOf, type SchemaNamespace } from './schemas/model.js';
import type { ScimResourceType } from './schemas/resource-type.js';
import {
  checkImmutable,
  DEFAULT_MAX_STRING_LENGTH,
  isChecked,
  isJsonObject,
  isWritable,
  normalizeAttribute,
  report,
  UNASSIGNED,
  type CompatibilityOptions,
  type ValidationMode,
  type ValueContext,
} from './validate-value.js';

/**
 * How {@link validateResource} reads its input.
 * @example `{ mode: 'create', unknownAttributes: 'reject', compatibility: COMPATIBILITY_PROFILES.entra }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.3
 */
export interface ValidationOptions {
  readonly mode: ValidationMode;
  /** For `replace`: the stored resource, whose readOnly, immutable and omitted writeOnly values carry over. */
  readonly existing?: ScimResource | undefined;
  /** Attributes no schema defines are dropped (`ignore`, the default) or reported as invalidSyntax (checklist S-EXT-12). */
  readonly unknownAttributes?: 'ignore' | 'reject';
  /**
   * `strict` rejects values outside `canonicalValues`, and an `addresses.country` that is not an ISO
   * 3166-1 alpha-2 code; the default accepts both (checklist S-CHAR-34, S-USER-09).
   */
  readonly canonicalValues?: 'lenient' | 'strict';
  /** Reject extension data whose URN is missing from `schemas`; by default the URN is added (checklist S-EXT-02). */
  readonly requireExtensionSchemas?: boolean;
  readonly compatibility?: CompatibilityOptions;
  /** Longer string values are invalidValue at their path (default {@link DEFAULT_MAX_STRING_LENGTH}; not checked in `response` mode). */
  readonly maxStringLength?: number;
}

// Service provider configuration and resource type documents may omit `id` (RFC 7643 §5, §6).
const ID_OPTIONAL = new Set([SERVICE_PROVIDER_CONFIG_SCHEMA_URN, RESOURCE_TYPE_SCHEMA_URN]);

/**
 * Validates a resource against its resource type and returns it normalised: canonical attribute
 * names, readOnly input dropped, null and `[]` removed, duplicates merged, `schemas` holding the base
 * URN and exactly the extensions that carry data. Problems come back as issues, never as throws;
 * the `compatibility` options that read the input are listed in `applied`, with their paths.
 * @example
 * ```ts
 * const result = validateResource(await request.json(), UserResourceType, { mode: 'create' });
 * if (!result.ok) return ScimError.fromIssues(result.issues).toResponse();
 * await store.insert(result.value);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2
 */
export function validateResource(
  input: unknown,
  resourceType: ScimResourceType,
  options: ValidationOptions,
): ScimResult<ScimResource> {
  const context: ValueContext = {
    mode: options.mode,
    rejectUnknown: options.unknownAttributes === 'reject',
    strictCanonicalValues: options.canonicalValues === 'strict',
    compatibility: options.compatibility ?? {},
    maxStringLength: options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH,
    partial: false,
    issues: [],
    applied: undefined,
  };
  if (!isJsonObject(input)) {
    // A body that is not an object does not match the message at all (RFC 7644 §3.12 invalidSyntax).
    return {
      ok: false,
      issues: [
        {
          code: 'invalid_type',
          path: [],
          message: 'A resource must be a JSON object',
          scimType: 'invalidSyntax',
        },
      ],
    };
  }
  const model = modelOf(resourceType);
  const existing = options.mode === 'replace' ? options.existing : undefined;
  const grouped = groupKeys(context, model.core, model.byUrn, input);
  const listed = readSchemas(context, input, grouped.schemasKey, model.core.urn);

  const out: ScimResource = { schemas: [model.core.urn] };
  const core = normalizeNamespace(context, model.core, grouped.core, existing, []);
  if (context.mode === 'response' && !ID_OPTIONAL.has(model.core.urn) && core.id === undefined) {
    report(
      context,
      'required',
      ['id'],
      "Attribute 'id' is required in a resource the service provider returns",
    );
  }
  Object.assign(out, core);

  for (const extension of model.extensions) {
    const raw = grouped.extensions.get(extension);
    const existingData = existing?.[extension.urn];
    let data: Record<string, unknown> = {};
    if (raw !== undefined && raw !== null && !isJsonObject(raw)) {
      report(
        context,
        'invalid_type',
        [extension.urn],
        `Extension '${extension.urn}' must be an object`,
      );
    } else {
      const given =
        raw === undefined || raw === null
          ? new Map<AttributeDefinition, unknown>()
          : groupAttributes(context, extension, raw, [extension.urn]);
      data = normalizeNamespace(
        context,
        extension,
        given,
        isJsonObject(existingData) ? existingData : undefined,
        [extension.urn],
      );
    }
    if (Object.keys(data).length === 0) {
      if (extension.required) {
        report(
          context,
          'required',
          [extension.urn],
          `Extension '${extension.urn}' is required for ${resourceType.name} resources`,
        );
      }
      continue;
    }
    if (
      raw !== undefined &&
      !listed.has(extension.urn.toLowerCase()) &&
      options.requireExtensionSchemas
    ) {
      report(
        context,
        'schemas',
        ['schemas'],
        `Extension data is present but '${extension.urn}' is not listed in schemas`,
      );
    }
    out.schemas.push(extension.urn);
    out[extension.urn] = data;
  }
  return resultOf(context, out);
}

/** The result of a validation: its issues or its value, and the leniencies it used, if any. */
function resultOf<T>(context: ValueContext, value: T): ScimResult<T> {
  const { issues, applied } = context;
  if (applied === undefined) return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
  return issues.length > 0 ? { ok: false, issues, applied } : { ok: true, value, applied };
}

interface GroupedKeys {
  readonly schemasKey: string | undefined;
  readonly core: Map<AttributeDefinition, unknown>;
  readonly extensions: Map<SchemaNamespace, unknown>;
}

function groupKeys(
  context: ValueContext,
  core: SchemaNamespace,
  byUrn: ReadonlyMap<string, SchemaNamespace>,
  input: Record<string, unknown>,
): GroupedKeys {
  let schemasKey: string | undefined;
  const coreValues = new Map<AttributeDefinition, unknown>();
  const extensions = new Map<SchemaNamespace, unknown>();
  for (const key of Object.keys(input)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas') {
      if (schemasKey !== undefined)
        report(context, 'duplicate_attribute', ['schemas'], "'schemas' is given twice");
      schemasKey = key;
      continue;
    }
    const namespace = byUrn.get(lower);
    if (namespace !== undefined && namespace.isExtension) {
      if (extensions.has(namespace))
        report(
          context,
          'duplicate_attribute',
          [namespace.urn],
          `Extension '${namespace.urn}' is given twice`,
        );
      extensions.set(namespace, input[key]);
      continue;
    }
    addAttribute(context, core, coreValues, key, input[key], []);
  }
  return { schemasKey, core: coreValues, extensions };
}

function groupAttributes(
  context: ValueContext,
  namespace: SchemaNamespace,
  raw: Record<string, unknown>,
  path: readonly string[],
): Map<AttributeDefinition, unknown> {
  const values = new Map<AttributeDefinition, unknown>();
  for (const key of Object.keys(raw)) addAttribute(context, namespace, values, key, raw[key], path);
  return values;
}

function addAttribute(
  context: ValueContext,
  namespace: SchemaNamespace,
  values: Map<AttributeDefinition, unknown>,
  key: string,
  value: unknown,
  path: readonly string[],
): void {
  const attribute = namespace.byName.get(key.toLowerCase());
  if (attribute === undefined) {
    if (context.rejectUnknown)
      report(context, 'unknown_attribute', [...path, key], `Unknown attribute '${key}'`);
    return;
  }
  if (values.has(attribute)) {
    report(
      context,
      'duplicate_attribute',
      [...path, attribute.name],
      `Attribute '${attribute.name}' is given twice`,
    );
    return;
  }
  values.set(attribute, value);
}

/** Reads `schemas`: an array of URN strings that holds the base URN (RFC 7643 §3, checklist S-COMMON-02). */
function readSchemas(
  context: ValueContext,
  input: Record<string, unknown>,
  key: string | undefined,
  baseUrn: string,
): ReadonlySet<string> {
  const raw = key === undefined ? undefined : input[key];
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((urn) => typeof urn === 'string')) {
    report(
      context,
      'schemas',
      ['schemas'],
      `'schemas' must be a non-empty array of URN strings including '${baseUrn}'`,
    );
    return new Set();
  }
  // Unknown URNs are dropped, not rejected: Entra lists its own group schema (checklist X-ENTRA-07).
  const listed = new Set(raw.map((urn) => urn.toLowerCase()));
  if (!listed.has(baseUrn.toLowerCase())) {
    report(context, 'schemas', ['schemas'], `'schemas' must include the base schema '${baseUrn}'`);
  }
  return listed;
}

function normalizeNamespace(
  context: ValueContext,
  namespace: SchemaNamespace,
  given: ReadonlyMap<AttributeDefinition, unknown>,
  existing: Record<string, unknown> | undefined,
  path: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attribute of namespace.attributes) {
    const attributePath = [...path, attribute.name];
    const stored = existing?.[attribute.name];
    let value: unknown;
    if (!isWritable(context, attribute)) {
      // readOnly values come from the service provider, never from the client (RFC 7644 §3.5.1).
      value =
        context.mode === 'replace' && attribute.returned !== 'never'
          ? (stored ?? UNASSIGNED)
          : UNASSIGNED;
    } else {
      value = normalizeAttribute(context, attribute, given.get(attribute), attributePath);
      if (context.mode === 'replace') {
        if (attribute.mutability === 'immutable')
          value = checkImmutable(context, attribute, value, stored, attributePath);
        // An omitted writeOnly value, such as a password, is kept (checklist P-PUT-04); null clears it.
        if (attribute.mutability === 'writeOnly' && !given.has(attribute) && stored !== undefined)
          value = stored;
      }
    }
    if (value === UNASSIGNED || value === undefined) {
      if (attribute.required && isWritable(context, attribute) && isChecked(context, attribute)) {
        report(context, 'required', attributePath, `Attribute '${attribute.name}' is required`);
      }
      continue;
    }
    out[attribute.name] = value;
  }
  return out;
}

/**
 * What {@link validateAttributeValue} needs: the leniencies of {@link ValidationOptions}, and the
 * path its issues should carry.
 * @example `{ path: ['emails'], compatibility: COMPATIBILITY_PROFILES.entra }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3
 */
export interface AttributeValueOptions {
  readonly path?: readonly (string | number)[];
  readonly unknownAttributes?: 'ignore' | 'reject';
  readonly canonicalValues?: 'lenient' | 'strict';
  readonly compatibility?: CompatibilityOptions;
  /** Longer string values are invalidValue (default {@link DEFAULT_MAX_STRING_LENGTH}). */
  readonly maxStringLength?: number;
  /**
   * The value only picks out stored values by the sub-attributes it gives (the values a PATCH
   * `remove` lists), so required sub-attributes may be missing. Default false.
   */
  readonly partial?: boolean;
}

/**
 * Validates and normalises one attribute's value as a client writes it (a PATCH value): the type
 * rules, canonical sub-attribute names, readOnly sub-attributes dropped, null and `[]` unassigned
 * (`value` is then `undefined`), duplicates merged, one `primary`.
 * @example
 * ```ts
 * const result = validateAttributeValue(emailsAttribute, [{ Value: 'a@example.com', type: 'work' }]);
 * // { ok: true, value: [{ value: 'a@example.com', type: 'work' }] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3
 */
export function validateAttributeValue(
  attribute: AttributeDefinition,
  value: unknown,
  options: AttributeValueOptions = {},
): ScimResult<unknown> {
  const context: ValueContext = {
    mode: 'create',
    rejectUnknown: options.unknownAttributes === 'reject',
    strictCanonicalValues: options.canonicalValues === 'strict',
    compatibility: options.compatibility ?? {},
    maxStringLength: options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH,
    partial: options.partial === true,
    issues: [],
    applied: undefined,
  };
  const normalized = normalizeAttribute(
    context,
    attribute,
    value,
    options.path ?? [attribute.name],
  );
  return resultOf(context, normalized === UNASSIGNED ? undefined : normalized);
}
