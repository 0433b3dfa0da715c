// meta.lastModified never goes back (RFC 7643 §3.1), whichever instance writes: two handlers over one
// storage stand for two instances behind a load balancer whose clocks are 2 s apart. A write on the
// slower one dates the resource 1 ms after the version it replaces, and the events it records (an
// RFC 9967 SET's `toe`) are never dated before that; otherwise a receiver skips the newer change as
// stale and a client sees time run backwards.
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent, ScimStore } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { bj, G, PO, server, U } from './helpers.js';

const T0 = Date.UTC(2026, 11, 3, 10, 0, 5);
const at = (ms: number) => new Date(ms).toISOString();

/** The memory storage's group store without its membership methods: the server rewrites groups. */
function withoutRows(store: ScimStore): ScimStore {
  return {
    get: store.get.bind(store),
    query: store.query.bind(store),
    create: store.create.bind(store),
    replace: store.replace.bind(store),
    delete: store.delete.bind(store),
  };
}

/** Two instances over one storage: `ahead`'s clock reads T0, `behind`'s 2 s earlier. */
function instances(rows = true) {
  const storage = createMemoryStorage();
  const groups = storage.stores.Group as ScimStore;
  const stores = {
    User: storage.stores.User as ScimStore,
    Group: rows ? groups : withoutRows(groups),
  };
  const events: LifecycleEvent[] = [];
  const instance = (clock: number) =>
    server({
      ...storage,
      stores,
      now: () => new Date(clock),
      delivery: { pollMs: 0 },
      hooks: { onEvent: (event: LifecycleEvent) => void events.push(event) },
    }).call;
  return { ahead: instance(T0), behind: instance(T0 - 2_000), events };
}

const metaOf = (body: Record<string, unknown>) => body.meta as Record<string, string>;

describe('meta.lastModified never goes back when instance clocks differ (RFC 7643 §3.1)', () => {
  it('a PUT on an instance whose clock is behind dates the resource 1 ms after the create; created is kept', async () => {
    const { ahead, behind } = instances();
    const created = await ahead('POST', '/Users', bj);
    const id = created.body.id as string;
    const replaced = await behind('PUT', `/Users/${id}`, { ...bj, title: 'Guide' });
    expect(replaced.status).toBe(200);
    expect(metaOf(replaced.body).created).toBe(at(T0));
    expect(metaOf(replaced.body).lastModified).toBe(at(T0 + 1));
    expect(metaOf((await ahead('GET', `/Users/${id}`)).body).lastModified).toBe(at(T0 + 1));
  });

  it('a PATCH on an instance whose clock is behind dates the resource 1 ms after the create', async () => {
    const { ahead, behind } = instances();
    const id = (await ahead('POST', '/Users', bj)).body.id as string;
    const patched = await behind('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'Guide' }],
    });
    expect(metaOf(patched.body).lastModified).toBe(at(T0 + 1));
    expect(metaOf(patched.body).created).toBe(at(T0));
  });

  it('two writes within one millisecond of one clock are 1 ms apart', async () => {
    const { ahead } = instances();
    const id = (await ahead('POST', '/Users', bj)).body.id as string;
    const put = await ahead('PUT', `/Users/${id}`, { ...bj, title: 'A' });
    const patched = await ahead('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'B' }],
    });
    expect([metaOf(put.body).lastModified, metaOf(patched.body).lastModified]).toEqual([
      at(T0 + 1),
      at(T0 + 2),
    ]);
  });

  it("an update's events are dated at its lastModified, and a delete's after the last change", async () => {
    const { ahead, behind, events } = instances();
    const id = (await ahead('POST', '/Users', bj)).body.id as string;
    await behind('PUT', `/Users/${id}`, { ...bj, active: false });
    expect(
      events.filter((event) => event.operation === 'replace').map((event) => event.occurredAt),
    ).toEqual([at(T0 + 1), at(T0 + 1)]);
    await behind('DELETE', `/Users/${id}`);
    expect(events.find((event) => event.type === 'deleted')?.occurredAt).toBe(at(T0 + 2));
  });

  for (const [path, rows] of [
    ['member rows (modifyMembers)', true],
    ['whole-group rewrites', false],
  ] as const)
    describe(`a group's members changed through ${path}`, () => {
      it('a member PATCH on the instance behind dates the group 1 ms after its create, and so does its event', async () => {
        const { ahead, behind, events } = instances(rows);
        const user = (await ahead('POST', '/Users', { schemas: [U], userName: 'one' })).body
          .id as string;
        const group = (await ahead('POST', '/Groups', { schemas: [G], displayName: 'G' })).body
          .id as string;
        const patched = await behind('PATCH', `/Groups/${group}`, {
          schemas: [PO],
          Operations: [{ op: 'add', path: 'members', value: [{ value: user }] }],
        });
        expect(patched.status).toBeLessThan(300);
        const meta = metaOf((await behind('GET', `/Groups/${group}`)).body);
        expect([meta.created, meta.lastModified]).toEqual([at(T0), at(T0 + 1)]);
        expect(events.find((event) => event.type === 'membersAdded')?.occurredAt).toBe(at(T0 + 1));
      });

      it('a deleted member leaving its group on the instance behind dates the group 1 ms later', async () => {
        const { ahead, behind, events } = instances(rows);
        const user = (await ahead('POST', '/Users', { schemas: [U], userName: 'one' })).body
          .id as string;
        const group = (
          await ahead('POST', '/Groups', {
            schemas: [G],
            displayName: 'G',
            members: [{ value: user }],
          })
        ).body.id as string;
        expect((await behind('DELETE', `/Users/${user}`)).status).toBe(204);
        expect(metaOf((await behind('GET', `/Groups/${group}`)).body).lastModified).toBe(
          at(T0 + 1),
        );
        expect(events.find((event) => event.operation === 'cascade')?.occurredAt).toBe(at(T0 + 1));
      });
    });
});
