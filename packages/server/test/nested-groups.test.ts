// resolveGroupMemberships: a user's groups through nested groups (RFC 7643 §4.1.2, S-GROUP-04), the
// walk the server's reads and the SQL store's groups filters share.
import { describe, expect, it } from 'vitest';
import { resolveGroupMemberships, type StoreMembership } from '@scim/server';

/** A directory of `group → direct members`, answering as ScimStore.groupsOf does, and recording asks. */
function directory(groups: Record<string, readonly string[]>, names: Record<string, string> = {}) {
  const asked: string[][] = [];
  const listing = (ids: readonly string[]): Promise<StoreMembership[]> => {
    asked.push([...ids]);
    const rows: StoreMembership[] = [];
    for (const [group, members] of Object.entries(groups))
      for (const member of members)
        if (ids.includes(member))
          rows.push({
            group,
            member,
            ...(names[group] === undefined ? {} : { displayName: names[group] }),
          });
    return Promise.resolve(rows);
  };
  return { listing, asked };
}

describe('resolveGroupMemberships', () => {
  it('S-GROUP-04: direct groups first, then the groups listing them as indirect, level by level', async () => {
    const { listing, asked } = directory(
      { staff: ['ann'], sales: ['bob'], all: ['staff', 'sales'], root: ['all'] },
      { staff: 'Staff' },
    );
    const reached = await resolveGroupMemberships(['ann', 'bob', 'eve'], listing);
    expect(reached.get('ann')).toEqual([
      { id: 'staff', displayName: 'Staff', type: 'direct' },
      { id: 'all', displayName: undefined, type: 'indirect' },
      { id: 'root', displayName: undefined, type: 'indirect' },
    ]);
    expect(reached.get('bob')?.map((group) => group.id)).toEqual(['sales', 'all', 'root']);
    expect(reached.get('eve')).toEqual([]);
    // One ask per level for the whole batch, each id asked about once.
    expect(asked).toEqual([['ann', 'bob', 'eve'], ['staff', 'sales'], ['all'], ['root']]);
  });

  it('a group reached both directly and through another group is direct, and listed once', async () => {
    const { listing } = directory({ inner: ['ann'], outer: ['inner', 'ann'] });
    const reached = await resolveGroupMemberships(['ann'], listing);
    expect(reached.get('ann')).toEqual([
      { id: 'inner', displayName: undefined, type: 'direct' },
      { id: 'outer', displayName: undefined, type: 'direct' },
    ]);
  });

  it('a cycle of groups ends, each group reached once', async () => {
    const { listing, asked } = directory({ a: ['ann', 'c'], b: ['a'], c: ['b'] });
    const reached = await resolveGroupMemberships(['ann'], listing);
    expect(reached.get('ann')).toEqual([
      { id: 'a', displayName: undefined, type: 'direct' },
      { id: 'b', displayName: undefined, type: 'indirect' },
      { id: 'c', displayName: undefined, type: 'indirect' },
    ]);
    expect(asked.flat().sort()).toEqual(['a', 'ann', 'b', 'c']);
  });

  it('a repeated row is kept once, and nothing is asked for an empty batch', async () => {
    const rows: StoreMembership[] = [
      { group: 'g', member: 'ann' },
      { group: 'g', member: 'ann' },
    ];
    const reached = await resolveGroupMemberships(['ann'], (ids) =>
      Promise.resolve(ids.includes('ann') ? rows : []),
    );
    expect(reached.get('ann')).toHaveLength(1);
    let calls = 0;
    expect(
      (
        await resolveGroupMemberships([], () => {
          calls++;
          return Promise.resolve([]);
        })
      ).size,
    ).toBe(0);
    expect(calls).toBe(0);
  });
});
