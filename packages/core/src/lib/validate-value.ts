// Attribute-level checks and normalisation, shared by every validation mode.
import { ADDRESS_COUNTRY, ISO_3166_ALPHA2 } from './country.js';
import { attributeValueKey, attributeValuesEqual, caseFold, isCaseExact } from './equality.js';
import type { ScimAppliedRule, ScimIssue, ScimIssueCode, ScimIssuePath } from './issues.js';
import type { ScimType } from './error.js';
import type { AttributeDefinition } from './schemas/define.js';
import { subAttributesOf } from './schemas/model.js';
import { isBase64, isDateTime, isUriReference } from './values.js';

/**
 * Which message is being validated: a POST body, a PUT body (against the stored resource), or a
 * resource a service provider returns.
 * @example `validateResource(body, UserResourceType, { mode: 'replace', existing })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1
 */
export type ValidationMode = 'create' | 'replace' | 'response';

/**
 * Leniencies for what real clients send instead of RFC JSON; each is off unless named, and
 * {@link COMPATIBILITY_PROFILES} bundles them per client.
 * @example `{ booleanStrings: true } // accept Entra's "True"/"False"`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.2
 */
export interface CompatibilityOptions {
  /** `"True"` / `"false"` (any case) for a boolean attribute (Entra, checklist X-ENTRA-03). */
  readonly booleanStrings?: boolean;
  /** A bare string for a complex attribute with a `value` sub-attribute, read as `{ value }` (Entra `manager`, X-ENTRA-06). */
  readonly stringAsComplexValue?: boolean;
  /** A one-element array for a single-valued complex attribute, read as its element (Entra `manager`). */
  readonly singleElementArrays?: boolean;
}

// Every body leniency has no other meaning under RFC 7643 (each replaces a 400), so the default
// profile takes them all; only `strict` refuses them.
const HARMLESS: CompatibilityOptions = Object.freeze({
  booleanStrings: true,
  stringAsComplexValue: true,
  singleElementArrays: true,
});

/**
 * Named bundles of {@link CompatibilityOptions}: `strict` accepts only RFC JSON; `default` accepts
 * every client quirk that has no conflicting RFC meaning (`"True"` for a boolean, `manager` as a bare
 * id or a one-element array); `entra` is what Microsoft Entra ID sends, today the same as `default`.
 * @example `validateResource(body, UserResourceType, { mode: 'create', compatibility: COMPATIBILITY_PROFILES.default })`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 */
export const COMPATIBILITY_PROFILES: Readonly<
  Record<'strict' | 'default' | 'entra', CompatibilityOptions>
> = Object.freeze({
  strict: Object.freeze({}),
  default: HARMLESS,
  entra: HARMLESS,
});

/**
 * The longest string value, in UTF-16 code units, that the validators accept when no
 * `maxStringLength` is given: generous enough for a PEM-sized `x509Certificates.value`, small
 * enough that one value cannot fill a store.
 * @example `validateResource(body, UserResourceType, { mode: 'create', maxStringLength: DEFAULT_MAX_STRING_LENGTH })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7
 */
export const DEFAULT_MAX_STRING_LENGTH = 65_536;

export interface ValueContext {
  readonly mode: ValidationMode;
  readonly rejectUnknown: boolean;
  readonly strictCanonicalValues: boolean;
  readonly compatibility: CompatibilityOptions;
  /** Longer string values are invalidValue; checked on input only, never on a response. */
  readonly maxStringLength: number;
  /**
   * The value only names some sub-attributes of stored values (a PATCH `remove` value list), so a
   * required sub-attribute may be missing.
   */
  readonly partial: boolean;
  readonly issues: ScimIssue[];
  /** The leniencies used, made on the first one: most messages need none, and then cost nothing. */
  applied: ScimAppliedRule<keyof CompatibilityOptions>[] | undefined;
}

/** Returned for an attribute that ends up with no value: absent, null, [] or only unassigned sub-attributes. */
export const UNASSIGNED: unique symbol = Symbol('unassigned');

