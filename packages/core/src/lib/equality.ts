import type { AttributeDefinition } from './schemas/define.js';
import { subAttributesOf } from './schemas/model.js';
import { stableStringify } from './json.js';
import { parseDateTime } from './values.js';

/**
 * Tells whether two values of one attribute are equal under its schema: strings compare
 * case-insensitively unless {@link isCaseExact}, dateTimes as instants, complex values by sub-attribute
 * whatever their key order or case, and multi-valued attributes as unordered sets.
 * @example `attributeValuesEqual(userNameAttribute, 'BJensen', 'bjensen') // true (caseExact false)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3
 */
export function attributeValuesEqual(
  attribute: AttributeDefinition,
  a: unknown,
  b: unknown,
): boolean {
  return attributeValueKey(attribute, a) === attributeValueKey(attribute, b);
}

/**
 * A string that is equal for two values exactly when {@link attributeValuesEqual} says they are, for
 * de-duplication and uniqueness indexes.
 * @example `new Set(emails.map((email) => attributeValueKey(emailsAttribute, [email])))`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.4
 */
export function attributeValueKey(attribute: AttributeDefinition, value: unknown): string {
  if (attribute.multiValued && Array.isArray(value)) {
    const single = { ...attribute, multiValued: false };
    return `[${value
      .map((item) => singleValueKey(single, item))
      .sort()
      .join(',')}]`;
  }
  return singleValueKey(attribute, value);
}

/**
 * Tells whether values of an attribute compare case-exactly: a binary value always does ("A binary
 * is case exact", so base64 `QQ==` and `qq==` stay different bytes), any other when its definition
 * says `caseExact`. Every comparison, index, sort and uniqueness key decides case this way.
 * @example `isCaseExact({ type: 'binary', caseExact: false }) // true`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.6
 */
export function isCaseExact(definition: Pick<AttributeDefinition, 'type' | 'caseExact'>): boolean {
  return definition.type === 'binary' || definition.caseExact === true;
}

function singleValueKey(attribute: AttributeDefinition, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (attribute.type) {
    case 'string':
    case 'binary':
    case 'reference':
      return typeof value === 'string' && !isCaseExact(attribute)
        ? JSON.stringify(caseFold(value))
        : stableStringify(value);
    case 'dateTime': {
      const instant = typeof value === 'string' ? parseDateTime(value) : undefined;
      return instant === undefined ? stableStringify(value) : `@${instant}`;
    }
    case 'complex': {
      if (typeof value !== 'object' || Array.isArray(value)) return stableStringify(value);
      const record = value as Record<string, unknown>;
      // Normalised values use the canonical names: read them in definition order, no sorting needed.
      let key = '{';
      let found = 0;
      for (const definition of attribute.subAttributes) {
        const sub = record[definition.name];
        if (sub === undefined) continue;
        found += 1;
        if (sub !== null) key += `${definition.name}:${attributeValueKey(definition, sub)},`;
      }
      return found === Object.keys(record).length ? `${key}}` : rawComplexKey(attribute, record);
    }
    default:
      return stableStringify(value);
  }
}

// Keys in any case, or unknown keys: map each to its definition and sort, so the key stays canonical.
function rawComplexKey(attribute: AttributeDefinition, record: Record<string, unknown>): string {
  const subs = subAttributesOf(attribute);
  const parts = new Map<string, string>();
  for (const [name, sub] of Object.entries(record)) {
    const definition = subs.get(name.toLowerCase());
    if (definition === undefined || sub === null || sub === undefined) continue;
    parts.set(definition.name, attributeValueKey(definition, sub));
  }
  let key = '{';
  for (const definition of attribute.subAttributes) {
    const part = parts.get(definition.name);
    if (part !== undefined) key += `${definition.name}:${part},`;
  }
  return `${key}}`;
}

/**
 * Unicode case folding for caseExact-false comparisons (checklist S-TYPE-01), with compatibility
 * normalisation (NFKC) first, so that a full-width `ｂｊｅｎｓｅｎ` is `bjensen` as the PRECIS
 * UsernameCaseMapped profile reads it (RFC 8265, which RFC 7644 §7.8 asks for; checklist P-SEC-04).
 * @example `caseFold('Straße') === caseFold('STRASSE') // true`
 * @see https://www.rfc-editor.org/rfc/rfc8265#section-3.3
 */
export function caseFold(value: string): string {
  const lower = value.toLowerCase();
  // ASCII folds by lower-casing alone (and an already lower-case string is returned without a copy);
  // only other scripts need normalising and the upper-then-lower round trip (ß and SS, for instance).
  if (!NON_ASCII.test(lower)) return lower;
  const normalized = value.normalize('NFKC');
  return normalized.toUpperCase().toLowerCase();
}

const NON_ASCII = /[^ -~]/; // anything outside printable ASCII takes the full fold
