// Webhook signatures: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, verified in constant time
// against several secrets, with a tolerance window against replays.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signWebhook, verifyWebhook } from '@scim/events';

const SECRET = 'whsec_test_0123456789';
const T = 1_796_292_000;
const at = (seconds: number) => () => new Date(seconds * 1000);
const BODY = JSON.stringify({ type: 'user.deactivated', id: '2819c223' });

describe('signWebhook', () => {
  it('writes t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">', async () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(await signWebhook(BODY, SECRET, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('takes the timestamp from a Date, in whole seconds', async () => {
    const header = await signWebhook(BODY, SECRET, new Date(T * 1000 + 999));
    expect(header.startsWith(`t=${T},`)).toBe(true);
  });

  it('signs with every secret given, one v1 each', async () => {
    const header = await signWebhook(BODY, ['old-secret', 'new-secret'], T);
    expect(header.split(',').filter((part) => part.startsWith('v1='))).toHaveLength(2);
  });

  it('refuses no secret, or an empty one', async () => {
    await expect(signWebhook(BODY, [], T)).rejects.toThrow(/at least one secret/);
    await expect(signWebhook(BODY, '', T)).rejects.toThrow(/non-empty/);
  });
});

describe('verifyWebhook', () => {
  it('accepts the body and header as signed, and returns the timestamp', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    expect(await verifyWebhook(header, BODY, [SECRET], { now: at(T) })).toEqual({
      ok: true,
      value: { timestamp: T },
    });
  });

  it('refuses a tampered body', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    const result = await verifyWebhook(header, BODY.replace('deactivated', 'activated'), [SECRET], {
      now: at(T),
    });
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'signature_mismatch' })],
    });
  });

  it('refuses a timestamp changed after signing', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    const result = await verifyWebhook(moved, BODY, [SECRET], { now: at(T) });
    expect(result.ok === false && result.issues[0]?.code).toBe('signature_mismatch');
  });

  it('refuses a delivery replayed outside the tolerance window, either way', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    for (const now of [T + 301, T - 301]) {
      const result = await verifyWebhook(header, BODY, [SECRET], { now: at(now) });
      expect(result.ok === false && result.issues[0]?.code).toBe('timestamp_out_of_tolerance');
    }
    expect((await verifyWebhook(header, BODY, [SECRET], { now: at(T + 300) })).ok).toBe(true);
    expect(
      (await verifyWebhook(header, BODY, [SECRET], { now: at(T + 30), toleranceSeconds: 10 })).ok,
    ).toBe(false);
  });

  it('rotation: a receiver holding the old and the new secret accepts either signature', async () => {
    const secrets = ['new-secret', 'old-secret'];
    for (const secret of ['old-secret', 'new-secret']) {
      const header = await signWebhook(BODY, secret, T);
      expect((await verifyWebhook(header, BODY, secrets, { now: at(T) })).ok).toBe(true);
    }
    const retired = await signWebhook(BODY, 'retired-secret', T);
    expect((await verifyWebhook(retired, BODY, secrets, { now: at(T) })).ok).toBe(false);
  });

  it('rotation: a sender signing with both secrets is accepted by a receiver holding either', async () => {
    const header = await signWebhook(BODY, ['old-secret', 'new-secret'], T);
    for (const secret of ['old-secret', 'new-secret'])
      expect((await verifyWebhook(header, BODY, [secret], { now: at(T) })).ok).toBe(true);
  });

  it('refuses a missing or malformed header', async () => {
    for (const header of [
      null,
      undefined,
      '',
      'v1=abc',
      `t=${T}`,
      `t=soon,v1=${'0'.repeat(64)}`,
      `t=${T},t=${T},v1=${'0'.repeat(64)}`,
    ]) {
      const result = await verifyWebhook(header, BODY, [SECRET], { now: at(T) });
      expect(result.ok === false && result.issues[0]?.code).toBe('malformed_header');
    }
  });

  it('refuses a header with more than 8 v1 signatures before computing any HMAC', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    const decoys = Array.from({ length: 8 }, (_, i) => `v1=${i.toString(16).repeat(64)}`);
    // Eight signatures, the valid one among them, are accepted; a ninth makes the header malformed.
    const eight = [header, ...decoys.slice(0, 7)].join(',');
    expect((await verifyWebhook(eight, BODY, [SECRET], { now: at(T) })).ok).toBe(true);
    const nine = [header, ...decoys].join(',');
    const result = await verifyWebhook(nine, BODY, [SECRET], { now: at(T) });
    expect(result.ok === false && result.issues[0]?.code).toBe('malformed_header');
  });

  it('refuses a header longer than 4,096 characters', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    const padded = `${header},x=${'a'.repeat(4096)}`;
    const result = await verifyWebhook(padded, BODY, [SECRET], { now: at(T) });
    expect(result.ok === false && result.issues[0]?.code).toBe('malformed_header');
  });

  it('refuses a tolerance that is NaN, infinite or negative, which would accept any timestamp', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    for (const toleranceSeconds of [Number.NaN, Number.POSITIVE_INFINITY, -1])
      await expect(
        verifyWebhook(header, BODY, [SECRET], { now: at(T + 10 * 365 * 86_400), toleranceSeconds }),
        String(toleranceSeconds),
      ).rejects.toThrow(RangeError);
  });

  it('ignores signature schemes it does not know, beside a valid v1', async () => {
    const header = await signWebhook(BODY, SECRET, T);
    expect((await verifyWebhook(`${header},v0=deadbeef`, BODY, [SECRET], { now: at(T) })).ok).toBe(
      true,
    );
  });
});

describe('properties', () => {
  it('any body, as text or bytes, verifies after signing with any secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 512 })),
        fc.string({ minLength: 1, maxLength: 64 }),
        async (body, secret) => {
          const header = await signWebhook(body, secret, T);
          expect((await verifyWebhook(header, body, [secret], { now: at(T) })).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('changing any single byte of the body makes verification fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (body, position, delta) => {
          const header = await signWebhook(body, SECRET, T);
          const changed = Uint8Array.from(body);
          const index = position % changed.length;
          changed[index] = ((changed[index] as number) + delta) % 256;
          const result = await verifyWebhook(header, changed, [SECRET], { now: at(T) });
          expect(result.ok === false && result.issues[0]?.code).toBe('signature_mismatch');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('changing any single character of the signature makes verification fail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 15 }), async (position, delta) => {
        const header = await signWebhook(BODY, SECRET, T);
        const start = header.indexOf('v1=') + 3;
        const index = start + (position % 64);
        const digit = (Number.parseInt(header[index] as string, 16) + delta) % 16;
        const forged = header.slice(0, index) + digit.toString(16) + header.slice(index + 1);
        expect((await verifyWebhook(forged, BODY, [SECRET], { now: at(T) })).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
