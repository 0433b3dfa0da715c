// The `scim` command line run in process: arguments, help, exit codes, progress on a terminal and in
// CI, the --json and --junit files, and Ctrl-C.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain as main } from '../src/lib/main.js';
import { processIo, type CliIo, type Signal } from '../src/lib/io.js';
import { BROKEN_TOKEN, createBrokenServer, type Bug } from './fixtures/broken-server.js';

const BASE = 'http://127.0.0.1/scim/v2';

interface Fake {
  readonly io: CliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exits: number[];
  /** Sends a signal to the command, as Ctrl-C would. */
  readonly signal: (signal: Signal) => void;
}

function fake(
  options: {
    bugs?: Bug[];
    tty?: boolean;
    env?: Record<string, string>;
    fetch?: CliIo['fetch'];
    writeFile?: CliIo['writeFile'];
  } = {},
): Fake {
  let out = '';
  let err = '';
  const exits: number[] = [];
  let handler: ((signal: Signal) => void) | undefined;
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text), isTTY: false },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty === true, columns: 60 },
    env: options.env ?? {},
    version: '1.2.3',
    onSignal: (h) => {
      handler = h;
      return () => (handler = undefined);
    },
    exit: (code) => void exits.push(code),
    writeFile: options.writeFile ?? (() => Promise.reject(new Error('no files in this test'))),
    fetch: options.fetch ?? createBrokenServer(options.bugs ?? []).fetch,
  };
  return { io, stdout: () => out, stderr: () => err, exits, signal: (s) => handler?.(s) };
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const check = (...args: string[]) => ['check', BASE, '--token', BROKEN_TOKEN, ...args];

describe('scim: arguments, help and exit codes', () => {
  it('--version prints the version; --help the commands; no command is a usage error (2)', async () => {
    const version = fake();
    expect(await main(['--version'], version.io)).toBe(0);
    expect(version.stdout()).toBe('1.2.3\n');
    const help = fake();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/Usage: scim <command> \[options\]/);
    expect(help.stdout()).toMatch(/check <base-url> +Check a server/);
    const none = fake();
    expect(await main([], none.io)).toBe(2);
    expect(none.stderr()).toMatch(/Usage: scim/);
  });

  it('scim help check and scim check --help print the check options', async () => {
    for (const argv of [
      ['help', 'check'],
      ['check', '--help'],
    ]) {
      const run = fake();
      expect(await main(argv, run.io)).toBe(0);
      expect(run.stdout()).toMatch(/Usage: scim check <base-url> \[options\]/);
      expect(run.stdout()).toMatch(/--junit <file>/);
    }
  });

  it('an unknown command or option, and each usage error of check, exit 2 with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['--frob'], /unknown option --frob/],
      [['check'], /the base URL is missing/],
      [['check', 'ftp://x/scim'], /ftp:\/\/x\/scim is not an http:\/\/ or https:\/\/ URL/],
      [['check', BASE, '--profile', 'azure'], /unknown profile azure; use rfc, entra, okta or all/],
      [['check', BASE, '--timeout', 'soon'], /--timeout soon: expected a number of seconds/],
      [['check', BASE, '--header', 'nocolon'], /--header nocolon: expected name:value/],
      [['check', BASE, '--tokn', 'x'], /Unknown option '--tokn'/],
    ];
    for (const [argv, message] of cases) {
      const run = fake();
      expect(await main(argv, run.io), argv.join(' ')).toBe(2);
      expect(run.stderr()).toMatch(message);
    }
  });
});

