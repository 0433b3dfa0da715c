// docs/client.md's first example, kept identical to a fixture that runs here against the real
// server, so that the quick start works copied as it is.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const docs = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');
const fixture = readFileSync(new URL('./fixtures/quick-start.ts', import.meta.url), 'utf8');

describe('docs/client.md', () => {
  it("the quick start is the fixture's code, word for word", () => {
    const first = /```ts\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(first?.trim()).toBe(fixture.trim());
  });

  it('the quick start runs and prints what its comment says', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import('./fixtures/quick-start.js');
      expect(log.mock.calls).toEqual([['bjensen', 'Tour Guide']]);
    } finally {
      log.mockRestore();
    }
  });
});
