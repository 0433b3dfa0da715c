// The SCIM rules the zod schemas apply before zod sees a value, without zod: which attributes a
// shape holds, which are required, what counts as unassigned, and how names in any case map to the
// schema's own. Each mirrors a rule of validateResource (validate.ts, validate-value.ts); the
// differential test in test/zod-differential.test.ts holds the two to the same answers.
import { RESOURCE_TYPE_SCHEMA_URN, SERVICE_PROVIDER_CONFIG_SCHEMA_URN } from '../constants.js';
import type { AttributeDefinition } from '../schemas/define.js';
import { subAttributesOf } from '../schemas/model.js';
import { isJsonObject, type CompatibilityOptions } from '../validate-value.js';

/**
 * Which message a zod schema of `toZod` reads: a POST body (`create`), a PUT body (`replace`), or a
 * resource a service provider returns (`read`, the `response` mode of `validateResource`).
 * @example `type NewUser = InferResourceShape<typeof UserResourceType, 'create'>`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.3
 */
export type ResourceShape = 'create' | 'replace' | 'read';

export interface BuildContext {
  readonly shape: ResourceShape;
  readonly rejectUnknown: boolean;
  readonly strictCanonicalValues: boolean;
  readonly compatibility: CompatibilityOptions;
  /** Longer strings are invalid; undefined in `read`, where lengths are not checked. */
  readonly maxStringLength: number | undefined;
  readonly requireExtensionSchemas: boolean;
}

// ServiceProviderConfig and ResourceType documents may omit `id` (RFC 7643 §5, §6).
export const ID_OPTIONAL: ReadonlySet<string> = new Set([
  SERVICE_PROVIDER_CONFIG_SCHEMA_URN,
  RESOURCE_TYPE_SCHEMA_URN,
]);

// As validate-value.ts: identifiers other systems match on refuse invisible and terminal-rewriting
// characters other than tab and newline.
export const IDENTIFIERS: ReadonlySet<string> = new Set(['userName', 'externalId']);
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000B-\u001F\u007F]/;

/** readOnly input is ignored on writes (RFC 7644 §3.3, §3.5.1); a read never holds returned "never". */
export function isIncluded(context: BuildContext, attribute: AttributeDefinition): boolean {
  return context.shape === 'read'
    ? attribute.returned !== 'never'
    : attribute.mutability !== 'readOnly';
}

/** Required and checked in this shape: a writeOnly value is never returned, so a read may lack it. */
export function isRequiredIn(context: BuildContext, attribute: AttributeDefinition): boolean {
  return (
    attribute.required &&
    isIncluded(context, attribute) &&
    (context.shape !== 'read' || attribute.mutability !== 'writeOnly')
  );
}

/** Whether a string given for a complex attribute reads as `{ value }` (Entra's `manager`). */
export function readsStringAsValue(context: BuildContext, attribute: AttributeDefinition): boolean {
  return (
    context.compatibility.stringAsComplexValue === true &&
    attribute.type === 'complex' &&
    subAttributesOf(attribute).has('value')
  );
}

/**
 * The raw value, or `undefined` when RFC 7643 §2.5 calls it unassigned: null, `[]`, a complex
 * value with only unassigned sub-attributes, or an array of nothing else. Values of the wrong type
 * are returned as they are, for zod to reject. An object with keys that canonicalizing will report (a name given twice, an unknown name
 * when unknown names are rejected) counts as assigned, so that the report is made.
 */
