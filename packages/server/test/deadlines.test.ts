// The shared timer that bounds hook leases and response waits (lifecycle/deadlines.ts): each wait
// still ends at its own time, whatever the waits around it do.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedDeadlines } from '../src/lib/lifecycle/deadlines.js';

const never = new Promise<never>(() => {});
const expiredError = () => new Error('expired');

afterEach(() => {
  vi.useRealTimers();
});

describe('fixedDeadlines', () => {
  it('settles with the work when the work ends first', async () => {
    const deadlines = fixedDeadlines(1_000);
    await expect(deadlines.within(Promise.resolve(7), expiredError)).resolves.toBe(7);
    await expect(
      deadlines.within(Promise.reject(new Error('hook failed')), expiredError),
    ).rejects.toThrow('hook failed');
  });

  it('rejects with the expiry once the work outlasts its time, and not before', async () => {
    vi.useFakeTimers();
    const deadlines = fixedDeadlines(1_000);
    let outcome: unknown;
    deadlines.within(never, expiredError).catch((error: unknown) => (outcome = error));
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toEqual(new Error('expired'));
  });

  it('ends a later wait at its own time after the earlier wait it was armed for ended early', async () => {
    vi.useFakeTimers();
    const deadlines = fixedDeadlines(1_000);
    let finishFirst!: () => void;
    const first = deadlines.within(
      new Promise<void>((resolve) => (finishFirst = resolve)),
      () => new Error('first'),
    );
    await vi.advanceTimersByTimeAsync(400);
    let second: unknown;
    deadlines
      .within(never, () => new Error('second'))
      .catch((reason: unknown) => (second = reason));
    finishFirst();
    await first;
    // The timer was armed for the first wait (t=1000): the second is not due then.
    await vi.advanceTimersByTimeAsync(600);
    expect(second).toBeUndefined();
    await vi.advanceTimersByTimeAsync(399);
    expect(second).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second).toEqual(new Error('second'));
  });

  it('expires every due wait in one firing, and only those', async () => {
    vi.useFakeTimers();
    const deadlines = fixedDeadlines(100);
    const expired: number[] = [];
    for (let index = 0; index < 5; index++) {
      deadlines
        .within(never, () => new Error(String(index)))
        .catch((reason: Error) => expired.push(Number(reason.message)));
      await vi.advanceTimersByTimeAsync(10);
    }
    // Waits began at 0, 10, 20, 30, 40 and end at 100, 110, …; now is 50, then 125.
    await vi.advanceTimersByTimeAsync(75);
    expect(expired).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(100);
    expect(expired).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps one timer for many waits at once', async () => {
    vi.useFakeTimers();
    const deadlines = fixedDeadlines(1_000);
    const works = Array.from({ length: 1_000 }, () => deadlines.within(never, expiredError));
    expect(vi.getTimerCount()).toBe(1);
    const settled = Promise.allSettled(works);
    await vi.advanceTimersByTimeAsync(1_000);
    const outcomes = await settled;
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer once every wait ended, so an idle server holds nothing', async () => {
    vi.useFakeTimers();
    const deadlines = fixedDeadlines(1_000);
    await deadlines.within(Promise.resolve(), expiredError);
    // The timer armed for the finished wait fires once, finds nothing and is not armed again.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('bounds a wait longer than a timer can hold (over 24.8 days) instead of firing at once', async () => {
    vi.useFakeTimers();
    const deadlines = fixedDeadlines(30 * 24 * 3_600_000);
    let outcome: unknown;
    deadlines.within(never, expiredError).catch((error: unknown) => (outcome = error));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(30 * 24 * 3_600_000);
    expect(outcome).toEqual(new Error('expired'));
  });

  it('goes on without a bound where the runtime refuses timers, and is bounded again once it allows them', async () => {
    const deadlines = fixedDeadlines(20);
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = (() => {
      throw new Error('Disallowed operation called within global scope');
    }) as unknown as typeof setTimeout;
    let unbounded: Promise<unknown>;
    try {
      unbounded = deadlines.within(Promise.resolve('done'), expiredError);
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    await expect(unbounded).resolves.toBe('done');
    await expect(deadlines.within(never, expiredError)).rejects.toThrow('expired');
  });
});
