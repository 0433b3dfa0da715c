import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupResourceType } from '@scim/core';
import { bindFilter, parseFilter } from '@scim/filter';
import { createMemoryStore } from '@scim/server/memory';

describe('the memory store member index', () => {
  it('S-GROUP-04/P-CRUD-17: member lookups answer what a scan would, through creates, replaces and deletes', async () => {
    const value = fc.constantFrom('u1', 'U1', 'u2', 'u3', 'g1');
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        group: fc.nat({ max: 4 }),
        members: fc.array(value, { maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), group: fc.nat({ max: 4 }) }),
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
            const resource = {
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
              id,
              displayName: id,
              members: s.members.map((member) => ({ value: member })),
            };
            if (held.has(id))
              await store.replace(resource, { ...context, expectedVersion: undefined });
            else await store.create(resource, context);
            held.set(id, s.members);
          }
          const text = wanted.map((w) => `value eq "${w}"`).join(' or ');
          const filter = parseFilter(`members[${text}]`);
          const result = await store.query(
            {
              filter,
              bound: bindFilter(filter, GroupResourceType),
              sort: undefined,
              startIndex: 1,
              count: 100,
              limit: 100,
            },
            context,
          );
          // members.value is not caseExact, so "U1" and "u1" name the same member.
          const folded = new Set(wanted.map((w) => w.toLowerCase()));
          const expected = [...held]
            .filter(([, members]) => members.some((m) => folded.has(m.toLowerCase())))
            .map(([id]) => id)
            .sort();
          expect(result.resources.map((r) => r.id as string).sort()).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
