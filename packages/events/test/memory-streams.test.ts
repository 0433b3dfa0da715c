// The memory StreamStore: SSF streams are per tenant, and what it returns is a copy.
import { describe, expect, it } from 'vitest';
import { createMemoryStreamStore } from '../src/lib/memory-streams.ts';
import type { EventStream } from '../src/lib/streams.ts';

const NOW = '2026-12-03T10:00:00.000Z';

function stream(overrides: Partial<EventStream> = {}): EventStream {
  return {
    id: 'st1',
    tenant: 'acme',
    audience: ['https://receiver.example.com'],
    delivery: {
      method: 'push',
      endpointUrl: 'https://receiver.example.com/events',
      authorization: { kind: 'bearer', token: 'secret-token' },
    },
    eventsRequested: ['urn:ietf:params:scim:event:prov:delete'],
    modes: { User: 'full' },
    status: 'enabled',
    defaultSubjects: 'all',
    subjectsAdded: [],
    subjectsRemoved: ['/Users/u9'],
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

describe('createMemoryStreamStore', () => {
  it('SSF §8.1.1 streams are scoped per tenant: another tenant neither lists, reads, replaces nor deletes them', async () => {
    const store = createMemoryStreamStore();
    await store.put(stream());
    await store.put(stream({ id: 'st2', tenant: 'globex' }));
    await store.put(stream({ id: 'st3', tenant: undefined }));
    expect((await store.list('acme')).map((s) => s.id)).toEqual(['st1']);
    expect((await store.list(undefined)).map((s) => s.id)).toEqual(['st3']);
    expect(await store.get('st1', 'globex')).toBeUndefined();
    expect(await store.get('st1', undefined)).toBeUndefined();
    expect(await store.delete('st1', 'globex')).toBe(false);
    expect(await store.get('st1', 'acme')).toBeDefined();
  });

  it('issue 14 "stream ids are unique across tenants": put refuses an id another tenant holds, and changes nothing', async () => {
    const store = createMemoryStreamStore();
    await store.put(stream());
    await expect(store.put(stream({ tenant: 'globex' }))).rejects.toThrow(/unique across tenants/);
    await expect(store.put(stream({ tenant: undefined }))).rejects.toThrow(/another tenant/);
    expect(await store.list('globex')).toEqual([]);
    expect(await store.list(undefined)).toEqual([]);
    expect(await store.get('st1', 'acme')).toBeDefined();
  });

  it('issue 14 "stream ids are unique across tenants": the refusal does not name the tenant holding the id', async () => {
    const store = createMemoryStreamStore();
    await store.put(stream());
    await expect(store.put(stream({ tenant: 'globex' }))).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('acme') as unknown }),
    );
  });

  it('issue 14 "stream ids are unique across tenants": a deleted stream frees its id for another tenant', async () => {
    const store = createMemoryStreamStore();
    await store.put(stream());
    expect(await store.delete('st1', 'acme')).toBe(true);
    await store.put(stream({ tenant: 'globex' }));
    expect((await store.get('st1', 'globex'))?.tenant).toBe('globex');
  });

  it('a tenant named with the empty string is not the absence of a tenant', async () => {
    const store = createMemoryStreamStore();
    await store.put(stream({ tenant: '' }));
    expect(await store.list(undefined)).toEqual([]);
    expect(await store.list('')).toHaveLength(1);
  });

  it('put replaces the stream with the same id and tenant; delete says whether there was one', async () => {
    const store = createMemoryStreamStore();
    await store.put(stream());
    await store.put(stream({ status: 'paused' }));
    expect(await store.list('acme')).toHaveLength(1);
    expect((await store.get('st1', 'acme'))?.status).toBe('paused');
    expect(await store.delete('st1', 'acme')).toBe(true);
    expect(await store.delete('st1', 'acme')).toBe(false);
    expect(await store.get('st1', 'acme')).toBeUndefined();
  });

  it('callers get copies: changing what was put or read changes nothing stored', async () => {
    const store = createMemoryStreamStore();
    const subjects = ['/Users/u1'];
    await store.put(stream({ subjectsAdded: subjects }));
    subjects.push('/Users/u2');
    const read = await store.get('st1', 'acme');
    expect(read?.subjectsAdded).toEqual(['/Users/u1']);
    expect(() => (read?.subjectsAdded as string[]).push('/Users/u3')).toThrow(TypeError);
    expect(() => {
      (read as { status: string }).status = 'disabled';
    }).toThrow(TypeError);
    const again = await store.get('st1', 'acme');
    expect(again?.status).toBe('enabled');
    expect(again?.subjectsAdded).toEqual(['/Users/u1']);
    expect(again?.delivery).toEqual(stream().delivery);
  });
});
