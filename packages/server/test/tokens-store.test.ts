// createMemoryTokenStore(): the reference token store, held to the contract every store keeps, and
// found by digest with one lookup rather than a walk over every token.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTokenStore } from '@scim/server';
import { tokenRecord, tokenStoreContract } from './fixtures/token-store-contract.js';

describe('createMemoryTokenStore', () => {
  tokenStoreContract(() => createMemoryTokenStore());

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('findByHash among 10,000 tokens walks none of them: one Map lookup, no iteration', async () => {
    const store = createMemoryTokenStore();
    const records = Array.from({ length: 10_000 }, () => tokenRecord());
    for (const record of records) await store.insert(record);
    const wanted = records[7_777]!;
    const walks = [
      vi.spyOn(Map.prototype, 'forEach'),
      vi.spyOn(Map.prototype, 'values'),
      vi.spyOn(Map.prototype, 'entries'),
      vi.spyOn(Map.prototype, 'keys'),
      vi.spyOn(Map.prototype as unknown as Record<symbol, () => unknown>, Symbol.iterator),
    ];
    const gets = vi.spyOn(Map.prototype, 'get');
    const found = await store.findByHash(wanted.sha256);
    expect(found?.id).toBe(wanted.id);
    expect(gets).toHaveBeenCalledTimes(1);
    for (const walk of walks) expect(walk).not.toHaveBeenCalled();
  });

  it('answers share only a frozen scopes array: no answer, nor the array given to insert, can change what the next answer says', async () => {
    const store = createMemoryTokenStore();
    const scopes = ['scim:read'];
    const record = tokenRecord({ scopes });
    await store.insert(record);
    scopes.push('scim:write');
    const first = await store.findByHash(record.sha256);
    expect(Object.isFrozen(first?.scopes)).toBe(true);
    expect(() => (first?.scopes as string[]).push('scim:write')).toThrow(TypeError);
    first?.createdAt.setTime(0);
    const second = await store.findByHash(record.sha256);
    expect(second?.scopes).toEqual(['scim:read']);
    expect(second?.createdAt).toEqual(record.createdAt);
    expect(second?.createdAt).not.toBe(first?.createdAt);
  });

  it('a digest in upper case finds the record, and every answer carries the digest in lower case', async () => {
    const store = createMemoryTokenStore();
    const record = tokenRecord({ sha256: `sha256:${'AB'.repeat(32)}` });
    await store.insert(record);
    const found = await store.findByHash(`sha256:${'ab'.repeat(32)}`);
    expect(found?.sha256).toBe(`sha256:${'ab'.repeat(32)}`);
    expect((await store.findByHash(record.sha256))?.id).toBe(record.id);
  });
});
