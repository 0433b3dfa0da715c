// The client over real HTTP: the server behind node:http on loopback, the client on the global
// fetch, with no test double in between.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { createScimHandler } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createScimClient, f, type ScimClient } from '../src/index.js';

let server: Server;
let client: ScimClient;

async function toRequest(message: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
  return new Request(new URL(message.url ?? '/', origin), {
    method: message.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

beforeAll(async () => {
  const handler = createScimHandler({
    ...createMemoryStorage(),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== 'Bearer loopback')
        throw ScimError.unauthorized('A valid bearer token is required');
      return { principal: 'http-test' };
    },
  });
  server = createServer((message, reply) => {
    const origin = `http://${message.headers.host ?? '127.0.0.1'}`;
    void toRequest(message, origin)
      .then((request) => handler.fetch(request))
      .then(async (response) => {
        reply.writeHead(response.status, Object.fromEntries(response.headers));
        reply.end(Buffer.from(await response.arrayBuffer()));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createScimClient({
    baseUrl: `http://127.0.0.1:${port}/scim/v2`,
    auth: { bearer: 'loopback' },
    timeoutMs: 5_000,
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('over loopback HTTP', () => {
  it('creates, lists by cursor, updates with If-Match and deletes through a real socket', async () => {
    const created = await client.users.create({
      userName: 'http-user',
      emails: [{ value: 'h@example.com' }],
    });
    await client.users.create({ userName: 'http-other' });
    const found = await client.users
      .list({ filter: f.sw('userName', 'http-'), pageSize: 1 })
      .toArray();
    expect(found.map((user) => user.userName).sort()).toEqual(['http-other', 'http-user']);
    const updated = await client.users.update(created.id, (user) => ({
      ...user,
      title: 'Over HTTP',
    }));
    expect(updated.title).toBe('Over HTTP');
    await client.users.delete(created.id);
    await expect(client.users.get(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('a refused connection is a ScimTransportError network', async () => {
    const closed = createScimClient({
      baseUrl: 'http://127.0.0.1:9/scim/v2',
      retry: { maxRetries: 1, sleep: () => Promise.resolve() },
    });
    await expect(closed.users.get('1')).rejects.toMatchObject({ code: 'network', attempts: 2 });
  });
});
