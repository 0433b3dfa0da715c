import { ScimError } from './error.js';

/**
 * The deepest nesting {@link stableStringify} follows: deeper than any schema allows (complex
 * attributes nest once, the Schema resource four times), shallow enough for any stack.
 * @example `stableStringify(value) // throws a 400 invalidValue ScimError past MAX_JSON_DEPTH levels`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.8
 */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON with object keys sorted, so that equal data gives equal text whatever the key order. Deeper
 * nesting than {@link MAX_JSON_DEPTH} raises a 400 invalidValue instead of exhausting the stack.
 * @example `stableStringify({ b: 1, a: [true] }) // '{"a":[true],"b":1}'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.8
 */
export function stableStringify(value: unknown): string {
  return stringifyAt(value, 0);
}

function stringifyAt(value: unknown, depth: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_JSON_DEPTH)
    throw ScimError.invalidValue(`The value is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value))
    return `[${value.map((item: unknown) => stringifyAt(item, depth + 1)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${stringifyAt(record[key], depth + 1)}`).join(',')}}`;
}