const SCIM_TYPE_OF: Readonly<Record<ScimIssueCode, ScimType>> = {
  invalid_type: 'invalidValue',
  invalid_value: 'invalidValue',
  required: 'invalidValue',
  immutable: 'mutability',
  unknown_attribute: 'invalidSyntax',
  ambiguous_attribute: 'invalidValue',
  duplicate_attribute: 'invalidSyntax',
  schemas: 'invalidValue',
  multiple_primary: 'invalidValue',
  canonical_value: 'invalidValue',
  invalid_path: 'invalidPath',
  invalid_filter: 'invalidFilter',
  invalid_definition: 'invalidValue',
  conflicting_parameters: 'invalidValue',
};

export function report(
  context: ValueContext,
  code: ScimIssueCode,
  path: ScimIssuePath,
  message: string,
): void {
  context.issues.push({ code, path, message, scimType: SCIM_TYPE_OF[code] });
}

/** Notes that a compatibility option read the value at `path` (see {@link ScimAppliedRule}). */
function applied(
  context: ValueContext,
  rule: keyof CompatibilityOptions,
  path: ScimIssuePath,
): void {
  (context.applied ??= []).push({ rule, path });
}

/**
 * Tells whether a parsed JSON value is an object (not null, not an array): the shape of a resource,
 * a complex value or a message.
 * @example `isJsonObject(JSON.parse(body)) // false for [] and null`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.8
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether an attribute's values are secrets (writeOnly, or returned "never", such as `password`):
 * an issue about one names its type only, never the value, because issues reach error bodies and logs.
 */
export function isSecret(attribute: AttributeDefinition): boolean {
  return attribute.mutability === 'writeOnly' || attribute.returned === 'never';
}

/**
 * Normalises one attribute's raw value; returns UNASSIGNED when it holds nothing or is invalid.
 * `secret`: the value is part of a secret attribute's value (see {@link isSecret}).
 */
export function normalizeAttribute(
  context: ValueContext,
  attribute: AttributeDefinition,
  raw: unknown,
  path: ScimIssuePath,
  secret = isSecret(attribute),
): unknown {
  if (raw === null || raw === undefined) return UNASSIGNED;
  if (!attribute.multiValued) {
    let single: unknown = raw;
    if (Array.isArray(raw)) {
      if (!(
        context.compatibility.singleElementArrays &&
        attribute.type === 'complex' &&
        raw.length === 1
      )) {
        report(
          context,
          'invalid_type',
          path,
          `Attribute '${attribute.name}' is single-valued and takes no array`,
        );
        return UNASSIGNED;
      }
      applied(context, 'singleElementArrays', path);
      single = (raw as unknown[])[0];
      if (single === null) return UNASSIGNED;
    }
    return normalizeSingle(context, attribute, single, path, secret);
  }
  if (!Array.isArray(raw)) {
    report(
      context,
      'invalid_type',
      path,
      `Attribute '${attribute.name}' is multi-valued and takes an array`,
    );
    return UNASSIGNED;
  }
  const values: unknown[] = [];
  // The same value twice is stored once (checklist S-CHAR-40); responses are reported as they are.
  const seen = context.mode !== 'response' && raw.length > 1 ? new Set<string>() : undefined;
  const single = seen === undefined ? attribute : singleValuedOf(attribute);
  let primaries = 0;
  for (let index = 0; index < raw.length; index++) {
    const item: unknown = raw[index];
    // A hole in a sparse array is skipped, as forEach skipped it; an explicit undefined is not.
    if (item === null || (item === undefined && !(index in raw))) continue;
    const value = normalizeSingle(context, attribute, item, [...path, index], secret);
    if (value === UNASSIGNED) continue;
    if (seen !== undefined) {
      const key = attributeValueKey(single, value);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    if (isJsonObject(value) && value.primary === true) primaries += 1;
    values.push(value);
  }
  if (primaries > 1) {
    report(
      context,
      'multiple_primary',
      path,
      `At most one value of '${attribute.name}' may have primary true (RFC 7643 §2.4)`,
    );
  }
  return values.length === 0 ? UNASSIGNED : values;
}

// Definitions are immutable: the single-valued view that keys one value is made once per attribute,
// not once per validated array.
const singleValued = new WeakMap<AttributeDefinition, AttributeDefinition>();

function singleValuedOf(attribute: AttributeDefinition): AttributeDefinition {
  let single = singleValued.get(attribute);
  if (single === undefined) {
    single = { ...attribute, multiValued: false };
    singleValued.set(attribute, single);
  }
  return single;
}

// Identifiers that other systems match on and show: an invisible or terminal-rewriting character
// (NUL, ESC, backspace, CR, …) makes two accounts look alike. Tab and newline are visible whitespace;
// logs escape values anyway. Ids are the server's own (generateId).
const IDENTIFIERS: ReadonlySet<string> = new Set(['userName', 'externalId']);
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B-\u001F\u007F]/;

