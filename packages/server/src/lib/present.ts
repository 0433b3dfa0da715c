// What a resource looks like on the way out: computed relations filled in, `meta.version` dropped
// when ETags are off, then the projection.
import {
  projectResource,
  type Projection,
  type ScimResource,
  type ScimResourceType,
  isJsonObject,
} from '@scim/core';
import { bindFilter, type FilterNode } from '@scim/filter';
import { locationOf, storeContext, type Scope } from './engine.js';
import { copyWith } from './copy.js';
import { resolveGroupMemberships } from './nested-groups.js';
import type { StoreAttributes, StoreMembership } from './store.js';

type Json = Record<string, unknown>;

export interface PresentOptions {
  readonly projection?: Projection | undefined;
  /** Attribute paths the client sent, whose "request" attributes are returned (RFC 7643 §7). */
  readonly supplied?: readonly string[] | undefined;
}

/**
 * `groups` is computed from the groups' members (RFC 7643 §4.1.2, readOnly); members get their `$ref`
 * (S-GROUP-03). One groups query serves a whole page of users.
 */
export async function present(
  scope: Scope,
  resourceType: ScimResourceType,
  resources: readonly ScimResource[],
  options: PresentOptions = {},
): Promise<ScimResource[]> {
  const { engine } = scope;
  const memberships =
    engine.hasAttribute(resourceType, 'groups') && wantsGroups(options.projection)
      ? await membershipsOf(scope, resources)
      : undefined;
  return resources.map((resource) => {
    let out = engine.features.etag ? resource : withoutVersion(resource);
    if (memberships !== undefined)
      out = withGroups(out, memberships.get(resource.id as string) ?? NO_GROUPS);
    if (Array.isArray(out.members))
      out = {
        ...out,
        members: out.members.map((member: unknown) => withReference(scope, member)),
      };
    return projectResource(out, resourceType, {
      projection: options.projection,
      supplied: options.supplied,
    });
  });
}

const NO_GROUPS: readonly Json[] = [];

/**
 * The resource without `meta.version`, for a server with ETags off: it still stamps versions, which
 * the stores compare so concurrent writes cannot overwrite each other, but shows clients none.
 */
function withoutVersion(resource: ScimResource): ScimResource {
  const meta = resource.meta;
  if (meta?.version === undefined) return resource;
  const { version: _version, ...rest } = meta;
  return copyWith(resource, { meta: rest });
}

/**
 * The resource with its computed `groups` in place of any stored. Only projected afterwards, so it
 * is shared when there is nothing to change, and copied with {@link copyWith}: projecting reads
 * every attribute name, and V8 reads a copy made by a spread several times slower.
 */
function withGroups(resource: ScimResource, groups: readonly Json[]): ScimResource {
  if (groups.length === 0 && resource.groups === undefined) return resource;
  return copyWith(resource, { groups: groups.length > 0 ? groups : undefined });
}

/** Whether a projection returns `groups`: a read that leaves it out need not look memberships up. */
function wantsGroups(projection: Projection | undefined): boolean {
  if (projection === undefined || projection.kind === 'default') return true;
  const named = projection.paths.filter(
    (path) => !path.isExtension && path.attribute?.name === 'groups',
  );
  if (projection.kind === 'include') return named.length > 0;
  return !named.some((path) => path.subAttribute === undefined);
}

function withReference(scope: Scope, member: unknown): unknown {
  if (!isJsonObject(member) || typeof member.value !== 'string') return member;
  const target = scope.engine.resourceTypes.find((rt) => rt.name === member.type);
  return target === undefined
    ? member
    : { ...member, $ref: locationOf(scope, target, member.value) };
}

const MEMBERS = { type: 'attributePath', attribute: 'members' } as const;

/** Groups listing any of `ids` as a member, built as a tree: this runs on every read of a user. */
export function memberOfFilter(ids: readonly string[]): FilterNode {
  const terms = ids.map((id): FilterNode => ({
    type: 'compare',
    path: { type: 'attributePath', attribute: 'value' },
    operator: 'eq',
    value: id,
  }));
  return {
    type: 'valuePath',
    path: MEMBERS,
    filter: terms.length === 1 ? (terms[0] as FilterNode) : { type: 'or', filters: terms },
  };
}

