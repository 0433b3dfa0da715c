// What the write commands send: JSON from --data (a file, or - for stdin) or from stdin when it is
// not a terminal, and PATCH operations written as --op 'replace:active=false'.
import { readFile } from 'node:fs/promises';
import { PATCH_OP_URN } from '@scim/core';
import { patch } from '@scim/client';
import type { CliIo } from '../io.js';

export type Input = { readonly value: unknown; readonly from: string } | { readonly error: string };

/**
 * The JSON of --data, else of stdin when `fromStdin` and stdin is piped; undefined when there is
 * none. stdin is read only when asked for, so a command never waits on a terminal.
 */
export async function readJsonInput(
  data: string | undefined,
  io: CliIo,
  fromStdin: boolean,
): Promise<Input | undefined> {
  let text: string;
  let from: string;
  if (data !== undefined && data !== '-') {
    from = data;
    try {
      text = await (io.readFile ?? ((path: string) => readFile(path, 'utf8')))(data);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        error: `--data ${data}: cannot read the file${typeof code === 'string' ? ` (${code})` : ''}`,
      };
    }
  } else {
    const piped = io.stdin !== undefined && io.stdin.isTTY !== true;
    if (data === undefined && !(fromStdin && piped)) return undefined;
    if (io.stdin === undefined || io.stdin.isTTY === true)
      return { error: '--data -: stdin is a terminal; pipe the JSON in, or give --data <file>' };
    from = 'stdin';
    text = await io.stdin.read();
    if (text.trim() === '' && data === undefined) return undefined;
  }
  if (text.trim() === '') return { error: `${from} is empty; expected JSON` };
  try {
    return { value: JSON.parse(text) as unknown, from };
  } catch (error) {
    return {
      error: `${from} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The index of the first `=` outside brackets and quotes: where an --op's path ends. */
function valueStart(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '\\') index++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '[') depth++;
    else if (char === ']') depth--;
    else if (char === '=' && depth === 0) return index;
  }
  return -1;
}

/** `op:path=value` (value JSON when it parses, else text; path empty for none) as a PatchOp message. */
export function opsToPatch(ops: readonly string[]): { value: unknown } | { error: string } {
  const builder = patch();
  for (const text of ops) {
    const colon = text.indexOf(':');
    const op = text.slice(0, colon).trim().toLowerCase();
    if (colon < 0 || (op !== 'add' && op !== 'replace' && op !== 'remove'))
      return {
        error: `--op ${text}: expected add:<path>=<value>, replace:<path>=<value> or remove:<path>`,
      };
    const rest = text.slice(colon + 1);
    const equals = valueStart(rest);
    const path = (equals < 0 ? rest : rest.slice(0, equals)).trim();
    try {
      if (op === 'remove') {
        if (equals >= 0 || path === '')
          return { error: `--op ${text}: remove takes a path and no value, such as remove:title` };
        builder.remove(path);
        continue;
      }
      if (equals < 0)
        return { error: `--op ${text}: ${op} needs a value, such as ${op}:active=false` };
      const raw = rest.slice(equals + 1);
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // Not JSON: the text itself.
      }
      if (path === '') builder[op](undefined, value);
      else builder[op](path, value);
    } catch (error) {
      return { error: `--op ${text}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { value: builder.build() };
}

/** A PatchOp message as given, or a bare list of operations wrapped in one (RFC 7644 §3.5.2). */
export function toPatchBody(value: unknown): unknown {
  return Array.isArray(value) ? { schemas: [PATCH_OP_URN], Operations: value } : value;
}
