// lastUsedAt (issue 15, "Tokens"): tokenAuthenticator records each token's last use without
// holding up the request, and at most once per touchIntervalMs, however many requests run at once
// and whether or not the write succeeds. Clocks are fake; no test waits on time.
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenManager,
  tokenAuthenticator,
  type TokenAuthenticatorOptions,
  type TokenPrincipal,
  type TokenStore,
} from '@scim/server';
import { server, type Reply } from './helpers.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');

/** A token store, its manager and a SCIM endpoint that authenticates with it, on one fake clock. */
function setup(
  store: TokenStore = createMemoryTokenStore(),
  options: Partial<TokenAuthenticatorOptions> = {},
) {
  let time = T0.getTime();
  const clock = { now: () => new Date(time), advance: (ms: number) => void (time += ms) };
  const tokens = createTokenManager({ store, now: clock.now });
  const authenticate = tokenAuthenticator({ store, now: clock.now, ...options });
  const { call } = server({ authenticate });
  const as = (token: string): Promise<Reply> =>
    call('GET', '/Users', undefined, { authorization: `Bearer ${token}` });
  return { tokens, clock, as, authenticate };
}

/** The memory store counting its `touch` calls, which `touch` replaces when given. */
function touchingStore(touch?: TokenStore['touch']) {
  const inner = createMemoryTokenStore();
  const write = touch ?? ((id: string, at: Date) => inner.touch(id, at));
  const store = {
    ...inner,
    touches: 0,
    touch(id: string, at: Date) {
      store.touches += 1;
      return write(id, at);
    },
  };
  return store;
}

function bearer(token: string): Request {
  return new Request('https://app.example.com/scim/v2/Users', {
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('last use', () => {
  it('a request records lastUsedAt', async () => {
    const { tokens, as } = setup();
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await as(token);
    expect((await tokens.list('acme'))[0]?.lastUsedAt).toEqual(T0);
  });

  it('within touchIntervalMs of the stored lastUsedAt, a request writes nothing, even in another process', async () => {
    const store = touchingStore();
    const { tokens, clock, as } = setup(store, { touchIntervalMs: 60_000 });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await as(token);
    clock.advance(59_999);
    // A second authenticator over the same store, as another process would have.
    const other = tokenAuthenticator({ store, now: clock.now, touchIntervalMs: 60_000 });
    await other(bearer(token));
    expect(store.touches).toBe(1);
  });

  it('concurrent requests with one token record its use once, not once each', async () => {
    const store = touchingStore();
    const { tokens, as } = setup(store, { touchIntervalMs: 60_000 });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await Promise.all(Array.from({ length: 20 }, () => as(token)));
    expect(store.touches).toBe(1);
  });

  it('a touch that fails is tried and reported once per touchIntervalMs, not on every request', async () => {
    const store = touchingStore(() => Promise.reject(new Error('database is read-only')));
    let reports = 0;
    let reported!: () => void;
    const report = new Promise<void>((resolve) => (reported = resolve));
    const onError = () => void ((reports += 1), reported());
    const { tokens, clock, as } = setup(store, { touchIntervalMs: 60_000, onError });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await as(token);
    await report;
    clock.advance(59_999);
    await as(token);
    expect([store.touches, reports]).toEqual([1, 1]);
  });

  it('remembers the touches of at most 10,000 tokens: past that the oldest is forgotten and written again', async () => {
    // touch writes nothing, so only the authenticator's memory keeps a token from being written.
    const store = touchingStore(() => Promise.resolve());
    const { tokens, authenticate } = setup(store, { touchIntervalMs: 60_000 });
    const issued: string[] = [];
    for (let i = 0; i <= 10_000; i += 1)
      issued.push((await tokens.issue({ tenant: 'acme', label: `t${i}` })).token);
    for (const token of issued) await authenticate(bearer(token));
    await authenticate(bearer(issued[0]!));
    expect(store.touches).toBe(10_002);
  });

  it('after touchIntervalMs, a request records the use again', async () => {
    const { tokens, clock, as } = setup(createMemoryTokenStore(), { touchIntervalMs: 60_000 });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await as(token);
    clock.advance(60_000);
    await as(token);
    expect((await tokens.list('acme'))[0]?.lastUsedAt).toEqual(new Date(T0.getTime() + 60_000));
  });

  it('a store whose touch never settles does not hold the request up', async () => {
    const inner = createMemoryTokenStore();
    const store: TokenStore = { ...inner, touch: () => new Promise<void>(() => {}) };
    const { tokens, as } = setup(store);
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect((await as(token)).status).toBe(200);
  });

  it('a touch that fails is reported to onError and the request still succeeds', async () => {
    const inner = createMemoryTokenStore();
    const failure = new Error('database is read-only');
    const store: TokenStore = { ...inner, touch: () => Promise.reject(failure) };
    let reported!: (value: [unknown, TokenPrincipal]) => void;
    const report = new Promise<[unknown, TokenPrincipal]>((resolve) => (reported = resolve));
    const { tokens, as } = setup(store, { onError: (error, token) => reported([error, token]) });
    const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect((await as(token)).status).toBe(200);
    expect(await report).toEqual([failure, { tokenId: record.id, label: 'entra' }]);
  });

  it('a touch that throws instead of rejecting is reported the same way', async () => {
    const inner = createMemoryTokenStore();
    const failure = new Error('not connected');
    const store: TokenStore = {
      ...inner,
      touch: () => {
        throw failure;
      },
    };
    let reported!: (error: unknown) => void;
    const report = new Promise<unknown>((resolve) => (reported = resolve));
    const { tokens, as } = setup(store, { onError: (error) => reported(error) });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect((await as(token)).status).toBe(200);
    expect(await report).toBe(failure);
  });
});