function normalizeSingle(
  context: ValueContext,
  attribute: AttributeDefinition,
  raw: unknown,
  path: ScimIssuePath,
  secret: boolean,
): unknown {
  // A secret is described by its type alone: "got a number", never "got number 123456789".
  const shown = secret ? typeOf : describe;
  const fail = (expected: string): typeof UNASSIGNED => {
    report(
      context,
      'invalid_type',
      path,
      `Attribute '${attribute.name}' must be ${expected}, got ${shown(raw)}`,
    );
    return UNASSIGNED;
  };
  const invalid = (message: string): typeof UNASSIGNED => {
    report(context, 'invalid_value', path, `Attribute '${attribute.name}' ${message}`);
    return UNASSIGNED;
  };
  // Before any other check, so that a huge value costs no base64 or URI scan.
  if (typeof raw === 'string' && context.mode !== 'response') {
    if (raw.length > context.maxStringLength)
      return invalid(
        `is ${secret ? 'too' : `${raw.length} characters`} long; the limit is ${context.maxStringLength} (maxStringLength)`,
      );
    if (IDENTIFIERS.has(attribute.name) && CONTROL_CHARACTER.test(raw))
      return invalid(
        'must not contain control characters (U+0000 to U+001F and U+007F, other than tab and newline)',
      );
  }
  switch (attribute.type) {
    case 'string':
      if (typeof raw !== 'string') return fail('a string');
      if (raw === '' && attribute.required) return invalid('is required and cannot be empty');
      checkCanonical(context, attribute, raw, path, shown);
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (context.compatibility.booleanStrings && typeof raw === 'string') {
        const lowered = raw.toLowerCase();
        if (lowered === 'true' || lowered === 'false') {
          applied(context, 'booleanStrings', path);
          return lowered === 'true';
        }
      }
      return fail('a boolean');
    case 'decimal':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return fail('a number');
      return raw;
    case 'integer':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return fail('an integer');
      if (!Number.isSafeInteger(raw))
        return invalid(`must be an integer without fraction, got ${shown(raw)}`);
      return raw;
    case 'dateTime':
      if (typeof raw !== 'string') return fail('an xsd:dateTime string');
      if (!isDateTime(raw))
        return invalid(`must be an xsd:dateTime such as 2008-01-23T04:56:22Z, got ${shown(raw)}`);
      return raw;
    case 'binary':
      if (typeof raw !== 'string') return fail('a base64 string');
      if (!isBase64(raw)) return invalid('must be base64 encoded (RFC 4648 §4)');
      return raw;
    case 'reference':
      if (typeof raw !== 'string') return fail('a URI string');
      if (!isUriReference(raw)) return invalid(`must be a URI, got ${shown(raw)}`);
      checkCanonical(context, attribute, raw, path, shown);
      return raw;
    case 'complex':
      return normalizeComplex(context, attribute, raw, path, shown, secret);
  }
}

