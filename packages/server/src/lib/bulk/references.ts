// bulkId references (RFC 7644 §3.7.2): where an operation's path and data name another operation's
// new resource, found before the bulk request runs and replaced once that resource exists.
import { isJsonObject } from '@scim/core';
import { MAX_DEPTH } from '../http.js';

type Json = Record<string, unknown>;

export const REFERENCE = /^bulkId:(.+)$/;
export const REFERENCE_IN_TEXT = /bulkId:([A-Za-z0-9._~-]+)/g;

/**
 * How deep an operation's data may nest: the request reader's own bound (http.ts), applied again to
 * each operation because runBulk must never overflow, however it is called. Every walk over client
 * data, ours and JSON.stringify's, stays far from the stack limit.
 */
export const MAX_DATA_DEPTH = MAX_DEPTH;

/**
 * Every bulkId an operation refers to, in the order they appear: in its path, in whole string values
 * of its data, and inside PATCH `path` values. Undefined when the data nests deeper than
 * MAX_DATA_DEPTH. Iterative, so no body, however deep, can overflow the stack here.
 */
export function referencesOf(path: string, data: unknown): string[] | undefined {
  const found = new Set<string>();
  for (const match of path.matchAll(REFERENCE_IN_TEXT)) found.add(match[1] as string);
  // Children are pushed in reverse so that they are visited in document order.
  const stack: [value: unknown, key: string | undefined, depth: number][] = [[data, undefined, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, key, depth] = entry;
    if (typeof value === 'string') {
      if (key === 'path')
        for (const match of value.matchAll(REFERENCE_IN_TEXT)) found.add(match[1] as string);
      const whole = REFERENCE.exec(value);
      if (whole !== null) found.add(whole[1] as string);
    } else if (Array.isArray(value)) {
      if (depth >= MAX_DATA_DEPTH) return undefined;
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], undefined, depth + 1]);
    } else if (isJsonObject(value)) {
      if (depth >= MAX_DATA_DEPTH) return undefined;
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [name, item] = entries[i] as [string, unknown];
        stack.push([item, name, depth + 1]);
      }
    }
  }
  return [...found];
}

/**
 * The operation's data with every reference replaced by the id it now has: a new value, the client's
 * left as it was. Only called on data that passed the depth bound, so the recursion is bounded.
 */
export function withIds(data: unknown, ids: ReadonlyMap<string, string>, key?: string): unknown {
  if (typeof data === 'string') {
    const whole = REFERENCE.exec(data);
    if (whole !== null) return ids.get(whole[1] as string) ?? data;
    return key === 'path'
      ? data.replace(REFERENCE_IN_TEXT, (text, id: string) => ids.get(id) ?? text)
      : data;
  }
  if (Array.isArray(data)) return data.map((item) => withIds(item, ids));
  if (!isJsonObject(data)) return data;
  const copy: Json = {};
  for (const [name, value] of Object.entries(data))
    // defineProperty, so a `__proto__` key stays a plain key of the copy.
    Object.defineProperty(copy, name, {
      value: withIds(value, ids, name),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}
