// The timestamps the publisher and the memory queue write: the same millisecond, the same string.
import { describe, expect, it } from 'vitest';
import { createTimeText } from '../src/lib/time-text.ts';

describe('createTimeText', () => {
  const t0 = Date.UTC(2026, 11, 4, 10, 0, 0, 123);

  it('writes what formatDateTime writes (RFC 7643 §2.3.5), as toISOString does', () => {
    const text = createTimeText();
    for (const ms of [t0, t0 + 1, 0, Date.UTC(9999, 11, 31, 23, 59, 59, 999)])
      expect(text(ms)).toBe(new Date(ms).toISOString());
  });

  it('gives the same string for the same millisecond, and a new one for the next', () => {
    const text = createTimeText();
    const first = text(t0);
    expect(Object.is(text(t0), first)).toBe(true);
    expect(text(t0 + 1)).toBe('2026-12-04T10:00:00.124Z');
    expect(text(t0)).toBe(first);
  });

  it('throws for an invalid time, and still answers the last valid one after', () => {
    const text = createTimeText();
    expect(text(t0)).toBe('2026-12-04T10:00:00.123Z');
    expect(() => text(Number.NaN)).toThrow(RangeError);
    expect(text(t0)).toBe('2026-12-04T10:00:00.123Z');
  });
});
