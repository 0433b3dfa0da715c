// The directory the store kit's cases on filters by groups run over, the groups each of its users
// has as a read shows them (the reference the cases compare with), and the filters they try.
import type { ScimResource } from '@scim/core';
import { contextOf, GROUP, open, stored, USER, user, type StoreConformanceOptions } from './kit.js';

type Json = Record<string, unknown>;

/** One group as the directory below creates it. */
interface GroupSpec {
  readonly id: string;
  readonly displayName?: string;
  /** Member ids, users or groups. */
  readonly members: readonly string[];
}

/**
 * Five users and ten groups: ann in staff and admins, staff in leads, leads in top (ann is in leads
 * and top indirectly, bob directly in top), a two-group loop holding cid, a group without a
 * displayName, ids in upper case and outside ASCII (K is U+212A, the Kelvin sign, folded to k), an
 * empty group, and eve in none.
 */
export async function directory(kit: StoreConformanceOptions, tenant?: string) {
  const { users, groups } = await open(kit);
  const people = new Map<string, ScimResource>();
  for (const [name, extra] of [
    ['ann', { title: 'Boss' }],
    ['bob', {}],
    ['cid', {}],
    ['dee', {}],
    ['eve', {}],
  ] as const)
    people.set(name, await users.create(user(name, extra), contextOf(USER, tenant)));
  const id = (name: string) => people.get(name)?.id as string;
  const g = {
    staff: crypto.randomUUID(),
    admins: crypto.randomUUID(),
    leads: crypto.randomUUID(),
    top: crypto.randomUUID(),
    loopA: crypto.randomUUID(),
    loopB: crypto.randomUUID(),
    kelvin: '\u212Aelvin-group',
    upper: 'ASCII-Upper',
    full: '\uff26ull',
    empty: crypto.randomUUID(),
  };
  const specs: GroupSpec[] = [
    { id: g.staff, displayName: 'Staff', members: [id('ann')] },
    { id: g.admins, displayName: 'Admins', members: [id('ann'), id('bob')] },
    { id: g.leads, displayName: 'Leads', members: [g.staff] },
    { id: g.top, displayName: 'Top', members: [g.leads, id('bob')] },
    { id: g.loopA, displayName: 'loop a', members: [id('cid'), g.loopB] },
    { id: g.loopB, displayName: 'Loop B', members: [g.loopA] },
    { id: g.kelvin, displayName: 'Kelvin', members: [id('dee')] },
    { id: g.upper, members: [id('dee'), id('cid')] },
    { id: g.full, displayName: '', members: [g.loopA] },
    { id: g.empty, displayName: 'Empty', members: [] },
  ];
  const groupIds = new Set(specs.map((spec) => spec.id));
  for (const spec of specs) {
    const body: Json = {
      members: spec.members.map((value) => ({
        value,
        type: groupIds.has(value) ? 'Group' : 'User',
      })),
    };
    if (spec.displayName !== undefined) body.displayName = spec.displayName;
    await groups.create(stored(GROUP, body, spec.id), contextOf(GROUP, tenant));
  }
  return { users, groups, people, id, g, specs };
}

/** Each member's groups as a read shows them: direct ones, then the groups those are in. */
export function groupsByMember(specs: readonly GroupSpec[]): (member: string) => Json[] {
  const containing = (value: string) => specs.filter((spec) => spec.members.includes(value));
  return (member) => {
    const reached = new Map<string, Json>();
    const element = (spec: GroupSpec, type: string): Json =>
      spec.displayName === undefined
        ? { value: spec.id, type }
        : { value: spec.id, display: spec.displayName, type };
    let frontier: string[] = [];
    for (const spec of containing(member)) {
      reached.set(spec.id, element(spec, 'direct'));
      frontier.push(spec.id);
    }
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const child of frontier)
        for (const spec of containing(child))
          if (!reached.has(spec.id)) {
            reached.set(spec.id, element(spec, 'indirect'));
            next.push(spec.id);
          }
      frontier = next;
    }
    return [...reached.values()];
  };
}

/** Filters over the directory's groups: every sub-attribute, operator and combination. */
export function filtersOver(g: Readonly<Record<string, string>>): string[] {
  const filters: string[] = [];
  for (const id of Object.values(g))
    filters.push(
      `groups.value eq "${id}"`,
      `groups[value eq "${id.toUpperCase()}" and type eq "direct"]`,
      `groups[value eq "${id}" and type eq "indirect"]`,
      `not (groups.value eq "${id}")`,
    );
  filters.push(
    'groups pr',
    'groups.display pr',
    'groups[display eq null]',
    'groups[display eq "" or display eq null]',
    'groups.display eq "staff"',
    'groups.display co "A"',
    'groups.display ew "B"',
    'groups.display gt "L"',
    'groups[display sw "lo" and type eq "indirect"]',
    'groups[not (type eq "direct")]',
    'groups.type ne "direct"',
    'groups[type eq "direct" or display ew "s"]',
    'groups.value gt "m"',
    'groups.value le "ASCII-UPPER"',
    'groups.value sw "kel"',
    'groups.value co "UL"',
    `groups.value ne "${g.staff as string}"`,
    `groups[not (value eq "${g.staff as string}")]`,
    'groups.value eq "\uff26ULL"',
    'userName eq "ann" and groups pr',
    `userName sw "c" or groups.value eq "${g.staff as string}"`,
    `not (groups.value eq "${g.staff as string}") and userName ne "eve"`,
    'title eq "Boss" or groups pr',
    'title pr and not (groups pr)',
    `groups.value eq "${g.leads as string}" and groups.value eq "${g.admins as string}"`,
    `groups[value eq "${g.leads as string}"] and not (groups[value eq "${g.top as string}" and type eq "direct"])`,
  );
  return filters;
}
