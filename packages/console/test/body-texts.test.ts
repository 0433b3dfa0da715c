// The history keeps bodies as UTF-8 text in one buffer outside the heap (src/lib/body-texts.ts),
// moving the live texts to the front, or into a larger buffer, when one does not fit. Whatever the
// order of puts and clears, each place gives back the last text put in it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyTexts, utf8Length } from '../src/lib/body-texts.ts';

const PLACES = 6;
const utf8 = (text: string) => new TextEncoder().encode(text).length;

type Step = { put: number; text: string } | { clear: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      put: fc.nat(PLACES - 1),
      // Long texts force moves and growth; full Unicode covers 1- to 4-byte characters.
      // A short piece repeated: quick to shrink, unlike a long random string.
      text: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc
          .tuple(
            fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
            fc.integer({ min: 1_000, max: 12_000 }),
          )
          .map(([piece, times]) => piece.repeat(times)),
      ),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ clear: fc.nat(PLACES - 1) }), weight: 1 },
);

describe('BodyTexts: the history bodies outside the heap', () => {
  it('gives back the last text put in each place, whatever the puts and clears before', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const texts = new BodyTexts(PLACES);
        const model = new Map<number, string>();
        let most = 0;
        for (const one of steps) {
          if ('put' in one) {
            expect(texts.put(one.put, one.text)).toBe(utf8(one.text));
            model.set(one.put, one.text);
          } else {
            texts.clear(one.clear);
            model.delete(one.clear);
          }
          let live = 0;
          for (let place = 0; place < PLACES; place++) {
            expect(texts.get(place)).toBe(model.get(place));
            live += utf8(model.get(place) ?? '');
          }
          expect(texts.liveBytes).toBe(live);
          most = Math.max(most, live);
          // docs/console.md: never larger than twice the most it has held at once.
          expect(texts.bufferBytes).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * most));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('takes a text larger than its whole buffer, and an empty text', () => {
    const texts = new BodyTexts(2);
    const large = 'ü'.repeat(200_000);
    expect(texts.put(0, large)).toBe(400_000);
    expect(texts.put(1, '')).toBe(0);
    expect(texts.get(0)).toBe(large);
    expect(texts.get(1)).toBe('');
  });

  it('reuses the space of cleared texts rather than growing without end', () => {
    const texts = new BodyTexts(1);
    const body = 'x'.repeat(10_000);
    // Ten thousand puts in one place: 100 MB written, never more than one text live.
    for (let round = 0; round < 10_000; round++) texts.put(0, body);
    expect(texts.liveBytes).toBe(10_000);
    expect(texts.get(0)).toBe(body);
    expect(texts.bufferBytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('counts UTF-8 bytes as TextEncoder writes them, lone surrogates included', () => {
    const anyUnit = fc.nat(0xffff).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.string({ unit: anyUnit, maxLength: 40 }), (text) => {
        expect(utf8Length(text)).toBe(utf8(text));
      }),
      { numRuns: 500 },
    );
  });
});
