// A member PATCH taken as rows (modifyMembers) must answer and store exactly what the general path
// (read, applyPatch, replace) does, for every request the fast path accepts (issue 12).
import { describe, expect, it } from 'vitest';
import type { ScimStore } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { G, PO, server, U } from './helpers.js';

/** The memory storage's group store without its membership methods: the general path. */
function withoutRows(store: ScimStore): ScimStore {
  return {
    get: store.get.bind(store),
    query: store.query.bind(store),
    create: store.create.bind(store),
    replace: store.replace.bind(store),
    delete: store.delete.bind(store),
  };
}

async function setup(rows: boolean) {
  const storage = createMemoryStorage();
  const groups = storage.stores.Group as ScimStore;
  const { call } = server({
    ...storage,
    stores: { User: storage.stores.User as ScimStore, Group: rows ? groups : withoutRows(groups) },
  });
  const create = async (userName: string) =>
    (await call('POST', '/Users', { schemas: [U], userName })).body.id as string;
  const u1 = await create('one');
  const u2 = await create('two');
  const group = (
    await call('POST', '/Groups', { schemas: [G], displayName: 'G', members: [{ value: u1 }] })
  ).body.id as string;
  return { call, u1, u2, group };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Runs one scenario both ways and returns what each answered and what the group holds after. */
async function both(scenario: (s: Setup) => Promise<{ status: number; body: unknown }>) {
  const results = [];
  for (const rows of [true, false]) {
    const s = await setup(rows);
    const reply = await scenario(s);
    const after = await s.call('GET', `/Groups/${s.group}`);
    const members = ((after.body.members ?? []) as { value: string; display?: string }[]).map(
      (member) => ({
        value: member.value === s.u1 ? 'u1' : member.value === s.u2 ? 'u2' : member.value,
        display: member.display,
      }),
    );
    results.push({ status: reply.status, error: errorOf(reply.body), members });
  }
  expect(results[0]).toEqual(results[1]);
  return results[0] as (typeof results)[number];
}

function errorOf(body: unknown): unknown {
  const record = body as Record<string, unknown> | undefined;
  return record?.status === undefined ? undefined : record.scimType;
}

const patch = (s: Setup, operations: unknown[], id = s.group) =>
  s.call('PATCH', `/Groups/${id}`, { schemas: [PO], Operations: operations });

describe('the membership fast path answers as the general path does (issue 12)', () => {
  it('remove by filter then add of the same member in another case keeps the member (members.value is not caseExact)', async () => {
    const result = await both((s) =>
      patch(s, [
        { op: 'remove', path: `members[value eq "${s.u1.toUpperCase()}"]` },
        { op: 'add', path: 'members', value: [{ value: s.u1 }] },
      ]),
    );
    expect(result.members.map((member) => member.value)).toEqual(['u1']);
  });

  it('display is readOnly: what the client sends is not stored, however long', async () => {
    const result = await both((s) =>
      patch(s, [
        { op: 'add', path: 'members', value: [{ value: s.u2, display: 'x'.repeat(100_000) }] },
      ]),
    );
    expect(result.members.some((member) => member.display !== undefined)).toBe(false);
  });

  it('a $ref that is not a URI is refused as it is on the general path', async () => {
    const result = await both((s) =>
      patch(s, [{ op: 'add', path: 'members', value: [{ value: s.u2, $ref: 'not a uri' }] }]),
    );
    expect([result.status, result.error]).toEqual([400, 'invalidValue']);
  });

  it("Entra's $ref: null is taken as no reference", async () => {
    const result = await both((s) =>
      patch(s, [{ op: 'Add', path: 'members', value: [{ value: s.u2, $ref: null }] }]),
    );
    expect(result.status).toBe(204);
    expect(result.members.map((member) => member.value)).toEqual(['u1', 'u2']);
  });

  it('a group that does not exist is 404 even when the member does not exist either', async () => {
    const result = await both((s) =>
      patch(s, [{ op: 'add', path: 'members', value: [{ value: 'nobody' }] }], 'no-such-group'),
    );
    expect(result.status).toBe(404);
  });

  it('a member that does not exist is 400 invalidValue on an existing group', async () => {
    const result = await both((s) =>
      patch(s, [{ op: 'add', path: 'members', value: [{ value: 'nobody' }] }]),
    );
    expect([result.status, result.error]).toEqual([400, 'invalidValue']);
  });
});
