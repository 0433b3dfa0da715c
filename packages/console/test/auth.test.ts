// The console's access rules: off unless made, its own credential (bearer or login form), a signed
// session cookie that is never the credential, plain HTTP only on loopback, and CSRF checks.
import { describe, expect, it } from 'vitest';
import { createScimConsole } from '../src/index.ts';
import { CONSOLE_TOKEN, createFixture, SCIM_TOKEN } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
const form = (credential: string) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    origin: 'https://scim.example.com',
  },
  body: new URLSearchParams({ credential }).toString(),
});

async function login(fixture: Awaited<ReturnType<typeof createFixture>>) {
  const reply = await fixture.page('/login', form(CONSOLE_TOKEN));
  expect(reply.status).toBe(303);
  const cookie = reply.headers.get('set-cookie') ?? '';
  return { cookie, value: cookie.split(';')[0] ?? '' };
}

describe('console access', () => {
  it('RFC 7644 §7.2 (the SCIM endpoint is refused over plain HTTP except on loopback): so is the console', async () => {
    const fixture = await createFixture();
    for (const origin of ['http://scim.example.com', 'http://10.0.0.5:8080']) {
      const reply = await fixture.page('/api/requests', { origin, headers: bearer });
      expect(reply.status).toBe(403);
      expect(await reply.text()).toMatch(/HTTPS/);
    }
    for (const origin of [
      'http://127.0.0.1:8080',
      'http://localhost:3000',
      'http://[::1]:80',
      'https://scim.example.com',
    ])
      expect((await fixture.page('/api/requests', { origin, headers: bearer })).status).toBe(200);
  });

  it('RFC 7644 §7.2: X-Forwarded-Proto: https counts only with trustForwardedProto', async () => {
    const headers = { ...bearer, 'x-forwarded-proto': 'https' };
    const untrusted = await createFixture();
    expect(
      (await untrusted.page('/api/requests', { origin: 'http://scim.example.com', headers }))
        .status,
    ).toBe(403);
    const trusted = await createFixture({ transport: { trustForwardedProto: true } });
    expect(
      (await trusted.page('/api/requests', { origin: 'http://scim.example.com', headers })).status,
    ).toBe(200);
  });

  it('RFC 7644 §7.2 and RFC 6454 §4 (origin of a URI): behind a trusted TLS proxy, login and a cookie POST from the https page pass the Origin check, the http origin and other hosts do not', async () => {
    const fixture = await createFixture(
      { transport: { trustForwardedProto: true } },
      'http://scim.example.com',
    );
    const proxied = (origin: string, extra: Record<string, string> = {}) => ({
      'x-forwarded-proto': 'https',
      origin,
      ...extra,
    });
    const post = (origin: string) => ({
      method: 'POST',
      headers: proxied(origin, { 'content-type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams({ credential: CONSOLE_TOKEN }).toString(),
    });
    const login = await fixture.page('/login', post('https://scim.example.com'));
    expect(login.status).toBe(303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const retry = await fixture.page('/api/outbox/x/retry', {
      method: 'POST',
      headers: proxied('https://scim.example.com', { cookie }),
    });
    // Past the Origin check: no such event.
    expect(retry.status).toBe(404);
    for (const origin of ['http://scim.example.com', 'https://evil.example'])
      expect((await fixture.page('/login', post(origin))).status, origin).toBe(403);
    // Without the trusted header, the https Origin is foreign to an http request.
    const direct = await fixture.page('/api/outbox/x/retry', {
      method: 'POST',
      headers: { cookie, origin: 'https://scim.example.com' },
      origin: 'http://127.0.0.1:8080',
    });
    expect(direct.status).toBe(403);
  });

  it('RFC 6750 §3: without the credential the API is 401 with a Bearer challenge and the page sends to the login form', async () => {
    const fixture = await createFixture();
    const api = await fixture.page('/api/requests');
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="console"');
    const page = await fixture.page('/');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/login');
    expect((await fixture.page('/login')).status).toBe(200);
  });

  it('RFC 6750 §3.1: a wrong bearer token, the SCIM token included, is 401 invalid_token', async () => {
    const fixture = await createFixture();
    for (const token of [SCIM_TOKEN, `${CONSOLE_TOKEN}x`, CONSOLE_TOKEN.slice(1)]) {
      const reply = await fixture.page('/api/requests', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
    expect((await fixture.page('/', { headers: bearer })).status).toBe(200);
  });

  it('the login form sets an HttpOnly, Secure, SameSite=Strict session cookie that is not the credential', async () => {
    const fixture = await createFixture();
    const { cookie, value } = await login(fixture);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toContain(CONSOLE_TOKEN);
    const page = await fixture.page('/', { headers: { cookie: value } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/console/console.js">');
  });

  it('on plain-HTTP loopback the cookie is not Secure (a browser would drop it there)', async () => {
    const fixture = await createFixture({}, 'http://127.0.0.1:8080');
    const reply = await fixture.page('/login', {
      ...form(CONSOLE_TOKEN),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://127.0.0.1:8080',
      },
    });
    expect(reply.status).toBe(303);
    expect(reply.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('a wrong credential in the form is 401 and sets no cookie; a form posted from another origin is 403', async () => {
    const fixture = await createFixture();
    const wrong = await fixture.page('/login', form('not-the-console-token'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toMatch(/not the console token/);
    const foreign = await fixture.page('/login', {
      ...form(CONSOLE_TOKEN),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
    });
    expect(foreign.status).toBe(403);
  });

  it('a login form streamed past 4 KB without a Content-Length is refused, the right credential in it or not', async () => {
    const fixture = await createFixture();
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // The credential first, then padding that never ends unless the reader stops.
        const chunk = sent === 0 ? `credential=${CONSOLE_TOKEN}&pad=` : 'x'.repeat(1024);
        sent += chunk.length;
        controller.enqueue(encoder.encode(chunk));
      },
    });
    const reply = await fixture.page('/login', {
      ...form(CONSOLE_TOKEN),
      body,
      duplex: 'half',
    } as RequestInit);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('set-cookie')).toBeNull();
    // The reader stopped soon after the bound rather than reading the stream to its end.
    expect(sent).toBeLessThan(16 * 1024);
  });

  it('a tampered, expired or foreign-key session cookie is refused', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const fixture = await createFixture({ now: () => now, sessionTtlMs: 60_000 });
    const { value } = await login(fixture);
    const ok = await fixture.page('/api/requests', { headers: { cookie: value } });
    expect(ok.status).toBe(200);
    const at = value.length - 10;
    const flipped = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
    expect((await fixture.page('/api/requests', { headers: { cookie: flipped } })).status).toBe(
      401,
    );
    const other = await createFixture({ now: () => now });
    expect((await other.page('/api/requests', { headers: { cookie: value } })).status).toBe(401);
    now += 61_000;
    expect((await fixture.page('/api/requests', { headers: { cookie: value } })).status).toBe(401);
  });

  it('CSRF: a retry posted with the cookie from another origin is 403; logging out clears the cookie', async () => {
    const fixture = await createFixture();
    const { value } = await login(fixture);
    const foreign = await fixture.page('/api/outbox/x/retry', {
      method: 'POST',
      headers: { cookie: value, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const none = await fixture.page('/api/outbox/x/retry', {
      method: 'POST',
      headers: { cookie: value },
    });
    expect(none.status).toBe(403);
    const same = await fixture.page('/api/outbox/x/retry', {
      method: 'POST',
      headers: { cookie: value, origin: 'https://scim.example.com' },
    });
    expect(same.status).toBe(404);
    const out = await fixture.page('/logout', {
      method: 'POST',
      headers: { origin: 'https://scim.example.com' },
    });
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });

  it('OWASP ASVS 4.0 V3.3.1 (logout invalidates the session token): a logged-out cookie is refused afterwards, another session stays valid', async () => {
    const fixture = await createFixture();
    const first = await login(fixture);
    const second = await login(fixture);
    const out = await fixture.page('/logout', {
      method: 'POST',
      headers: { cookie: first.value, origin: 'https://scim.example.com' },
    });
    expect(out.status).toBe(303);
    expect((await fixture.page('/api/requests', { headers: { cookie: first.value } })).status).toBe(
      401,
    );
    expect(
      (await fixture.page('/api/requests', { headers: { cookie: second.value } })).status,
    ).toBe(200);
  });

  it('every answer is uncacheable, unframeable and allows scripts from the console alone', async () => {
    const fixture = await createFixture();
    for (const path of [
      '/',
      '/login',
      '/console.js',
      '/console.css',
      '/api/requests',
      '/nothing',
    ]) {
      const reply = await fixture.page(path, { headers: bearer });
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('x-frame-options')).toBe('DENY');
      const csp = reply.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
    }
    const page = await (await fixture.page('/', { headers: bearer })).text();
    expect(page).not.toMatch(/<script>|<script [^s]|style=/);
  });

  it('refuses a credential shorter than 16 characters and a base path that is not a path', () => {
    expect(() => createScimConsole({ basePath: '/console', credential: 'short' })).toThrow(
      /16 characters/,
    );
    expect(() => createScimConsole({ basePath: '/', credential: CONSOLE_TOKEN })).toThrow(
      /basePath/,
    );
    expect(() => createScimConsole({ basePath: '/a b', credential: CONSOLE_TOKEN })).toThrow(
      /basePath/,
    );
  });

  it('answers 404 outside its base path, so it can sit beside the SCIM routes', async () => {
    const fixture = await createFixture();
    const reply = await fixture.console.fetch(
      new Request('https://scim.example.com/consoled/api/requests', { headers: bearer }),
    );
    expect(reply.status).toBe(404);
  });
  it('login rate limit: past failedLoginsPerMinute failed checks, the form and bearer tokens get 429 with Retry-After, the right credential too, until the minute ends', async () => {
    let now = Date.UTC(2026, 11, 5, 10, 0, 20);
    const fixture = await createFixture({ failedLoginsPerMinute: 3, now: () => now });
    const wrongBearer = { authorization: 'Bearer wrong-console-credential-00' };
    expect((await fixture.page('/login', form('wrong-console-credential-01'))).status).toBe(401);
    expect((await fixture.page('/api/requests', { headers: wrongBearer })).status).toBe(401);
    // A check that succeeds is given back: it does not count toward the limit.
    expect((await fixture.page('/api/requests', { headers: bearer })).status).toBe(200);
    expect((await fixture.page('/login', form('wrong-console-credential-02'))).status).toBe(401);
    for (const reply of [
      await fixture.page('/login', form(CONSOLE_TOKEN)),
      await fixture.page('/api/requests', { headers: bearer }),
      await fixture.page('/api/requests', { headers: wrongBearer }),
    ]) {
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBe('40');
      expect(reply.headers.get('set-cookie')).toBeNull();
    }
    now += 40_000;
    expect((await fixture.page('/api/requests', { headers: bearer })).status).toBe(200);
    expect((await login(fixture)).value).toMatch(/^scim_console_session=v1\./);
  });

  it('login rate limit: a signed-in session keeps working while credential checks are held back', async () => {
    const now = Date.UTC(2026, 11, 5, 10, 0, 0);
    const fixture = await createFixture({ failedLoginsPerMinute: 2, now: () => now });
    const { value } = await login(fixture);
    for (let attempt = 0; attempt < 3; attempt++)
      await fixture.page('/login', form(`wrong-console-credential-${attempt}0`));
    expect((await fixture.page('/login', form(CONSOLE_TOKEN))).status).toBe(429);
    expect((await fixture.page('/api/requests', { headers: { cookie: value } })).status).toBe(200);
  });

  it('login rate limit: wrong credentials checked side by side cannot pass the limit', async () => {
    const now = Date.UTC(2026, 11, 5, 10, 0, 0);
    const fixture = await createFixture({ failedLoginsPerMinute: 5, now: () => now });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        fixture.page('/api/requests', {
          headers: { authorization: `Bearer wrong-console-credential-${index}` },
        }),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it('failedLoginsPerMinute must be a positive integer or Infinity', () => {
    for (const failedLoginsPerMinute of [0, -1, 2.5, Number.NaN])
      expect(() =>
        createScimConsole({
          basePath: '/console',
          credential: CONSOLE_TOKEN,
          failedLoginsPerMinute,
        }),
      ).toThrow(/failedLoginsPerMinute/);
    expect(() =>
      createScimConsole({
        basePath: '/console',
        credential: CONSOLE_TOKEN,
        failedLoginsPerMinute: Number.POSITIVE_INFINITY,
      }),
    ).not.toThrow();
  });
});
