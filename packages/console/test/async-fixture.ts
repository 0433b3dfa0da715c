// The console fixture over a SCIM handler that takes writes asynchronously (RFC 9967 §2.5.1,
// `Prefer: respond-async`): the console reads that handler's outbox, where each write answered 202
// leaves an `asyncCompleted` record. Entra dialect, as the fixture's.
import {
  bearerTokens,
  createScimHandler,
  hashBearerToken,
  type LifecycleEvent,
} from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createFixture, entraUser, PATCH_SCHEMA, SCIM_TOKEN, type Fixture } from './fixture.ts';

export async function createAsyncFixture(origin?: string): Promise<Fixture> {
  const storage = createMemoryStorage();
  const fixture = await createFixture({ outbox: storage.outbox }, origin);
  const handler = createScimHandler({
    ...storage,
    authenticate: bearerTokens({ tokens: [await hashBearerToken(SCIM_TOKEN)] }),
    compatibility: 'entra',
    asyncRequests: { mode: 'request' },
    log: fixture.console.record,
  });
  Object.assign(fixture, { handler });
  return fixture;
}

/**
 * A user created, then PATCHed with `Prefer: respond-async` and the handler closed, so the work
 * behind the 202 has ended: `active` as Entra sends it (§3.1 items 1 and 2 of the IdP quirks,
 * `"op": "Replace"` and `"False"`), or as RFC 7644 §3.5.2 spells it.
 */
export async function patchedAsynchronously(
  fixture: Fixture,
  dialect: 'entra' | 'rfc',
  baseUrl?: string,
): Promise<LifecycleEvent> {
  const created = (await (
    await fixture.scim('POST', '/Users', entraUser(`${dialect}@example.com`), baseUrl)
  ).json()) as { id: string };
  const operation =
    dialect === 'entra'
      ? { op: 'Replace', path: 'active', value: 'False' }
      : { op: 'replace', path: 'active', value: false };
  const request = new Request(
    `${baseUrl ?? 'https://scim.example.com'}/scim/v2/Users/${created.id}`,
    {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${SCIM_TOKEN}`,
        'content-type': 'application/scim+json',
        prefer: 'respond-async',
      },
      body: JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [operation] }),
    },
  );
  const reply = await fixture.handler.fetch(request);
  if (reply.status !== 202) throw new Error(`expected 202, got ${reply.status}`);
  await fixture.handler.close();
  const completion = (await fixture.handler.outbox.list()).find(
    (entry) => entry.event.type === 'asyncCompleted',
  );
  if (completion === undefined) throw new Error('no asyncCompleted record');
  return completion.event;
}
