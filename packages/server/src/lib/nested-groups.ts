// A user's `groups` through nested groups: the groups listing it, then the groups listing those,
// level by level. The server computes it for a page of users, and stores that decide `groups`
// filters themselves compute the same; one walk serves both, so they cannot come to disagree.
import type { StoreMembership } from './store.js';

/**
 * One group a member belongs to, as {@link resolveGroupMemberships} finds it: listed by the group
 * itself (`direct`) or only through groups it lists (`indirect`).
 * @example `{ id: 'e9e30dba', displayName: 'Sales', type: 'direct' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2
 */
export interface ReachedGroup {
  readonly id: string;
  readonly displayName: string | undefined;
  readonly type: 'direct' | 'indirect';
}

/**
 * Each member's groups as a read shows them (RFC 7643 §4.1.2): the groups listing it (`direct`),
 * then level by level the groups listing those (`indirect`). A group reached both ways is direct,
 * and a cycle of groups ends where a group was reached before. `groupsListing` is asked once per
 * level, for every member of the batch at once, with the ids it was not asked about before (as
 * {@link ScimStore.groupsOf} answers: one row per group and direct member). Every id asked about
 * has an entry, empty when it is in no group; groups are in the order they were reached.
 * @example
 * ```ts
 * const groups = await resolveGroupMemberships(['2819c223'], (ids) => store.groupsOf(ids, context));
 * groups.get('2819c223'); // [{ id: 'sales', displayName: 'Sales', type: 'direct' }, { id: 'all', …, type: 'indirect' }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2
 */
export async function resolveGroupMemberships(
  memberIds: readonly string[],
  groupsListing: (ids: readonly string[]) => Promise<Iterable<StoreMembership>>,
): Promise<Map<string, ReachedGroup[]>> {
  /** The groups listing each id asked about so far, each group once. */
  const containing = new Map<string, Map<string, string | undefined>>();
  const ask = async (ids: readonly string[]): Promise<void> => {
    if (ids.length === 0) return;
    for (const row of await groupsListing(ids)) {
      let groups = containing.get(row.member);
      if (groups === undefined)
        containing.set(row.member, (groups = new Map<string, string | undefined>()));
      if (!groups.has(row.group)) groups.set(row.group, row.displayName);
    }
  };
  await ask(memberIds);
  const reached = new Map<string, Map<string, ReachedGroup>>();
  let frontier = new Map<string, string[]>();
  for (const id of memberIds) {
    const found = new Map<string, ReachedGroup>();
    for (const [group, displayName] of containing.get(id) ?? [])
      found.set(group, { id: group, displayName, type: 'direct' });
    reached.set(id, found);
    frontier.set(id, [...found.keys()]);
  }
  // Ids whose containing groups have been asked for: each is asked about once.
  const looked = new Set<string>(memberIds);
  while (frontier.size > 0) {
    const pending: string[] = [];
    for (const ups of frontier.values())
      for (const id of ups)
        if (!looked.has(id)) {
          looked.add(id);
          pending.push(id);
        }
    await ask(pending);
    const next = new Map<string, string[]>();
    for (const [member, ups] of frontier) {
      const found = reached.get(member) as Map<string, ReachedGroup>;
      const added: string[] = [];
      for (const child of ups)
        for (const [parent, displayName] of containing.get(child) ?? []) {
          if (found.has(parent)) continue;
          found.set(parent, { id: parent, displayName, type: 'indirect' });
          added.push(parent);
        }
      if (added.length > 0) next.set(member, added);
    }
    frontier = next;
  }
  const out = new Map<string, ReachedGroup[]>();
  for (const [member, found] of reached) out.set(member, [...found.values()]);
  return out;
}