describe('scim check', { timeout: 30_000 }, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scim-check-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exits 0 when every required check passed, the report on stdout, plain progress lines on a pipe', async () => {
    const run = fake();
    expect(await main(check(), run.io)).toBe(0);
    expect(run.stdout()).toMatch(/^scim check http:\/\/127\.0\.0\.1\/scim\/v2 \(profile rfc\)\n/);
    expect(run.stdout()).toMatch(/Result: {2}every required check passed\n$/);
    expect(run.stderr()).toMatch(
      /^Running 20 checks\npass P-DISC-01 ServiceProviderConfig is a single object \(\d+ ms\)\n/,
    );
    expect(run.stderr()).toMatch(/\nDeleting the \d+ users and groups created\n$/);
    expect(run.stderr()).not.toContain('\r');
  });

  it('exits 1 when a required check failed, and writes --json and --junit (creating their folder)', async () => {
    const run = fake({ bugs: ['missing-400'], writeFile: processIo('x').writeFile });
    const json = join(dir, 'reports', 'scim.json');
    const junit = join(dir, 'reports', 'scim.xml');
    expect(await main(check('--json', json, '--junit', junit), run.io)).toBe(1);
    const report = JSON.parse(await readFile(json, 'utf8')) as {
      ok: boolean;
      summary: { failed: number };
    };
    // An unknown id answered 400: a GET, a PUT and a GET after DELETE find it.
    expect(report).toMatchObject({ ok: false, summary: { failed: 3 } });
    expect(await readFile(junit, 'utf8')).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="scim check" tests="20" failures="3"/,
    );
    expect(run.stdout()).toMatch(/FAIL P-CRUD-08/);
  });

  it('--json - puts the JSON on stdout and the text report on stderr; --quiet shows no progress', async () => {
    const run = fake();
    expect(await main(check('--json', '-', '--quiet'), run.io)).toBe(0);
    expect(JSON.parse(run.stdout())).toMatchObject({ reportVersion: 1, ok: true });
    expect(run.stderr()).toMatch(/^scim check http/);
  });

  it('on a terminal, progress is one line rewritten in place, never wider than the terminal', async () => {
    const run = fake({ tty: true });
    expect(await main(check(), run.io)).toBe(0);
    const updates = run
      .stderr()
      .split('\r\u001b[2K')
      .filter((update) => update !== '');
    expect(updates.length).toBeGreaterThan(20);
    expect(
      updates.some((update) => /^\[ ?\d+\/20\] \d+ passed, 0 failed, 0 skipped/.test(update)),
    ).toBe(true);
    for (const update of updates) expect(update.length).toBeLessThanOrEqual(59);
    expect(run.stderr()).not.toContain('\n');
  });

  it('in CI (the CI variable set), progress is plain lines even on a terminal', async () => {
    const run = fake({ tty: true, env: { CI: 'true' } });
    expect(await main(check(), run.io)).toBe(0);
    expect(run.stderr()).toMatch(/^Running 20 checks\npass P-DISC-01/);
  });

  it('takes the token from SCIM_TOKEN when --token is not given', async () => {
    const run = fake({ env: { SCIM_TOKEN: BROKEN_TOKEN } });
    expect(await main(['check', BASE, '--quiet'], run.io)).toBe(0);
  });

  it('exits 2 when the server refuses the token, and when it cannot be reached', async () => {
    const refused = fake();
    expect(await main(['check', BASE, '--token', 'wrong', '--quiet'], refused.io)).toBe(2);
    expect(refused.stdout()).toMatch(
      /ERROR the server refused the credentials: GET \/Users answered 401\. Check --token/,
    );
    const closed = await freePort();
    const unreachable = fake({ fetch: (request) => globalThis.fetch(request) });
    expect(
      await main(['check', `http://127.0.0.1:${closed}/scim/v2`, '--quiet'], unreachable.io),
    ).toBe(2);
    expect(unreachable.stdout()).toContain(
      `ERROR could not reach http://127.0.0.1:${closed}/scim/v2: fetch failed (ECONNREFUSED)`,
    );
  });

  it('Ctrl-C stops after the request in flight, deletes what was created, and exits 130; a second Ctrl-C exits at once', async () => {
    const server = createBrokenServer([]);
    let creates = 0;
    const run: Fake = fake({
      fetch: async (request) => {
        const response = await server.fetch(request);
        if (request.method === 'POST' && response.status === 201 && ++creates === 2) {
          run.signal('SIGINT');
          run.signal('SIGINT');
        }
        return response;
      },
    });
    expect(await main(check('--quiet'), run.io)).toBe(130);
    expect(run.stderr()).toMatch(
      /SIGINT: stopping after the request in flight, then deleting the users and groups created so far \(Ctrl-C again to stop at once\)/,
    );
    expect(run.exits).toEqual([130]);
    expect(run.stdout()).toMatch(/Result: {2}interrupted/);
    expect(run.stdout()).toMatch(/Cleanup: none of the 2 users and groups created is left/);
  });
});
