// One zod schema per attribute definition: the RFC 7643 §2.3 type rules, canonical values, required
// attributes and sub-attributes, and the §2.5 rule that null and [] are unassigned.
import * as z from 'zod';
import { ISO_3166_ALPHA2 } from '../country.js';
import { USER_SCHEMA_URN } from '../constants.js';
import { attributeValueKey, caseFold, isCaseExact } from '../equality.js';
import type { AttributeDefinition } from '../schemas/define.js';
import { subAttributesOf } from '../schemas/model.js';
import { isJsonObject } from '../validate-value.js';
import { isBase64, isDateTime, isUriReference } from '../values.js';
import {
  canonicalizeKeys,
  CONTROL_CHARACTER,
  IDENTIFIERS,
  isIncluded,
  isRequiredIn,
  isUnassignedItem,
  readsStringAsValue,
  unassign,
  type BuildContext,
  type KeyProblem,
} from './rules.js';

/** Where an attribute sits: the schema URN it belongs to and its parent, for messages and `country`. */
export interface AttributePlace {
  readonly urn: string;
  readonly parent?: AttributeDefinition | undefined;
}

/**
 * The schema of one attribute as an object property: it takes the raw value (any case of
 * sub-attribute names, null and [] for unassigned) and gives the normalised value, or undefined when
 * unassigned. A required attribute's schema rejects unassigned; `forceRequired` makes `id` required
 * in a read.
 */
export function attributeSchema(
  context: BuildContext,
  attribute: AttributeDefinition,
  place: AttributePlace,
  forceRequired = false,
): z.ZodType {
  const required = forceRequired || isRequiredIn(context, attribute);
  const value = attribute.multiValued
    ? multiValuedSchema(context, attribute, place)
    : singleValueSchema(context, attribute, place);
  const property = z.preprocess(
    (raw) => unassign(context, attribute, raw),
    required ? value : value.optional(),
  );
  return required ? property : property.optional();
}

/** Adds key problems found by canonicalizing to a zod context. */
export function reportKeyProblems(
  problems: readonly KeyProblem[],
  input: unknown,
  zod: z.core.$RefinementCtx,
): void {
  for (const problem of problems)
    zod.addIssue({
      code: 'custom',
      path: [...problem.path],
      message: problem.message,
      input,
      params: { code: problem.code },
    });
}

/** Drops the keys of unassigned values, which zod keeps as `key: undefined`. */
export function prune(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out;
}

/** An error map: absent input is "required", anything else is the wrong type. */
function typeError(attribute: AttributeDefinition, expected: string) {
  return (issue: { readonly input?: unknown }): string =>
    issue.input === undefined
      ? `Attribute '${attribute.name}' is required`
      : `Attribute '${attribute.name}' must be ${expected}`;
}