export function unassign(
  context: BuildContext,
  attribute: AttributeDefinition,
  raw: unknown,
): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (attribute.multiValued) {
    if (!Array.isArray(raw)) return raw;
    let assigned = false;
    for (let index = 0; index < raw.length; index++) {
      // A hole is skipped, as validateResource skips it; null is unassigned.
      if (index in raw && !isUnassignedItem(context, attribute, raw[index])) assigned = true;
    }
    if (!assigned) return undefined;
    // Items keep their places, so that issue paths hold the index the client sent; unassigned
    // ones are dropped after validation. A hole reads as null, an explicit undefined (not JSON) as
    // a value of no attribute type.
    return Array.from(raw, (item: unknown, index) =>
      !(index in raw) ? null : item === undefined ? NOT_JSON : item,
    );
  }
  let single: unknown = raw;
  if (Array.isArray(raw)) {
    const unwraps =
      context.compatibility.singleElementArrays === true &&
      attribute.type === 'complex' &&
      raw.length === 1;
    // Left as an array, the value fails as "single-valued and takes no array".
    if (!unwraps || raw[0] === undefined) return raw;
    single = (raw as unknown[])[0];
    if (single === null) return undefined;
  }
  return isUnassignedSingle(context, attribute, single) ? undefined : single;
}

/** A value of a multi-valued attribute that holds nothing: null, or an empty complex value. */
export function isUnassignedItem(
  context: BuildContext,
  attribute: AttributeDefinition,
  item: unknown,
): boolean {
  return item === null || isUnassignedSingle(context, attribute, item);
}

/** Stands for an explicit `undefined` array item: validateResource refuses it, and so does every type. */
const NOT_JSON: unique symbol = Symbol('not JSON');

function isUnassignedSingle(
  context: BuildContext,
  attribute: AttributeDefinition,
  value: unknown,
): boolean {
  if (attribute.type !== 'complex') return false;
  // An empty string is "no manager" (Entra clears a manager with a replace to "").
  if (typeof value === 'string') return value === '' && readsStringAsValue(context, attribute);
  if (!isJsonObject(value)) return false;
  return isEmptyObject(context, subAttributesOf(attribute), value);
}

/** Whether an object assigns nothing under these attributes (see {@link unassign}). */
export function isEmptyObject(
  context: BuildContext,
  byName: ReadonlyMap<string, AttributeDefinition>,
  value: Record<string, unknown>,
): boolean {
  const seen = new Set<AttributeDefinition>();
  for (const key of Object.keys(value)) {
    const attribute = byName.get(key.toLowerCase());
    if (attribute === undefined) {
      if (context.rejectUnknown) return false;
      continue;
    }
    if (seen.has(attribute)) return false;
    seen.add(attribute);
    if (isIncluded(context, attribute) && unassign(context, attribute, value[key]) !== undefined)
      return false;
  }
  return true;
}

/** A key problem found while canonicalizing: its path inside the object, and what it is. */
export interface KeyProblem {
  readonly path: readonly (string | number)[];
  readonly code: 'unknown_attribute' | 'duplicate_attribute';
  readonly message: string;
}

/**
 * The object with its keys in the schema's case (RFC 7643 §2.1: names are case-insensitive),
 * without the attributes this shape ignores (readOnly on writes, returned "never" on reads), and
 * without unknown names, which are reported when `rejectUnknown` is set. A name given twice in two
 * cases is reported and the first kept, as validateResource does.
 */
export function canonicalizeKeys(
  context: BuildContext,
  byName: ReadonlyMap<string, AttributeDefinition>,
  raw: Record<string, unknown>,
  what: string,
): { readonly value: Record<string, unknown>; readonly problems: readonly KeyProblem[] } {
  const value: Record<string, unknown> = {};
  const problems: KeyProblem[] = [];
  const seen = new Set<AttributeDefinition>();
  for (const key of Object.keys(raw)) {
    const attribute = byName.get(key.toLowerCase());
    if (attribute === undefined) {
      if (context.rejectUnknown)
        problems.push({
          path: [key],
          code: 'unknown_attribute',
          message: `${what} has no attribute '${key}'`,
        });
      continue;
    }
    if (seen.has(attribute)) {
      problems.push({
        path: [attribute.name],
        code: 'duplicate_attribute',
        message: `Attribute '${attribute.name}' is given twice`,
      });
      continue;
    }
    seen.add(attribute);
    if (isIncluded(context, attribute)) value[attribute.name] = raw[key];
  }
  return { value, problems };
}
