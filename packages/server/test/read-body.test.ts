// readBodyBytes: a request body bounded while it is read, for endpoints beside the SCIM handler.
import { describe, expect, it } from 'vitest';
import { readBodyBytes } from '@scim/server';

/** A POST whose body arrives in `chunks` with no declared length; `cancelled` tells if it was cut. */
function chunked(chunks: readonly string[]) {
  const state = { cancelled: false, pulled: 0 };
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[state.pulled++];
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const request = new Request('https://example.com/poll', {
    method: 'POST',
    body,
    duplex: 'half',
  } as RequestInit);
  return { request, state };
}

describe('readBodyBytes', () => {
  it('P-SEC-13, P-BULK-20: a chunked body over the limit is refused before it is all read, and its stream cancelled', async () => {
    const { request, state } = chunked(['12345', '67890', 'abcde', 'fghij']);
    expect(await readBodyBytes(request, 8)).toBeUndefined();
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(4);
  });

  it('a body within the limit is returned whole, byte for byte', async () => {
    const { request } = chunked(['{"a":', '1}']);
    const bytes = await readBodyBytes(request, 7);
    expect(new TextDecoder().decode(bytes)).toBe('{"a":1}');
  });

  it('no body is no bytes', async () => {
    const bytes = await readBodyBytes(new Request('https://example.com/poll'), 8);
    expect(bytes?.byteLength).toBe(0);
  });
});
