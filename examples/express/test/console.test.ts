// The example's provisioning console (issue 17): with SCIM_CONSOLE_TOKEN set, /console serves the
// console behind that token (bearer or login form); without it, there is no /console at all.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hashBearerToken } from '@scim/server';
import { createApp } from '../app.mjs';
import { consoleTokenFromEnv } from '../console.mjs';

const SCIM_TOKEN = 'exampleScimToken0123456789abcdefghijklmnop';
const CONSOLE_TOKEN = 'exampleConsoleToken0123456789abcdefghijklm';
const PASSWORD = 'Plaintext-Password-Never-Shown-1';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running !== undefined)
    await new Promise<void>((resolve) => {
      running.closeAllConnections();
      running.close(() => resolve());
    });
});

async function start(consoleToken: string | undefined, lines: string[] = []) {
  const app = createApp({
    tokens: [await hashBearerToken(SCIM_TOKEN)],
    consoleToken,
    baseUrl: 'http://127.0.0.1/scim/v2',
    log: (line) => lines.push(line),
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

describe('examples/express console with SCIM_CONSOLE_TOKEN', () => {
  it('is off without SCIM_CONSOLE_TOKEN: /console is a 404 whatever the credential', async () => {
    const origin = await start(undefined);
    const reply = await fetch(`${origin}/console/api/requests`, {
      headers: { authorization: `Bearer ${CONSOLE_TOKEN}` },
    });
    expect(reply.status).toBe(404);
    expect(consoleTokenFromEnv({})).toBeUndefined();
    expect(consoleTokenFromEnv({ SCIM_CONSOLE_TOKEN: '' })).toBeUndefined();
  });

  it('refuses a short SCIM_CONSOLE_TOKEN, or one equal to the SCIM token, at start-up', () => {
    expect(() => consoleTokenFromEnv({ SCIM_CONSOLE_TOKEN: 'short' })).toThrow(/32/);
    expect(() => consoleTokenFromEnv({ SCIM_CONSOLE_TOKEN: SCIM_TOKEN, SCIM_TOKEN })).toThrow(
      /differ/,
    );
    expect(consoleTokenFromEnv({ SCIM_CONSOLE_TOKEN: CONSOLE_TOKEN })).toBe(CONSOLE_TOKEN);
  });

  it('RFC 6750 §2.1: takes the console token as a bearer token and lists SCIM requests, the password redacted', async () => {
    const lines: string[] = [];
    const origin = await start(CONSOLE_TOKEN, lines);
    const created = await fetch(`${origin}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [USER], userName: 'bjensen', password: PASSWORD }),
    });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${CONSOLE_TOKEN}` };
    const list = (await (
      await fetch(`${origin}/console/api/requests`, { headers: auth })
    ).json()) as {
      requests: { seq: number; method: string; path: string; status: number; dialect: string }[];
    };
    expect(list.requests[0]).toMatchObject({
      method: 'POST',
      path: '/scim/v2/Users',
      status: 201,
      dialect: 'default',
    });
    const detail = await (
      await fetch(`${origin}/console/api/requests/${list.requests[0]?.seq ?? 0}`, { headers: auth })
    ).text();
    expect(detail).toContain('bjensen');
    expect(detail).toContain('[redacted]');
    for (const secret of [PASSWORD, SCIM_TOKEN, CONSOLE_TOKEN])
      expect(detail).not.toContain(secret);
    // The terminal log keeps its one line per request: bodies only with SCIM_DEBUG=1.
    expect(lines.join('\n')).not.toContain('bjensen');
    expect(
      (
        await fetch(`${origin}/console/api/requests`, {
          headers: { authorization: `Bearer ${SCIM_TOKEN}` },
        })
      ).status,
    ).toBe(401);
  });

  it('logs in through the form: a signed session cookie through Express, then the page', async () => {
    const origin = await start(CONSOLE_TOKEN);
    const login = await fetch(`${origin}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ credential: CONSOLE_TOKEN }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(CONSOLE_TOKEN);
    const page = await fetch(`${origin}/console/`, {
      headers: { cookie: cookie.split(';')[0] ?? '' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('SCIM console');
  });

  it('RFC 7644 §3.4.2.2: the resources view searches the stored users through SCIM, never showing a password', async () => {
    const origin = await start(CONSOLE_TOKEN);
    for (const userName of ['bjensen', 'jsmith'])
      await fetch(`${origin}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [USER], userName, password: PASSWORD }),
      });
    const auth = { authorization: `Bearer ${CONSOLE_TOKEN}` };
    const found = await fetch(
      `${origin}/console/api/resources?type=User&filter=${encodeURIComponent('userName eq "jsmith"')}`,
      { headers: auth },
    );
    expect(found.status).toBe(200);
    const text = await found.text();
    const body = JSON.parse(text) as { resources: { userName: string }[] };
    expect(body.resources.map((user) => user.userName)).toEqual(['jsmith']);
    expect(text).not.toContain(PASSWORD);
    const refused = await fetch(
      `${origin}/console/api/resources?type=User&filter=${encodeURIComponent('userName zz "x"')}`,
      { headers: auth },
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { scimType: 'invalidFilter' } });
    // The console's own searches are not SCIM traffic: they stay out of the live requests.
    const list = (await (
      await fetch(`${origin}/console/api/requests`, { headers: auth })
    ).json()) as { requests: { method: string }[] };
    expect(list.requests.map((request) => request.method)).toEqual(['POST', 'POST']);
  });

  it('RFC 9110 §7.2 (Host is authority syntax): a Host that makes no URL is 400 with a plain reason, no stack, before any credential', async () => {
    const origin = await start(CONSOLE_TOKEN);
    const port = Number(new URL(origin).port);
    for (const host of ['a b', 'x@y', '[::1', 'exa mple.com:99999']) {
      const answer = await rawRequest(
        port,
        `GET /console/login HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.split('\r\n')[0], host).toBe('HTTP/1.1 400 Bad Request');
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(JSON.parse(body), host).toEqual({
        status: 400,
        detail: "The request's Host header or URL is malformed",
      });
    }
  });
});

/** One HTTP/1.1 exchange written by hand, so the Host header is exactly what the test says. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
