// @scim/server over HTTP against scimmy + scimmy-routers on Express, and a bare node:http server
// that returns the same JSON (the floor), in one process on loopback. Requests are sequential.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Scimmy from 'scimmy';
import ScimmyRouters from 'scimmy-routers';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { createScimHandler } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PO = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const AUTH = { authorization: 'Bearer bench', 'content-type': 'application/scim+json' };

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

// A plain node:http bridge to the Web Request/Response handler (the adapters package does this properly).
function nodeHandler(fetchHandler: (request: Request) => Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    let body: Buffer | undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks);
    }
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: req.headers as Record<string, string>,
      ...(body === undefined ? {} : { body: new Uint8Array(body) }),
    });
    const response = await fetchHandler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

function scimmyApp() {
  const users = new Map<string, Record<string, unknown>>();
  const groups = new Map<string, Record<string, unknown>>();
  let next = 0;
  const handlers = (store: Map<string, Record<string, unknown>>) => ({
    ingress: (target: { id?: string }, data: Record<string, unknown>) => {
      const id = target.id ?? String(++next);
      const stored = {
        ...store.get(id),
        ...data,
        id,
        meta: { created: new Date(), lastModified: new Date() },
      };
      store.set(id, stored);
      return stored;
    },
    egress: (target: { id?: string; filter?: { match(values: unknown[]): unknown[] } }) => {
      if (target.id !== undefined) return store.get(target.id) ?? null;
      const all = [...store.values()];
      return target.filter === undefined ? all : target.filter.match(all);
    },
    degress: (target: { id: string }) => {
      store.delete(target.id);
    },
  });
  const userHandlers = handlers(users);
  const groupHandlers = handlers(groups);
  Scimmy.Resources.User.ingress(userHandlers.ingress as never)
    .egress(userHandlers.egress as never)
    .degress(userHandlers.degress as never);
  Scimmy.Resources.Group.ingress(groupHandlers.ingress as never)
    .egress(groupHandlers.egress as never)
    .degress(groupHandlers.degress as never);
  Scimmy.Resources.declare(Scimmy.Resources.User);
  Scimmy.Resources.declare(Scimmy.Resources.Group);
  const app = express();
  app.use(
    '/scim/v2',
    new ScimmyRouters({
      type: 'bearer',
      handler: (request: express.Request) => {
        if (request.header('authorization') !== 'Bearer bench') throw new Error('unauthorized');
        return 'bench';
      },
    }),
  );
  return createServer(app);
}

const handler = createScimHandler({
  stores: { User: createMemoryStore(), Group: createMemoryStore() },
  authenticate: (request) => {
    if (request.headers.get('authorization') !== 'Bearer bench') throw new Error('unauthorized');
    return { principal: 'bench' };
  },
});
const bridge = nodeHandler((request) => handler.fetch(request));
const ours = createServer((req, res) => {
  void bridge(req, res);
});
const theirs = scimmyApp();
let floorBody = '';
const floor = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/scim+json' });
  res.end(floorBody);
});

const urls: Record<string, string> = {};
const userIds: Record<string, string> = {};
const groupIds: Record<string, string> = {};
let counter = 0;

beforeAll(async () => {
  urls.ours = `${await listen(ours)}/scim/v2`;
  urls.scimmy = `${await listen(theirs)}/scim/v2`;
  urls.floor = `${await listen(floor)}/scim/v2`;
  for (const name of ['ours', 'scimmy']) {
    const user = await fetch(`${urls[name]}/Users`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({
        schemas: [U],
        userName: `seed-${name}`,
        name: { givenName: 'A', familyName: 'B' },
      }),
    });
    const created = (await user.json()) as { id: string };
    userIds[name] = created.id;
    const group = await fetch(`${urls[name]}/Groups`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({ schemas: [G], displayName: `group-${name}` }),
    });
    groupIds[name] = ((await group.json()) as { id: string }).id;
    if (name === 'ours') floorBody = JSON.stringify(created);
  }
});

afterAll(() => {
  for (const server of [ours, theirs, floor]) server.close();
});

async function mixed(name: string): Promise<void> {
  const base = urls[name] as string;
  const userName = `u${name}${++counter}`;
  const created = await fetch(`${base}/Users`, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify({
      schemas: [U],
      userName,
      emails: [{ value: `${userName}@example.com`, type: 'work' }],
    }),
  });
  const { id } = (await created.json()) as { id: string };
  await (await fetch(`${base}/Users/${id}`, { headers: AUTH })).text();
  await (
    await fetch(`${base}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, {
      headers: AUTH,
    })
  ).text();
  await (
    await fetch(`${base}/Users/${id}`, {
      method: 'PATCH',
      headers: AUTH,
      body: JSON.stringify({
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    })
  ).text();
  await (
    await fetch(`${base}/Groups/${groupIds[name] as string}`, {
      method: 'PATCH',
      headers: AUTH,
      body: JSON.stringify({
        schemas: [PO],
        Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
      }),
    })
  ).text();
}

describe('mixed workload: create, get, filter by userName, PATCH, add to a group (5 requests)', () => {
  bench('@scim/server + memory store', () => mixed('ours'), { time: 3000 });
  bench('scimmy-routers on Express', () => mixed('scimmy'), { time: 3000 });
});

describe('GET /Users/{id}', () => {
  bench('@scim/server + memory store', async () => {
    await (
      await fetch(`${urls.ours as string}/Users/${userIds.ours as string}`, { headers: AUTH })
    ).text();
  });
  bench('scimmy-routers on Express', async () => {
    await (
      await fetch(`${urls.scimmy as string}/Users/${userIds.scimmy as string}`, { headers: AUTH })
    ).text();
  });
  bench('bare node:http, same JSON (floor)', async () => {
    await (
      await fetch(`${urls.floor as string}/Users/${userIds.ours as string}`, { headers: AUTH })
    ).text();
  });
});
