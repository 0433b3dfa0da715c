// The console benchmark's request mix and its variants (bench/console.mjs times them side by side;
// bench/lib/counted-mixes.mjs runs them under cachegrind, one process per variant).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScimConsole } from '../../packages/console/dist/index.js';
import { createScimHandler } from '../../packages/server/dist/index.js';
import { createMemoryStorage } from '../../packages/server/dist/memory.js';
import { createSqlStorage, migrate, openDatabase } from '../../packages/sql/dist/index.js';
import { createClient } from './load.mjs';

/**
 * The variants run by default, "plain" (the baseline) first: those the targets judge, and "plain
 * again" for the noise. "debug", "short" and "nobodies" read "on" when named in `--variants`.
 */
export const CONSOLE_VARIANTS = ['plain', 'plain again', 'off', 'on'];

export const SEEDED = 1000;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BASE = 'https://scim.example.com/scim/v2';

/** What an application passes when the console is on, and nothing when it is off. */
function consoleOptions(scimConsole) {
  return scimConsole === undefined ? {} : { debug: true, log: scimConsole.record };
}

/**
 * Ids numbered in order, the same in every variant and every run: with random ids, the 1,000 stored
 * users sit differently in the storage's maps and indexes from one process to the next, and two
 * identical handlers counted 3 % to 13 % apart.
 */
function numberedIds() {
  let next = 0;
  return () => `00000000-0000-4000-8000-${(next++).toString(16).padStart(12, '0')}`;
}

/**
 * The storage of one variant: `memory` (the default, where a request costs least and so anything
 * added to it shows most), or `sqlite`, a SQLite file of its own in WAL mode, as an application
 * that keeps its users in a database has. `close` removes the file.
 */
