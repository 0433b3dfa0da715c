// A resource's `meta.lastModified` only ever grows. Instances behind one load balancer have clocks a
// few milliseconds to seconds apart: a write on an instance whose clock is behind the one that wrote
// the resource before would otherwise date the newer version earlier, and a client or an RFC 9967
// receiver comparing times would take the newer version for the stale one.
import { formatDateTime, parseDateTime } from '@scim/core';

/**
 * The later of `now` and `written`: an event is never dated before the write it records, even when
 * the write took the time after another instance's (see `nextLastModified` of `@scim/core`).
 * @example `notBefore('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.001Z') // '2026-01-01T00:00:02.001Z'`
 */
export function notBefore(now: string, written: unknown): string {
  const last = typeof written === 'string' ? parseDateTime(written) : undefined;
  const at = parseDateTime(now);
  return last === undefined || at === undefined || at >= last ? now : formatDateTime(last);
}
