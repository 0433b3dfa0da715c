// scim get|list|create|replace|patch|delete, run in process against a createScimHandler server
// (memory storage, a bearer token): JSON from a file or stdin, --filter and --attributes, list --all
// over index pages and RFC 9865 cursors, the deprovisioning PATCH, error answers and their exit
// codes, bad arguments, and a token that never shows in the output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN } from '@scim/core';
import { runMain as main } from '../src/lib/main.js';
import { BROKEN_TOKEN, createBrokenServer, type Bug } from './fixtures/broken-server.js';
import { fakeIo } from './fixtures/fake-io.js';
import { serve } from './fixtures/serve.js';

const BASE = 'http://127.0.0.1/scim/v2';
const AUTH = ['--token', BROKEN_TOKEN];

interface Server {
  readonly fetch: (request: Request) => Promise<Response>;
  /** The URLs requested, in order. */
  readonly urls: string[];
  /** The JSON bodies sent, in order. */
  readonly bodies: unknown[];
  /** Runs `scim <argv>` against this server. */
  run(
    argv: string[],
    options?: { stdin?: string; files?: Record<string, string>; env?: Record<string, string> },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

function server(bugs: Bug[] = [], options: Parameters<typeof createBrokenServer>[1] = {}): Server {
  const inner = createBrokenServer(bugs, options);
  const urls: string[] = [];
  const bodies: unknown[] = [];
  const fetch = async (request: Request) => {
    urls.push(`${request.method} ${decodeURIComponent(request.url.slice(BASE.length))}`);
    const text = await request.clone().text();
    if (text !== '') bodies.push(JSON.parse(text));
    return inner.fetch(request);
  };
  return {
    fetch,
    urls,
    bodies,
    async run(argv, extra = {}) {
      const fake = fakeIo({ fetch, ...extra });
      const code = await main(argv, fake.io);
      return { code, stdout: fake.stdout(), stderr: fake.stderr() };
    },
  };
}

const user = (userName: string, more: Record<string, unknown> = {}) =>
  JSON.stringify({ schemas: [USER_SCHEMA_URN], userName, ...more });

async function createUser(scim: Server, userName: string, more: Record<string, unknown> = {}) {
  const { code, stdout, stderr } = await scim.run(['create', BASE, 'Users', ...AUTH], {
    stdin: user(userName, more),
  });
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { id: string; meta: { version?: string } } & Record<string, unknown>;
}

describe('scim create (RFC 7644 §3.3)', () => {
  it('sends the JSON of --data <file> as it is and prints the created resource on one line when piped', async () => {
    const scim = server();
    const result = await scim.run(['create', BASE, 'Users', '--data', 'bjensen.json', ...AUTH], {
      files: { 'bjensen.json': user('bjensen', { active: true }) },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\{"schemas":.*\}\n$/);
    expect(JSON.parse(result.stdout)).toMatchObject({ userName: 'bjensen', active: true });
    expect(scim.urls).toEqual(['POST /Users']);
  });

  it('reads stdin with --data -, and without --data when stdin is piped; --pretty indents', async () => {
    const scim = server();
    const dash = await scim.run(['create', BASE, 'Users', '--data', '-', '--pretty', ...AUTH], {
      stdin: user('piped-1'),
    });
    expect(dash.code, dash.stderr).toBe(0);
    expect(dash.stdout).toMatch(/^\{\n {2}"schemas": \[/);
    const implicit = await scim.run(['create', BASE, 'Users', '--output', 'id', ...AUTH], {
      stdin: user('piped-2'),
    });
    expect(implicit.code, implicit.stderr).toBe(0);
    expect(implicit.stdout).toMatch(/^[\w-]+\n$/);
  });

  it('RFC 7643 §7 (password returned "never"): a password the server echoes is printed [redacted]', async () => {
    const scim = server(['password-echo']);
    const result = await scim.run(['create', BASE, 'Users', ...AUTH], {
      stdin: user('echoed', { password: 'hunter2-secret' }),
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ password: '[redacted]' });
    expect(result.stdout).not.toContain('hunter2-secret');
  });

  it('P-CRUD-05 (uniqueness → 409): a taken userName exits 1 with the status, scimType and detail on stderr', async () => {
    const scim = server();
    await createUser(scim, 'taken');
    const again = await scim.run(['create', BASE, 'Users', ...AUTH], { stdin: user('taken') });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^scim create: the server answered 409 uniqueness: .+\n {2}POST http:\/\/127\.0\.0\.1\/scim\/v2\/Users\n$/,
    );
  });

  it('sends no "schemas" it was not given; a 400 then says that "schemas" is missing', async () => {
    const scim = server();
    const result = await scim.run(['create', BASE, 'Users', ...AUTH], {
      stdin: '{"userName":"no-schemas"}',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/answered 400/);
    expect(result.stderr).toContain(
      `Hint: the JSON has no "schemas"; a SCIM resource names its schemas (RFC 7643 §3), such as {"schemas":["${USER_SCHEMA_URN}"]}`,
    );
  });
});

describe('scim get and list (RFC 7644 §3.4)', () => {
  it('get prints the resource; --attributes asks for those only (RFC 7644 §3.9); Users/<id> works too', async () => {
    const scim = server();
    const { id } = await createUser(scim, 'reader', { displayName: 'Reader', active: true });
    const full = await scim.run(['get', BASE, 'Users', id, ...AUTH]);
    expect(full.code, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({ id, userName: 'reader', active: true });
    const some = await scim.run(['get', BASE, `Users/${id}`, '--attributes', 'userName', ...AUTH]);
    expect(some.code, some.stderr).toBe(0);
    const body = JSON.parse(some.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ id, userName: 'reader' });
    expect(body).not.toHaveProperty('displayName');
    expect(scim.urls.at(-1)).toBe(`GET /Users/${id}?attributes=userName`);
  });

  it('P-CRUD-08 (unknown id → 404): get exits 1 and prints the status and detail', async () => {
    const result = await server().run(['get', BASE, 'Users', 'no-such-id', ...AUTH]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^scim get: the server answered 404: .*no-such-id/);
  });

  it("list --filter --attributes prints the server's ListResponse with the matches only", async () => {
    const scim = server();
    for (const name of ['ann', 'anna', 'bob']) await createUser(scim, name, { title: 'x' });
    const result = await scim.run([
      'list',
      BASE,
      'users',
      '--filter',
      'userName sw "ann"',
      '--attributes',
      'userName',
      ...AUTH,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as { totalResults: number; Resources: object[] };
    expect(body.totalResults).toBe(2);
    expect(body.Resources.map((r) => (r as { userName: string }).userName).sort()).toEqual([
      'ann',
      'anna',
    ]);
    for (const resource of body.Resources) expect(resource).not.toHaveProperty('title');
  });

  it('P-FILTER-02 (bad filter → 400 invalidFilter): list exits 1 with the scimType', async () => {
    const result = await server().run(['list', BASE, 'Users', '--filter', 'userName eq', ...AUTH]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^scim list: the server answered 400 invalidFilter/);
  });

  it('list --all walks RFC 9865 cursors when the server advertises them: one ListResponse of every page', async () => {
    const scim = server();
    for (let n = 0; n < 7; n++) await createUser(scim, `paged-${n}`);
    scim.urls.length = 0;
    const result = await scim.run(['list', BASE, 'Users', '--all', '--count', '3', ...AUTH]);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as { totalResults: number; Resources: object[] };
    expect(body.totalResults).toBe(7);
    expect(new Set(body.Resources.map((r) => (r as { id: string }).id)).size).toBe(7);
    const pages = scim.urls.filter((url) => url.startsWith('GET /Users?'));
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatch(/cursor=(&|$)/);
    expect(pages[1]).toMatch(/cursor=[^&]+/);
  });

  it('list --all pages by index when cursors are off; --output ndjson prints one resource a line', async () => {
    const scim = server([], { pagination: { cursor: false } });
    for (let n = 0; n < 5; n++) await createUser(scim, `indexed-${n}`);
    scim.urls.length = 0;
    const result = await scim.run([
      'list',
      BASE,
      'Users',
      '--all',
      '--count',
      '2',
      '--output',
      'ndjson',
      ...AUTH,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('userName');
    expect(scim.urls.filter((url) => url.startsWith('GET /Users?'))).toEqual([
      'GET /Users?startIndex=1&count=2',
      'GET /Users?startIndex=3&count=2',
      'GET /Users?startIndex=5&count=2',
    ]);
  });
});

describe('scim patch, replace and delete (RFC 7644 §3.5, §3.6)', () => {
  it('deprovisioning: patch --op replace:active=false sends a PatchOp and prints the user, now inactive', async () => {
    const scim = server();
    const { id } = await createUser(scim, 'leaver', { active: true });
    const result = await scim.run([
      'patch',
      BASE,
      'Users',
      id,
      '--op',
      'replace:active=false',
      ...AUTH,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id, active: false });
    expect(scim.bodies.at(-1)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    const read = await scim.run(['get', BASE, 'Users', id, ...AUTH]);
    expect(JSON.parse(read.stdout)).toMatchObject({ active: false });
  });

  it('patch --data - takes a bare Operations list from stdin; --op values that are not JSON are text', async () => {
    const scim = server();
    const { id } = await createUser(scim, 'renamed');
    const piped = await scim.run(['patch', BASE, 'Users', id, '--data', '-', ...AUTH], {
      stdin: '[{"op":"replace","path":"displayName","value":"Barbara"}]',
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ displayName: 'Barbara' });
    const text = await scim.run([
      'patch',
      BASE,
      'Users',
      id,
      '--op',
      'replace:title=Head of sales',
      '--op',
      'add:emails=[{"value":"r@example.com","type":"work"}]',
      ...AUTH,
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(JSON.parse(text.stdout)).toMatchObject({
      title: 'Head of sales',
      emails: [{ value: 'r@example.com', type: 'work' }],
    });
  });

  it('P-ETAG-06 (stale If-Match → 412): patch --if-match with an old version exits 1 with a hint', async () => {
    const scim = server();
    const created = await createUser(scim, 'versioned');
    const version = created.meta.version ?? '';
    expect(version).not.toBe('');
    await scim.run(['patch', BASE, 'Users', created.id, '--op', 'replace:title=a', ...AUTH]);
    const stale = await scim.run([
      'patch',
      BASE,
      'Users',
      created.id,
      '--op',
      'replace:title=b',
      '--if-match',
      version,
      ...AUTH,
    ]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/answered 412/);
    expect(stale.stderr).toMatch(/Hint: the resource changed since that version/);
  });

  it('replace PUTs the JSON, the id taken from it when not given', async () => {
    const scim = server();
    const created = await createUser(scim, 'whole', { title: 'old' });
    const result = await scim.run(['replace', BASE, 'Users', ...AUTH], {
      stdin: JSON.stringify({ ...created, title: 'new' }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: created.id, title: 'new' });
    expect(scim.urls.at(-1)).toBe(`PUT /Users/${created.id}`);
  });

  it('P-CRUD-13 (DELETE → 204, then 404): delete prints nothing and exits 0; a second delete exits 1', async () => {
    const scim = server();
    const { id } = await createUser(scim, 'gone');
    const result = await scim.run(['delete', BASE, 'Users', id, ...AUTH]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    const again = await scim.run(['delete', BASE, 'Users', id, ...AUTH]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/answered 404/);
  });
});

describe('scim resource commands: arguments, credentials and the network', () => {
  it("bad arguments exit 2 with the reason and the command's help, before any request", async () => {
    const cases: [string[], RegExp, { stdin?: string }?][] = [
      [['get', BASE], /the resource type is missing/],
      [['get', BASE, 'Users'], /the id is missing: scim get <base-url> Users <id>/],
      [['get', 'ftp://x', 'Users', '1'], /ftp:\/\/x is not an http:\/\/ or https:\/\/ URL/],
      [['list', BASE, 'Users', 'extra'], /unexpected argument extra/],
      [['list', BASE, 'Users', '--count', 'many'], /--count many: expected a whole number/],
      [
        ['list', BASE, 'Users', '--sort-order', 'up'],
        /--sort-order up: use ascending or descending/,
      ],
      [['list', BASE, 'Users', '--all', '--cursor', 'abc'], /--all starts at the first page/],
      [['get', BASE, 'Users', '1', '--filter', 'x'], /--filter is not an option of scim get/],
      [['delete', BASE, 'Users', '1', '--tokn', 'x'], /Unknown option '--tokn'/],
      [['create', BASE, 'Users'], /no JSON given: pass --data <file>/],
      [
        ['create', BASE, 'Users', '--data', 'missing.json'],
        /--data missing\.json: cannot read the file \(ENOENT\)/,
      ],
      [['create', BASE, 'Users'], /stdin is not JSON: /, { stdin: '{"userName":' }],
      [['patch', BASE, 'Users', '1'], /no operations: give --op/],
      [
        ['patch', BASE, 'Users', '1', '--op', 'set:active=false'],
        /--op set:active=false: expected add/,
      ],
      [['patch', BASE, 'Users', '1', '--op', 'replace:active'], /replace needs a value/],
      [['patch', BASE, 'Users', '1', '--op', 'replace:emails[type eq]=1'], /is not a PATCH path/],
    ];
    for (const [argv, message, extra] of cases) {
      const scim = server();
      const result = await scim.run([...argv, ...AUTH], extra);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(message);
      expect(scim.urls, argv.join(' ')).toEqual([]);
    }
  });

  it('scim <command> --help prints its usage; scim --help lists every command', async () => {
    const scim = server();
    const help = await scim.run(['list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: scim list <base-url> <type> \[options\]/);
    const all = await scim.run(['--help']);
    for (const command of ['get', 'list', 'create', 'replace', 'patch', 'delete'])
      expect(all.stdout).toMatch(new RegExp(`\\n {2}${command} <base-url> <type>`));
  });

  it('the token (from SCIM_TOKEN or --token) never appears, even when the server echoes it', async () => {
    const token = 'very-secret-token-42';
    const echo = (request: Request) =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
            status: '403',
            detail: `refused ${request.headers.get('authorization') ?? ''}`,
          }),
          { status: 403, headers: { 'content-type': 'application/scim+json' } },
        ),
      );
    for (const [argv, env] of [
      [['get', BASE, 'Users', '1'], { SCIM_TOKEN: token }],
      [['get', BASE, 'Users', '1', '--token', token], {}],
    ] as const) {
      const fake = fakeIo({ fetch: echo, env });
      expect(await main([...argv], fake.io)).toBe(2);
      expect(fake.stderr()).toContain('answered 403: refused Bearer [redacted]');
      expect(fake.stdout() + fake.stderr()).not.toContain(token);
    }
  });

  it('a refused token (401) exits 2 with a hint; an unreachable server exits 2 saying so', async () => {
    const refused = await server().run(['get', BASE, 'Users', '1', '--token', 'wrong']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/answered 401.*\n.*\n {2}Hint: the server refused the token/);
    const none = await server().run(['get', BASE, 'Users', '1']);
    expect(none.stderr).toMatch(/Hint: no token was sent: pass --token or set SCIM_TOKEN/);
    const down = fakeIo({
      fetch: () =>
        Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
    });
    expect(await main(['delete', BASE, 'Users', '1', '--token', 'x'], down.io)).toBe(2);
    expect(down.stderr()).toBe(
      `scim delete: could not reach ${BASE}/Users/1: fetch failed (ECONNREFUSED)\n`,
    );
  });
});

describe('scim as a process, through bin/scim.mjs', () => {
  const bin = fileURLToPath(new URL('../bin/scim.mjs', import.meta.url));

  function scim(args: string[], stdin?: string) {
    const { SCIM_TOKEN: _token, ...env } = process.env;
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...env, SCIM_TOKEN: BROKEN_TOKEN },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    // Piped stdin: the JSON, or nothing (closed at once).
    child.stdin.end(stdin ?? '');
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
  }

  it('creates from piped stdin, finds, deprovisions and deletes the user; the token never shows', async () => {
    const server = await serve(createBrokenServer().fetch);
    try {
      const created = await scim(
        ['create', server.baseUrl, 'Users'],
        user('piped', { active: true }),
      );
      expect(created.code, created.stderr).toBe(0);
      // Piped: one line of JSON.
      expect(created.stdout).toMatch(/^\{.*"userName":"piped".*\}\n$/);
      const { id } = JSON.parse(created.stdout) as { id: string };
      const found = await scim([
        'list',
        server.baseUrl,
        'Users',
        '--filter',
        'userName eq "piped"',
        '--output',
        'id',
      ]);
      expect(found).toMatchObject({ code: 0, stdout: `${id}\n` });
      const patched = await scim([
        'patch',
        server.baseUrl,
        'Users',
        id,
        '--op',
        'replace:active=false',
      ]);
      expect(JSON.parse(patched.stdout)).toMatchObject({ id, active: false });
      expect(await scim(['delete', server.baseUrl, 'Users', id])).toMatchObject({
        code: 0,
        stdout: '',
      });
      const gone = await scim(['get', server.baseUrl, 'Users', id]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/^scim get: the server answered 404/);
      for (const run of [created, found, patched, gone])
        expect(run.stdout + run.stderr).not.toContain(BROKEN_TOKEN);
    } finally {
      await server.close();
    }
  }, 60_000);
});
