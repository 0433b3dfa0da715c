// `scim` as a real process, started through bin/scim.mjs as `npx scim` starts it (from source, no
// build): against the Express example started as `npm start` starts it, against the broken server,
// and interrupted with SIGINT, after which nothing the check created is left on the server.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExample,
  type ExampleProcess,
} from '../../../examples/express/test/example-process.ts';
import { BROKEN_TOKEN, createBrokenServer } from './fixtures/broken-server.js';
import { serve } from './fixtures/serve.js';
import { parseXml } from './fixtures/xml.js';

const bin = fileURLToPath(new URL('../bin/scim.mjs', import.meta.url));
const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

interface Run {
  readonly code: Promise<number | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly kill: (signal: NodeJS.Signals) => void;
}

function scim(args: readonly string[]): Run {
  const { SCIM_TOKEN: _token, ...env } = process.env;
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (data: Buffer) => (out += data.toString()));
  child.stderr.on('data', (data: Buffer) => (err += data.toString()));
  return {
    code: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    kill: (signal) => child.kill(signal),
  };
}

describe('scim as a process', () => {
  it('--version prints the version of package.json', async () => {
    const run = scim(['--version']);
    expect(await run.code).toBe(0);
    expect(run.stdout()).toBe(`${version}\n`);
  }, 60_000);

  describe('against examples/express as npm start runs it', () => {
    let example: ExampleProcess;
    beforeAll(async () => {
      example = await startExample('express', 'process-token');
    }, 60_000);
    afterAll(() => {
      example.child.kill('SIGKILL');
    });

    it('exits 0 and says every required check passed', async () => {
      const run = scim(['check', example.baseUrl, '--token', 'process-token']);
      expect(await run.code, run.stderr()).toBe(0);
      expect(run.stdout()).toMatch(/Result: {2}every required check passed\n$/);
      expect(run.stderr()).toMatch(/^Running 20 checks\n/);
    }, 60_000);
  });

  describe('against the broken server over HTTP', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'scim-process-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('exits 1, names the failure and writes a JUnit file CI can read', async () => {
      const server = await serve(createBrokenServer(['delete-200']).fetch);
      try {
        const junit = join(dir, 'scim.xml');
        const run = scim(['check', server.baseUrl, '--token', BROKEN_TOKEN, '--junit', junit]);
        expect(await run.code).toBe(1);
        expect(run.stdout()).toMatch(/FAIL P-CRUD-13 .*\n.*\n {2}Breaks: {3}RFC 7644 §3\.6/);
        const failures = parseXml(await readFile(junit, 'utf8')).filter(
          (e) => e.name === 'failure',
        );
        expect(failures.map((e) => e.attributes.type)).toEqual(['RFC 7644 §3.6']);
      } finally {
        await server.close();
      }
    }, 60_000);

    it('on SIGINT stops, deletes the users and groups it created, and exits 130', async () => {
      const broken = createBrokenServer([]);
      // Slow answers, so that the signal comes in the middle of the run.
      const server = await serve(broken.fetch, 40);
      try {
        const run = scim(['check', server.baseUrl, '--token', BROKEN_TOKEN]);
        await new Promise<void>((resolve) => {
          const wait = setInterval(() => {
            if (!/pass P-FILTER-08/.test(run.stderr())) return;
            clearInterval(wait);
            resolve();
          }, 20);
        });
        const users = async () => {
          const response = await fetch(`${server.baseUrl}/Users?count=0`, {
            headers: { authorization: `Bearer ${BROKEN_TOKEN}` },
          });
          return ((await response.json()) as { totalResults: number }).totalResults;
        };
        expect(await users()).toBeGreaterThan(0);
        run.kill('SIGINT');
        expect(await run.code).toBe(130);
        expect(run.stderr()).toContain('SIGINT: stopping after the request in flight');
        expect(run.stdout()).toMatch(/Cleanup: none of the \d+ users and groups created is left/);
        expect(run.stdout()).toMatch(/Result: {2}interrupted\n$/);
        expect(await users()).toBe(0);
      } finally {
        await server.close();
      }
    }, 60_000);
  });
});
