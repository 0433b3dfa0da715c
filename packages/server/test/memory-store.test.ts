import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupResourceType } from '@scim/core';
import { bindFilter, parseFilter } from '@scim/filter';
import { createMemoryStore } from '@scim/server/memory';

describe('the memory store member index', () => {
  it('S-GROUP-04/P-CRUD-17: member lookups answer what a scan would, through creates, replaces, deletes and member changes', async () => {
    const value = fc.constantFrom('u1', 'U1', 'u2', 'u3', 'g1');
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        group: fc.nat({ max: 4 }),
        members: fc.array(value, { maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), group: fc.nat({ max: 4 }) }),
      fc.record({
        kind: fc.constant('members' as const),
        group: fc.nat({ max: 4 }),
        add: fc.array(value, { maxLength: 3 }),
        remove: fc.array(value, { maxLength: 3 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 25 }),
        fc.array(value, { minLength: 1, maxLength: 3 }),
        async (steps, wanted) => {
          const store = createMemoryStore();
          const context = {
            resourceType: GroupResourceType,
            principal: undefined,
            tenant: undefined,
            signal: new AbortController().signal,
          };
          const held = new Map<string, string[]>();
          for (const s of steps) {
            const id = `g${s.group}`;
            if (s.kind === 'delete') {
              await store.delete(id, context);
              held.delete(id);
              continue;
            }
            if (s.kind === 'members') {
              const change = { add: s.add.map((member) => ({ value: member })), remove: s.remove };
              const meta = { version: undefined, lastModified: '2026-12-03T00:00:00.000Z' };
              await store.modifyMembers(
                id,
                { ...change, meta },
                { ...context, expectedVersion: undefined },
              );
              const members = held.get(id);
              if (members === undefined) continue;
              // A member add or remove compares values as the index does: case-insensitively.
              const has = (list: string[], m: string) =>
                list.some((x) => x.toLowerCase() === m.toLowerCase());
              for (const m of s.add) if (!has(members, m)) members.push(m);
              const removed = s.remove.map((m) => m.toLowerCase());
              held.set(
                id,
                members.filter((m) => !removed.includes(m.toLowerCase())),
              );
              continue;
            }
            const resource = {
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
              id,
              displayName: id,
              members: s.members.map((member) => ({ value: member })),
            };
            if (held.has(id))
              await store.replace(resource, { ...context, expectedVersion: undefined });
            else await store.create(resource, context);
            // The store keeps a repeated value once, as a member add would.
            held.set(
              id,
              s.members.filter(
                (m, i) => s.members.findIndex((x) => x.toLowerCase() === m.toLowerCase()) === i,
              ),
            );
          }
          const text = wanted.map((w) => `value eq "${w}"`).join(' or ');
          const filter = parseFilter(`members[${text}]`);
          const query = {
            filter,
            bound: bindFilter(filter, GroupResourceType),
            sort: undefined,
            startIndex: 1,
            count: 100,
            limit: 100,
          };
          const result = await store.query(query, context);
          // members.value is not caseExact, so "U1" and "u1" name the same member.
          const folded = new Set(wanted.map((w) => w.toLowerCase()));
          const expected = [...held]
            .filter(([, members]) => members.some((m) => folded.has(m.toLowerCase())))
            .map(([id]) => id)
            .sort();
          expect(result.resources.map((r) => r.id as string).sort()).toEqual(expected);
          // Filters the index cannot answer read the groups with their members, paged either way.
          const negated = parseFilter(`not (members[${text}]) and members pr`);
          const unanswered = {
            ...query,
            filter: negated,
            bound: bindFilter(negated, GroupResourceType),
          };
          const others = [...held]
            .filter(
              ([, members]) =>
                members.length > 0 && !members.some((m) => folded.has(m.toLowerCase())),
            )
            .map(([id]) => id)
            .sort();
          for (const cursor of [undefined, {}]) {
            const page = await store.query(
              cursor === undefined ? unanswered : { ...unanswered, cursor },
              context,
            );
            expect(page.resources.map((r) => r.id as string).sort()).toEqual(others);
          }
          // groupsOf answers the same from the index, and each group reads back the members held.
          const rows = await store.groupsOf([...new Set(wanted)], context);
          expect([...new Set(rows.map((row) => row.group))].sort()).toEqual(expected);
          for (const [id, members] of held) {
            const stored = (await store.get(id, context))?.members as
              { value: string }[] | undefined;
            expect(stored?.map((member) => member.value) ?? []).toEqual(members);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
