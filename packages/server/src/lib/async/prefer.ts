// The `Prefer` request header (RFC 7240), as far as asynchronous requests read it: `respond-async`
// (§4.1) and `wait` (§4.3).

/** What a request's `Prefer` header asks of the answer. */
export interface Preferences {
  /** `respond-async`: the client would take 202 Accepted and learn the outcome later. */
  readonly respondAsync: boolean;
  /** `wait=N`: how long, in seconds, the client will wait for the answer. */
  readonly waitSeconds: number | undefined;
}

const DELTA_SECONDS = /^\d{1,9}$/;

/**
 * Reads `Prefer` header values: a comma-separated list of `token [= word] *(; parameter)` (RFC 7240
 * §2), tokens in any case, a value quoted or not. Only the first instance of a preference counts
 * (§2), and a `wait` that is not a number of seconds is ignored, as an unknown preference is.
 */
export function parsePreferences(header: string | null): Preferences {
  let respondAsync = false;
  let waitSeconds: number | undefined;
  if (header === null) return { respondAsync, waitSeconds };
  const seen = new Set<string>();
  for (const preference of splitOutsideQuotes(header, ',')) {
    const [head = ''] = splitOutsideQuotes(preference, ';');
    const equals = head.indexOf('=');
    const name = (equals === -1 ? head : head.slice(0, equals)).trim().toLowerCase();
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    const value = equals === -1 ? undefined : unquoted(head.slice(equals + 1).trim());
    if (name === 'respond-async') respondAsync = true;
    else if (name === 'wait' && value !== undefined && DELTA_SECONDS.test(value))
      waitSeconds = Number(value);
  }
  return { respondAsync, waitSeconds };
}

/** Splits at `separator` where it is not inside a quoted string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquoted(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}
