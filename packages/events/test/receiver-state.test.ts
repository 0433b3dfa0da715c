// The receiver's subject state in memory (RFC 9967 §2.2 idempotency) and the HTTP source it reads
// resources back from (RFC 9967 §2.1: a GET of the base URI plus the subject's uri).
import { SCIM_MEDIA_TYPE, UserResourceType } from '@scim/core';
import { describe, expect, it } from 'vitest';
import { createResourceSource } from '../src/lib/receiver-source.ts';
import { createMemoryReceiverState, type ReceivedSubjectState } from '../src/lib/receiver-state.ts';

const STATE: ReceivedSubjectState = {
  seen: ['t1 d1'],
  complete: true,
  since: 0,
  until: 0,
  deleted: false,
};

describe('createMemoryReceiverState', () => {
  it('runs one subject’s work at a time, while another subject’s work goes on beside it', async () => {
    const state = createMemoryReceiverState();
    const log: string[] = [];
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = state.update('/Users/u1', async () => {
      log.push('u1 first starts');
      await held;
      log.push('u1 first ends');
      return { state: STATE, value: 1 };
    });
    const second = state.update('/Users/u1', (seen) => {
      log.push(`u1 second sees ${seen === undefined ? 'nothing' : 'the first'}`);
      return Promise.resolve({ value: 2 });
    });
    const other = await state.update('/Users/u2', () => {
      log.push('u2 runs');
      return Promise.resolve({ value: 3 });
    });
    release();
    expect([await first, await second, other]).toEqual([1, 2, 3]);
    expect(log).toEqual([
      'u1 first starts',
      'u2 runs',
      'u1 first ends',
      'u1 second sees the first',
    ]);
  });

  it('a work that throws stores nothing, and the subject’s next work runs', async () => {
    const state = createMemoryReceiverState();
    await expect(
      state.update('/Users/u1', () => Promise.reject(new Error('store down'))),
    ).rejects.toThrow('store down');
    expect(
      await state.update('/Users/u1', (seen) => Promise.resolve({ value: seen })),
    ).toBeUndefined();
  });

  it('past maxEntries the subject changed least recently is forgotten', async () => {
    const state = createMemoryReceiverState({ maxEntries: 2 });
    for (const key of ['/Users/a', '/Users/b', '/Users/a', '/Users/c'])
      await state.update(key, () => Promise.resolve({ state: STATE, value: undefined }));
    const seen = async (key: string) =>
      state.update(key, (found) => Promise.resolve({ value: found !== undefined }));
    expect([await seen('/Users/a'), await seen('/Users/b'), await seen('/Users/c')]).toEqual([
      true,
      false,
      true,
    ]);
  });
});

describe('createResourceSource', () => {
  const request = { uri: '/Users/u%201', resourceType: UserResourceType, id: 'u 1' };

  it('GETs the base URI plus the subject’s uri, as SCIM JSON, with the authorization given', async () => {
    const seen: Request[] = [];
    const source = createResourceSource({
      baseUrl: 'https://scim.example.com/scim/v2/',
      authorization: () => 'Bearer read-token',
      fetch: (sent) => {
        seen.push(sent);
        return Promise.resolve(Response.json({ schemas: ['x'], id: 'u 1' }));
      },
    });
    expect(await source(request)).toEqual({
      status: 'found',
      resource: { schemas: ['x'], id: 'u 1' },
    });
    expect(
      seen.map((sent) => [
        sent.method,
        sent.url,
        sent.headers.get('accept'),
        sent.headers.get('authorization'),
      ]),
    ).toEqual([
      ['GET', 'https://scim.example.com/scim/v2/Users/u%201', SCIM_MEDIA_TYPE, 'Bearer read-token'],
    ]);
  });

  it('404 and 410 are gone; another status, a failed request or a body that is no resource are unavailable', async () => {
    const answering = (answer: () => Promise<Response>) =>
      createResourceSource({ baseUrl: 'https://scim.example.com/scim/v2', fetch: answer })(request);
    expect(await answering(() => Promise.resolve(new Response(null, { status: 404 })))).toEqual({
      status: 'gone',
    });
    expect(await answering(() => Promise.resolve(new Response(null, { status: 410 })))).toEqual({
      status: 'gone',
    });
    expect(await answering(() => Promise.resolve(new Response(null, { status: 503 })))).toEqual({
      status: 'unavailable',
      description: 'the source answered 503',
    });
    expect(await answering(() => Promise.reject(new Error('ECONNREFUSED')))).toMatchObject({
      status: 'unavailable',
    });
    expect(await answering(() => Promise.resolve(Response.json([1])))).toMatchObject({
      status: 'unavailable',
    });
  });
});
