// The timestamps the publisher and the memory queue write: the same millisecond, the same string.
import { describe, expect, it } from 'vitest';
import { createTimeText } from '../src/lib/time-text.ts';
import { bytesKeptEach } from '../../../test/fixtures/heap.ts';

describe('createTimeText', () => {
  const t0 = Date.UTC(2026, 11, 4, 10, 0, 0, 123);

  it('writes what formatDateTime writes (RFC 7643 §2.3.5), as toISOString does', () => {
    const text = createTimeText();
    for (const ms of [t0, t0 + 1, 0, Date.UTC(9999, 11, 31, 23, 59, 59, 999)])
      expect(text(ms)).toBe(new Date(ms).toISOString());
  });

  it('gives the texts of one millisecond in one string, kept once however often it is asked for', () => {
    const text = createTimeText();
    // Many, so that what else the process allocates meanwhile is a byte or two each.
    const { each, kept } = bytesKeptEach(200_000, () => text(t0));
    expect(kept.every((value) => value === '2026-12-04T10:00:00.123Z')).toBe(true);
    // A pointer each; a string of its own each would be 40 bytes more.
    expect(each).toBeLessThan(20);
    expect(text(t0 + 1)).toBe('2026-12-04T10:00:00.124Z');
  });

  it('throws for an invalid time every time, and still answers the last valid one after', () => {
    const text = createTimeText();
    const beyondDates = 8.64e15 + 1;
    expect(text(t0)).toBe('2026-12-04T10:00:00.123Z');
    expect(() => text(beyondDates)).toThrow(RangeError);
    expect(() => text(beyondDates)).toThrow(RangeError);
    expect(() => text(Number.NaN)).toThrow(RangeError);
    expect(text(t0)).toBe('2026-12-04T10:00:00.123Z');
  });
});