function normalizeComplex(
  context: ValueContext,
  attribute: AttributeDefinition,
  raw: unknown,
  path: ScimIssuePath,
  shown: (value: unknown) => string,
  secret: boolean,
): unknown {
  let input = raw;
  if (
    typeof raw === 'string' &&
    context.compatibility.stringAsComplexValue &&
    subAttributesOf(attribute).has('value')
  ) {
    applied(context, 'stringAsComplexValue', path);
    // An empty string is "no manager" (Entra clears a manager with a replace to "").
    if (raw === '') return UNASSIGNED;
    input = { value: raw };
  }
  if (!isJsonObject(input)) {
    report(
      context,
      'invalid_type',
      path,
      `Attribute '${attribute.name}' must be an object, got ${shown(raw)}`,
    );
    return UNASSIGNED;
  }
  const subs = subAttributesOf(attribute);
  const given = new Map<AttributeDefinition, unknown>();
  for (const key of Object.keys(input)) {
    const sub = subs.get(key.toLowerCase());
    if (sub === undefined) {
      if (context.rejectUnknown) {
        report(
          context,
          'unknown_attribute',
          [...path, key],
          `'${attribute.name}' has no sub-attribute '${key}'`,
        );
      }
      continue;
    }
    if (given.has(sub)) {
      report(
        context,
        'duplicate_attribute',
        [...path, sub.name],
        `Sub-attribute '${sub.name}' is given twice`,
      );
      continue;
    }
    given.set(sub, input[key]);
  }
  const out: Record<string, unknown> = {};
  let assigned = false;
  for (const sub of attribute.subAttributes) {
    const subValue = given.get(sub);
    // Absent is unassigned (normalizeAttribute's first check): no path to build for it.
    if (subValue === undefined || subValue === null || !isWritable(context, sub)) continue;
    const value = normalizeAttribute(
      context,
      sub,
      subValue,
      [...path, sub.name],
      secret || isSecret(sub),
    );
    if (value === UNASSIGNED) continue;
    out[sub.name] = value;
    assigned = true;
  }
  if (!assigned) return UNASSIGNED;
  // A partial value picks stored values out by what it gives: nothing else is required of it.
  if (context.partial) return out;
  for (const sub of attribute.subAttributes) {
    if (sub.required && isWritable(context, sub) && !(sub.name in out) && isChecked(context, sub)) {
      report(
        context,
        'required',
        [...path, sub.name],
        `Sub-attribute '${sub.name}' of '${attribute.name}' is required`,
      );
    }
  }
  return out;
}

/** readOnly input is ignored, not rejected (RFC 7644 §3.3, §3.5.1); responses never carry returned "never". */
export function isWritable(context: ValueContext, attribute: AttributeDefinition): boolean {
  return context.mode === 'response'
    ? attribute.returned !== 'never'
    : attribute.mutability !== 'readOnly';
}

/** Whether a required attribute's absence is an issue in this mode (writeOnly values are never returned). */
export function isChecked(context: ValueContext, attribute: AttributeDefinition): boolean {
  return context.mode !== 'response' || attribute.mutability !== 'writeOnly';
}

function checkCanonical(
  context: ValueContext,
  attribute: AttributeDefinition,
  value: string,
  path: ScimIssuePath,
  shown: (value: unknown) => string,
): void {
  if (!context.strictCanonicalValues) return;
  if (attribute === ADDRESS_COUNTRY && !ISO_3166_ALPHA2.has(value.toUpperCase())) {
    report(
      context,
      'canonical_value',
      path,
      `Attribute 'country' must be an ISO 3166-1 alpha-2 code such as US or DE, got ${shown(value)}`,
    );
    return;
  }
  if (attribute.canonicalValues.length === 0) return;
  const matches = isCaseExact(attribute)
    ? attribute.canonicalValues.includes(value)
    : attribute.canonicalValues.some((canonical) => caseFold(canonical) === caseFold(value));
  if (!matches) {
    report(
      context,
      'canonical_value',
      path,
      `Attribute '${attribute.name}' must be one of ${attribute.canonicalValues.join(', ')}, got ${shown(value)}`,
    );
  }
}

/** Applies the immutable rule of a replace: a stored value may be repeated or kept, never changed. */
export function checkImmutable(
  context: ValueContext,
  attribute: AttributeDefinition,
  value: unknown,
  existing: unknown,
  path: ScimIssuePath,
): unknown {
  if (existing === undefined || existing === null) return value;
  // An omitted immutable value is kept, not cleared (checklist S-CHAR-19).
  if (value === UNASSIGNED) return existing;
  if (!attributeValuesEqual(attribute, value, existing)) {
    report(
      context,
      'immutable',
      path,
      `Attribute '${attribute.name}' is immutable and already has a different value`,
    );
  }
  return value;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return value.length > 40 ? `"${value.slice(0, 40)}…"` : JSON.stringify(value);
  return `${typeof value} ${JSON.stringify(value) ?? ''}`;
}