function multiValuedSchema(
  context: BuildContext,
  attribute: AttributeDefinition,
  place: AttributePlace,
): z.ZodType {
  const single = { ...attribute, multiValued: false };
  const item = z.preprocess(
    (raw) => (isUnassignedItem(context, attribute, raw) ? undefined : raw),
    singleValueSchema(context, attribute, place).optional(),
  );
  return z
    .array(item, { error: typeError(attribute, 'an array (it is multi-valued)') })
    .transform((given, zod) => {
      const values = given.filter((value) => value !== undefined);
      let out: unknown[] = values;
      // The same value twice is written once (checklist S-CHAR-40, "deduplicate on write").
      if (context.shape !== 'read') {
        const seen = new Set<string>();
        out = values.filter((value) => {
          const key = attributeValueKey(single, value);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      }
      const primaries = out.filter((value) => isJsonObject(value) && value.primary === true);
      if (primaries.length > 1)
        zod.addIssue({
          code: 'custom',
          message: `At most one value of '${attribute.name}' may have primary true (RFC 7643 §2.4)`,
          input: values,
          params: { code: 'multiple_primary' },
        });
      return out;
    });
}

function singleValueSchema(
  context: BuildContext,
  attribute: AttributeDefinition,
  place: AttributePlace,
): z.ZodType {
  switch (attribute.type) {
    case 'string':
      return stringSchema(context, attribute, place, 'a string', (value) => {
        if (value === '' && attribute.required) return 'is required and cannot be empty';
        return canonicalProblem(context, attribute, place, value);
      });
    case 'reference':
      return stringSchema(context, attribute, place, 'a URI string', (value) =>
        isUriReference(value)
          ? canonicalProblem(context, attribute, place, value)
          : 'must be a URI',
      );
    case 'dateTime':
      return stringSchema(context, attribute, place, 'an xsd:dateTime string', (value) =>
        isDateTime(value) ? undefined : 'must be an xsd:dateTime such as 2008-01-23T04:56:22Z',
      );
    case 'binary':
      return stringSchema(context, attribute, place, 'a base64 string', (value) =>
        isBase64(value) ? undefined : 'must be base64 encoded (RFC 4648 §4)',
      );
    case 'boolean': {
      const boolean = z.boolean({ error: typeError(attribute, 'a boolean') });
      if (context.compatibility.booleanStrings !== true) return boolean;
      // Entra's "True" and "False" (checklist X-ENTRA-03).
      return z.preprocess((raw) => {
        const lowered = typeof raw === 'string' ? raw.toLowerCase() : undefined;
        return lowered === 'true' || lowered === 'false' ? lowered === 'true' : raw;
      }, boolean);
    }
    case 'decimal':
      return z.number({ error: typeError(attribute, 'a number') });
    case 'integer':
      return z.int({ error: typeError(attribute, 'an integer without fraction') });
    case 'complex':
      return complexSchema(context, attribute, place);
  }
}

/**
 * A string with the checks every written string gets (`maxStringLength`, no control characters in
 * identifiers), then the type's own check, which returns a problem or undefined.
 */
function stringSchema(
  context: BuildContext,
  attribute: AttributeDefinition,
  place: AttributePlace,
  expected: string,
  problem: (value: string) => string | undefined,
): z.ZodType {
  const limit = context.maxStringLength;
  const identifier = context.shape !== 'read' && IDENTIFIERS.has(attribute.name);
  return z.string({ error: typeError(attribute, expected) }).check((payload) => {
    const value = payload.value;
    let message: string | undefined;
    // First, so that a huge value costs no base64 or URI scan.
    if (limit !== undefined && value.length > limit)
      message = `is too long; the limit is ${limit} characters (maxStringLength)`;
    else if (identifier && CONTROL_CHARACTER.test(value))
      message =
        'must not contain control characters (U+0000 to U+001F and U+007F, other than tab and newline)';
    else message = problem(value);
    if (message !== undefined)
      payload.issues.push({
        code: 'custom',
        message: `Attribute '${qualified(attribute, place)}' ${message}`,
        input: value,
        params: {
          code: message.startsWith('must be one of') ? 'canonical_value' : 'invalid_value',
        },
      });
  });
}

function qualified(attribute: AttributeDefinition, place: AttributePlace): string {
  return place.parent === undefined ? attribute.name : `${place.parent.name}.${attribute.name}`;
}

/**
 * With `canonicalValues: 'strict'`, a value outside the attribute's canonicalValues (compared
 * case-exactly or not, as the attribute says), and a User `addresses.country` that is not an ISO
 * 3166-1 alpha-2 code (checklist S-CHAR-34, S-USER-09).
 */
function canonicalProblem(
  context: BuildContext,
  attribute: AttributeDefinition,
  place: AttributePlace,
  value: string,
): string | undefined {
  if (!context.strictCanonicalValues) return undefined;
  const country =
    place.urn === USER_SCHEMA_URN &&
    place.parent?.name === 'addresses' &&
    attribute.name === 'country';
  if (country)
    return ISO_3166_ALPHA2.has(value.toUpperCase())
      ? undefined
      : 'must be one of the ISO 3166-1 alpha-2 codes such as US or DE';
  if (attribute.canonicalValues.length === 0) return undefined;
  const matches = isCaseExact(attribute)
    ? attribute.canonicalValues.includes(value)
    : attribute.canonicalValues.some((canonical) => caseFold(canonical) === caseFold(value));
  return matches ? undefined : `must be one of ${attribute.canonicalValues.join(', ')}`;
}

function complexSchema(
  context: BuildContext,
  attribute: AttributeDefinition,
  place: AttributePlace,
): z.ZodType {
  const inner: AttributePlace = { urn: place.urn, parent: attribute };
  const shape: Record<string, z.ZodType> = {};
  for (const sub of attribute.subAttributes)
    if (isIncluded(context, sub)) shape[sub.name] = attributeSchema(context, sub, inner);
  const params = { error: typeError(attribute, 'an object') };
  const object = context.rejectUnknown ? z.strictObject(shape, params) : z.object(shape, params);
  const stringAsValue = readsStringAsValue(context, attribute);
  return z
    .preprocess((raw, zod) => {
      // Entra sends `"manager": "26118915"` for `{ "value": "26118915" }` (checklist X-ENTRA-06).
      const input = stringAsValue && typeof raw === 'string' ? { value: raw } : raw;
      if (!isJsonObject(input)) return input;
      const { value, problems } = canonicalizeKeys(
        context,
        subAttributesOf(attribute),
        input,
        `'${attribute.name}'`,
      );
      reportKeyProblems(problems, input, zod);
      return value;
    }, object)
    .transform(prune);
}
