import type { AttributeDefinition } from './schemas/define.js';
import { subAttributesOf } from './schemas/model.js';
import { stableStringify } from './json.js';
import { parseDateTime } from './values.js';

/**
 * Tells whether two values of one attribute are equal under its schema: strings compare
 * case-insensitively unless `caseExact`, dateTimes as instants, complex values by sub-attribute
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

function singleValueKey(attribute: AttributeDefinition, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (attribute.type) {
    case 'string':
      return typeof value === 'string' && !attribute.caseExact
        ? JSON.stringify(caseFold(value))
        : stableStringify(value);
    case 'dateTime': {
      const instant = typeof value === 'string' ? parseDateTime(value) : undefined;
      return instant === undefined ? stableStringify(value) : `@${instant}`;
    }
    case 'complex': {
      if (typeof value !== 'object' || Array.isArray(value)) return stableStringify(value);
      const subs = subAttributesOf(attribute);
      const parts: string[] = [];
      for (const [key, sub] of Object.entries(value as Record<string, unknown>)) {
        const definition = subs.get(key.toLowerCase());
        if (definition === undefined || sub === null || sub === undefined) continue;
        parts.push(`${JSON.stringify(definition.name)}:${attributeValueKey(definition, sub)}`);
      }
      return `{${parts.sort().join(',')}}`;
    }
    default:
      return stableStringify(value);
  }
}

/**
 * Unicode case folding for caseExact-false comparisons (checklist S-TYPE-01).
 * @example `caseFold('Straße') === caseFold('STRASSE') // true`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export function caseFold(value: string): string {
  return value.toUpperCase().toLowerCase();
}
