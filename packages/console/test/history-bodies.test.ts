// The history's bodies under its two bounds (docs/console.md, "Bounded memory"): a body over
// `maxBodyBytes` is kept as a marker, and past `historyBodyBytes` the oldest requests lose their
// bodies first. Checked against a model over any sequence of requests, sizes and characters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { RequestHistory } from '../src/lib/history.ts';
import { postRecord } from './fixture.ts';

const utf8 = (text: string) => new TextEncoder().encode(text).length;
const SIZE = 5;
const MAX_BODY = 400;
const BUDGET = 1_000;

// A short piece repeated: long bodies that shrink quickly, unlike long random strings.
const body = fc
  .tuple(fc.string({ unit: 'binary', maxLength: 4 }), fc.nat(120))
  .map(([piece, times]) => JSON.stringify({ v: piece.repeat(times) }));

function recordOf(index: number, request: string, response: string): RequestLogRecord {
  // Sized as the server sizes the bodies it hands `log` with their text.
  return {
    ...postRecord(index, JSON.parse(request) as unknown),
    requestBodyBytes: utf8(request),
    responseBody: JSON.parse(response) as unknown,
    responseBodyBytes: utf8(response),
  };
}

describe('the request history’s bodies', () => {
  it('keeps each body as recorded, drops the oldest first past historyBodyBytes, and never holds more (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(body, body), { minLength: 1, maxLength: 25 }), (requests) => {
        const history = new RequestHistory(SIZE, {
          maxBodyBytes: MAX_BODY,
          historyBodyBytes: BUDGET,
        });
        // The model: the bodies kept, oldest first (place 0 the request's, 1 the response's).
        let kept: { seq: number; place: 0 | 1; text: string; bytes: number }[] = [];
        for (const [index, [request, response]] of requests.entries()) {
          const seq = index + 1;
          history.add(recordOf(index, request, response), 0, undefined, {
            requestBody: request,
            responseBody: response,
          });
          kept = kept.filter((one) => one.seq > seq - SIZE);
          for (const [place, text] of [request, response].entries())
            if (utf8(text) <= MAX_BODY)
              kept.push({ seq, place: place as 0 | 1, text, bytes: utf8(text) });
          // Past the budget, the oldest request loses both its bodies.
          while (kept.reduce((sum, one) => sum + one.bytes, 0) > BUDGET) {
            const oldest = kept[0]?.seq;
            kept = kept.filter((one) => one.seq !== oldest);
          }
          for (let earlier = Math.max(1, seq - SIZE + 1); earlier <= seq; earlier++) {
            const entry = history.get(earlier);
            expect(entry?.seq).toBe(earlier);
            const bodies = [entry?.record.requestBody, entry?.record.responseBody];
            for (const place of [0, 1] as const) {
              const expected = kept.find((one) => one.seq === earlier && one.place === place);
              if (expected === undefined) expect(bodies[place]).toHaveProperty(['[truncated]']);
              else expect(bodies[place]).toEqual(JSON.parse(expected.text));
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