/** Every group a filter selects, up to the scan limit. */
export async function readGroups(
  scope: Scope,
  groupType: ScimResourceType,
  filter: FilterNode,
): Promise<readonly ScimResource[]> {
  const { engine } = scope;
  const result = await engine.storeFor(groupType).query(
    {
      filter,
      bound: bindFilter(filter, groupType),
      sort: undefined,
      startIndex: 1,
      count: engine.maxScan,
      limit: engine.maxScan,
    },
    storeContext(scope, groupType),
  );
  return result.resources;
}

/** Past this many groups to look up at once, every group with members is read in one query instead. */
const MAX_GROUPS_PER_LOOKUP = 500;

/**
 * Each user's groups: the ones listing it as a member ("direct"), then the groups those belong to,
 * transitively ("indirect", S-GROUP-04). A group reached both ways is listed once, as direct.
 */
async function membershipsOf(
  scope: Scope,
  users: readonly ScimResource[],
): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  const { engine } = scope;
  const groupType = engine.groupType;
  if (groupType === undefined || users.length === 0) return out;
  const store = engine.storeFor(groupType);
  // One context serves every level's lookup: nothing in it changes between them.
  let context: ReturnType<typeof storeContext> | undefined;
  const query = (filter: FilterNode) => readGroups(scope, groupType, filter);
  // Once a level is large, every group with members is read in one query and kept, and later
  // levels are answered from it.
  let everyGroup: readonly ScimResource[] | undefined;
  const groupsListing = async (ids: readonly string[]): Promise<StoreMembership[]> => {
    if (store.groupsOf !== undefined) {
      // Ids and names only: the size of the groups costs nothing here.
      context ??= storeContext(scope, groupType);
      return [...(await store.groupsOf(ids, context))];
    }
    if (everyGroup === undefined && ids.length > MAX_GROUPS_PER_LOOKUP)
      everyGroup = await query({ type: 'present', path: MEMBERS });
    const groups = everyGroup ?? (await query(memberOfFilter(ids)));
    const wanted = new Set(ids);
    const rows: StoreMembership[] = [];
    for (const group of groups) {
      if (!Array.isArray(group.members)) continue;
      const named = typeof group.displayName === 'string' ? { displayName: group.displayName } : {};
      for (const member of group.members as unknown[])
        if (isJsonObject(member) && typeof member.value === 'string' && wanted.has(member.value))
          rows.push({ group: group.id as string, ...named, member: member.value });
    }
    return rows;
  };
  const reached = await resolveGroupMemberships(
    users.map((user) => user.id as string),
    groupsListing,
  );
  for (const [user, groups] of reached) {
    if (groups.length === 0) continue;
    out.set(
      user,
      groups.map(({ id, displayName, type }) => {
        const json: Json = { value: id, $ref: locationOf(scope, groupType, id), type };
        if (displayName !== undefined) json.display = displayName;
        return json;
      }),
    );
  }
  return out;
}

/**
 * The top-level attributes a response with this projection needs, as a hint to the store: a read
 * that excludes `members` need not load them. `needed` names attributes the server itself reads
 * (those a filter or sort names, which the server may have to apply): they are never spared.
 */
export function storeAttributesOf(
  projection: Projection | undefined,
  needed: ReadonlySet<string> = NOTHING,
): StoreAttributes | undefined {
  if (projection?.kind !== 'exclude') return undefined;
  // Only whole core attributes can be spared; a sub-attribute or an extension's leaves the rest needed.
  const names = projection.paths
    .filter((path) => !path.isExtension && path.subAttribute === undefined)
    .flatMap((path) => (path.attribute === undefined ? [] : [path.attribute.name]))
    .filter((name) => !needed.has(name.toLowerCase()));
  return names.length === 0 ? undefined : { exclude: names };
}

const NOTHING: ReadonlySet<string> = new Set();
