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
});