export async function openBenchStorage(store = 'memory') {
  if (store === 'memory') return { storage: createMemoryStorage(), close: async () => {} };
  if (store !== 'sqlite') throw new Error(`no store "${store}" (memory or sqlite)`);
  const folder = await mkdtemp(join(tmpdir(), 'scim-bench-'));
  const database = await openDatabase(`sqlite:${join(folder, 'scim.db')}`);
  await migrate(database.db);
  return {
    storage: createSqlStorage({ db: database.db }),
    close: async () => {
      await database.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** The handler of a variant over `storage`: what an application makes, with the console or without. */
export function makeHandler(variant, storage) {
  const base = {
    ...storage,
    authenticate: () => ({ principal: 'bench' }),
    generateId: numberedIds(),
  };
  if (variant === 'plain' || variant === 'plain again') return createScimHandler(base);
  if (variant === 'debug') {
    // The log keeps the last record, as any real log keeps what it is given. One that does nothing
    // with it lets V8 inline it and never make the record at all (escape analysis): such a
    // "debug" read 2 to 4 points below a log that keeps the record, and below "on".
    const kept = { record: undefined, text: undefined };
    return createScimHandler({
      ...base,
      debug: true,
      log: (record, text) => {
        kept.record = record;
        kept.text = text;
      },
    });
  }
  // For reading "on" too: "short", "on" with a history of one request, so that nothing it keeps
  // outlives the next (beside "on", what keeping 500 requests costs); "nobodies", "on" keeping no
  // bodies (`maxBodyBytes: 0`: what keeping the bodies costs).
  const scimConsole =
    variant === 'on' || variant === 'short' || variant === 'nobodies'
      ? createScimConsole({
          basePath: '/console',
          credential: 'bench-console-credential-0123',
          ...(variant === 'short' ? { historySize: 1 } : {}),
          ...(variant === 'nobodies' ? { maxBodyBytes: 0 } : {}),
        })
      : undefined;
  return createScimHandler({ ...base, ...consoleOptions(scimConsole) });
}

function caller(handler) {
  return async (method, path, body) => {
    const response = await handler.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: { 'content-type': 'application/scim+json', authorization: 'Bearer bench' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

const userOf = (name) => ({
  schemas: [USER],
  userName: name,
  active: true,
  name: { givenName: 'Barbara', familyName: `Jensen ${name}` },
  emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
  title: 'Tour Guide',
});

/**
 * A handler of the variant over its own storage, seeded with `SEEDED` users; `work` runs one mix
 * (GET by id, filter query, POST, PATCH, DELETE) and counts wrong answers.
 */
export async function setUpConsoleVariant(variant, store = 'memory') {
  const opened = await openBenchStorage(store);
  const handler = makeHandler(variant, opened.storage);
  const mix = await seededMix(variant, caller(handler));
  return {
    ...mix,
    handler,
    close: async () => {
      await handler.close();
      await opened.close();
    },
  };
}

/**
 * Seeds `SEEDED` users through `call` (in process or over HTTP), then `work` runs one mix (GET by
 * id, filter query, POST, PATCH, DELETE) and counts wrong answers.
 */
export async function seededMix(variant, call) {
  const ids = [];
  for (let index = 0; index < SEEDED; index++) {
    const created = await call('POST', '/Users', userOf(`user${index}`));
    if (created.status !== 201) throw new Error(`${variant}: seeding answered ${created.status}`);
    ids.push(created.body.id);
  }
  let next = 0;
  let wrong = 0;
  const work = async () => {
    const k = next++;
    const pick = (k * 7919) % SEEDED;
    const got = await call('GET', `/Users/${ids[pick]}`);
    const filter = encodeURIComponent(`userName eq "user${(pick * 31) % SEEDED}"`);
    const found = await call('GET', `/Users?filter=${filter}`);
    // The same names in every variant (each has its own storage): counted, two variants then
    // allocate alike to the byte wherever their code is alike.
    const created = await call('POST', '/Users', userOf(`mix${k}`));
    const patched = await call('PATCH', `/Users/${created.body?.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'title', value: 'Lead Guide' }],
    });
    const deleted = await call('DELETE', `/Users/${created.body?.id}`);
    const right =
      got.status === 200 &&
      found.status === 200 &&
      found.body.totalResults === 1 &&
      created.status === 201 &&
      patched.status === 200 &&
      deleted.status === 204;
    if (!right) wrong++;
  };
  return { variant, work, wrong: () => wrong };
}

/** Sends `message` to `child` and resolves to its next message; rejects if it exits first. */
function ask(child, message) {
  return new Promise((resolve, reject) => {
    const exited = (code) => reject(new Error(`a console bench child exited with ${code}`));
    child.once('exit', exited);
    child.once('message', (reply) => {
      child.off('exit', exited);
      resolve(reply);
    });
    if (message !== undefined) child.send(message);
  });
}

/**
 * The variants in process, in a child process of their own (lib/console-timed-child.mjs), made in
 * the order given, each over a storage of its own. Each setup's `slice(ms, concurrency)` runs its
 * mixes there for `ms` and resolves to their mixes per second and wall and CPU µs per mix; `close`
 * ends the child and resolves to the wrong answers by variant.
 */
export async function setUpTimedVariants(variants, store = 'memory') {
  const child = fork(new URL('./console-timed-child.mjs', import.meta.url), [store, ...variants], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await ask(child);
  return {
    setups: variants.map((variant) => ({
      variant,
      slice: async (ms, concurrency) => (await ask(child, { slice: variant, ms, concurrency })).run,
    })),
    close: async () => {
      const { wrong } = await ask(child, { close: true });
      await once(child, 'exit');
      return wrong;
    },
  };
}

/**
 * The variants served over HTTP from one child process (lib/console-server-child.mjs), each on a
 * port of its own through `server` (`hono`: @hono/node-server, as the Hono example; `express`:
 * @scim/express in an Express app), each over a storage of its own (`store`: `memory` or
 * `sqlite`), made in the order given; the mixes go through a keep-alive agent from this process.
 * Each setup's `slice(ms, concurrency)` runs its mixes for `ms` and resolves to their mixes per
 * second, wall µs per mix and the child's CPU µs per mix (the child serves one variant at a
 * time); `close` ends the child and resolves to the wrong answers by variant.
 */
export async function setUpServedVariants(variants, server, store = 'memory') {
  const child = fork(
    new URL('./console-server-child.mjs', import.meta.url),
    [server, store, ...variants],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const { ports } = await ask(child);
  // Here rather than at the top: the server child imports this module, and needs none of it.
  const { closedLoop } = await import('./events-kit.mjs');
  const clients = variants.map((variant) =>
    createClient({ port: ports[variant], token: 'bench', concurrency: 64 }),
  );
  const serverCpu = async () => (await ask(child, 'usage')).cpuUs;
  const setups = [];
  for (const [index, variant] of variants.entries()) {
    const client = clients[index];
    const call = (method, path, body) => client.json(method, `/scim/v2${path}`, body);
    const mix = await seededMix(variant, call);
    const slice = async (ms, concurrency) => {
      const before = await serverCpu();
      const started = performance.now();
      const run = await closedLoop(concurrency, ms, mix.work);
      const mixes = (1000 * (performance.now() - started)) / run.wallUs;
      const after = await serverCpu();
      return { ...run, cpuUs: (after - before) / mixes };
    };
    setups.push({ ...mix, slice });
  }
  return {
    setups,
    close: async () => {
      for (const client of clients) client.close();
      child.kill('SIGTERM');
      await once(child, 'exit');
      return Object.fromEntries(setups.map((setup) => [setup.variant, setup.wrong()]));
    },
  };
}
