// The in-memory replay cache: a key is refused until it expires, and the oldest go first when full.
import { expect, it } from 'vitest';
import { createMemoryReplayCache } from '@scim/events';

it('remembers a key until it expires, then accepts it again', () => {
  let now = 1_000_000;
  const cache = createMemoryReplayCache({ now: () => new Date(now) });
  expect(cache.remember('a', new Date(now + 60_000))).toBe(true);
  expect(cache.remember('a', new Date(now + 60_000))).toBe(false);
  now += 60_001;
  expect(cache.remember('a', new Date(now + 60_000))).toBe(true);
});

it('keeps at most maxEntries: the oldest entry leaves first', () => {
  const now = 1_000_000;
  const cache = createMemoryReplayCache({ maxEntries: 2, now: () => new Date(now) });
  const later = new Date(now + 60_000);
  expect(cache.remember('a', later)).toBe(true);
  expect(cache.remember('b', later)).toBe(true);
  expect(cache.remember('c', later)).toBe(true);
  expect(cache.remember('c', later)).toBe(false);
  expect(cache.remember('b', later)).toBe(false);
  expect(cache.remember('a', later)).toBe(true);
});

it('release forgets a key, so the same key is new again (a SET whose apply failed)', () => {
  const now = 1_000_000;
  const cache = createMemoryReplayCache({ now: () => new Date(now) });
  const later = new Date(now + 60_000);
  expect(cache.remember('a', later)).toBe(true);
  cache.release('a');
  expect(cache.remember('a', later)).toBe(true);
  expect(cache.remember('a', later)).toBe(false);
});

it('refuses a maxEntries that is not a whole number of at least 1, when made', () => {
  for (const maxEntries of [Number.NaN, Number.POSITIVE_INFINITY, 0, -1, 1.5])
    expect(() => createMemoryReplayCache({ maxEntries }), String(maxEntries)).toThrow(RangeError);
});

it('refuses an invalid expiry rather than keeping an entry that never counts', () => {
  const cache = createMemoryReplayCache({ now: () => new Date(1_000_000) });
  expect(() => cache.remember('a', new Date(Number.NaN))).toThrow(RangeError);
});
