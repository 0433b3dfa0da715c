// randomUuid: the ids a server makes for resources, lifecycle records and SETs (RFC 9562 §5.4).
import { describe, expect, it } from 'vitest';
import { randomUuid } from '@scim/core';
import { bytesKeptEach } from '../../../test/fixtures/heap.js';

const VERSION_4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid (RFC 9562 §5.4, version 4)', () => {
  it('writes the version 4 layout: lower-case hex, version digit 4, variant bits 10', () => {
    for (let index = 0; index < 1_000; index++) expect(randomUuid()).toMatch(VERSION_4);
  });

  it('gives a new id every time, across many refills of its random bytes', () => {
    const ids = Array.from({ length: 20_000 }, () => randomUuid());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws every random digit from the whole range (no digit fixed, no byte reused)', () => {
    const ids = Array.from({ length: 4_096 }, () => randomUuid());
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (const id of ids)
      for (let position = 0; position < 36; position++) seen[position]?.add(id[position] ?? '');
    for (let position = 0; position < 36; position++) {
      const digits = seen[position]?.size;
      if ([8, 13, 18, 23].includes(position))
        expect(digits).toBe(1); // the hyphens
      else if (position === 14)
        expect(digits).toBe(1); // the version
      else if (position === 19)
        expect(digits).toBe(4); // 8, 9, a, b
      else expect(digits).toBe(16);
    }
    // Two halves of one id come from different bytes: they agree no more often than chance.
    const sameHalves = ids.filter((id) => id.slice(0, 8) === id.slice(24, 32)).length;
    expect(sameHalves).toBe(0);
  });

  it('holds 122 random bits: no two digits share bits, the variant digit included', () => {
    const ids = Array.from({ length: 4_096 }, () => randomUuid());
    const hexPositions = [...Array(36).keys()].filter((p) => ![8, 13, 14, 18, 23].includes(p));
    const bits = (id: string, position: number) => parseInt(id[position] ?? '', 16) & 0x3;
    for (const [index, position] of hexPositions.entries()) {
      const next = hexPositions[index + 1];
      if (next === undefined) continue;
      // Two independent random digits agree in their low two bits a quarter of the time.
      const agreeing = ids.filter((id) => bits(id, position) === bits(id, next)).length;
      expect(agreeing / ids.length, `digits ${position} and ${next}`).toBeLessThan(0.35);
    }
  });

  it('keeps an id in one short string, where crypto.randomUUID keeps a tree of ~480 bytes', () => {
    const { each, kept } = bytesKeptEach(20_000, () => randomUuid());
    expect(new Set(kept).size).toBe(kept.length);
    expect(each).toBeLessThan(100);
  });
});
