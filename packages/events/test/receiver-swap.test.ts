// A receiver reading each change back from the source (`refresh: 'always'`) when two users swapped
// their userNames there: each refresh reads the final values, so each user's new userName is still
// held by the other's copy. Without help they would fail for ever, each waiting for the other; the
// copy whose write is refused gives up its unique values to placeholders, the other then applies,
// and the first one's retry writes the real values (RFC 7643 §2.1 uniqueness, RFC 9967 §2.4).
import { PROV_PATCH_NOTICE_EVENT_URI } from '@scim/core';
import { describe, expect, it } from 'vitest';
import { created, fakeSource, setOf, T0, testReceiver, user } from './fixtures/received-sets.ts';

const MS = T0 * 1000;
const U1 = '/Users/u1';
const U2 = '/Users/u2';

/** A notice that a user's userName changed, at `at` ms: the receiver reads the user back. */
const renamed = (id: string, at: number) =>
  setOf(
    `/Users/${id}`,
    { [PROV_PATCH_NOTICE_EVENT_URI]: { version: `W/"${id}-${at}"`, attributes: ['userName'] } },
    { toe: at / 1000 },
  );

/** A replica holding u1 as `alice` and u2 as `bob`, read from the source. */
async function replica() {
  const { source, answer } = fakeSource();
  const replica = await testReceiver({ source });
  for (const [uri, resource] of [
    [U1, user('u1', MS, { userName: 'alice' })],
    [U2, user('u2', MS, { userName: 'bob' })],
  ] as const) {
    answer(uri, { status: 'found', resource });
    expect(await replica.receiver.receive(await setOf(uri, created(resource)))).toMatchObject({
      status: 'applied',
    });
  }
  return { ...replica, answer };
}

describe('two users whose userNames were swapped at the source', () => {
  it('the first refused holds placeholders, the second applies, the retry of the first applies: the replica ends equal to the source', async () => {
    const { receiver, copy, answer } = await replica();
    answer(U1, { status: 'found', resource: user('u1', MS + 5_000, { userName: 'bob' }) });
    answer(U2, { status: 'found', resource: user('u2', MS + 5_000, { userName: 'alice' }) });
    const first = await renamed('u1', MS + 5_000);
    expect(await receiver.receive(first)).toMatchObject({
      status: 'failed',
      description: expect.stringContaining('placeholders') as unknown,
    });
    expect((await copy('User', 'u1'))?.userName).toBe('bob#pending-u1');
    expect(await receiver.receive(await renamed('u2', MS + 5_000))).toMatchObject({
      status: 'applied',
    });
    // The transmitter retries the refused SET.
    expect(await receiver.receive(first)).toMatchObject({ status: 'applied', from: 'source' });
    expect(await copy('User', 'u1')).toMatchObject({ userName: 'bob' });
    expect(await copy('User', 'u2')).toMatchObject({ userName: 'alice' });
  });

  it('a userName still held by a copy that does not move keeps failing, the rest of the change applied under the placeholder', async () => {
    const { receiver, copy, answer } = await replica();
    // u1 takes bob's name at the source; u2 (still bob here) has not changed there yet.
    answer(U1, {
      status: 'found',
      resource: user('u1', MS + 5_000, { userName: 'bob', active: false }),
    });
    const token = await renamed('u1', MS + 5_000);
    for (let attempt = 0; attempt < 2; attempt++)
      expect(await receiver.receive(token)).toMatchObject({ status: 'failed' });
    expect(await copy('User', 'u1')).toMatchObject({
      userName: 'bob#pending-u1',
      active: false,
    });
    expect(await copy('User', 'u2')).toMatchObject({ userName: 'bob' });
  });
});
