// What a resource looks like on the way out: computed relations filled in, then the projection.
import {
  projectResource,
  type Projection,
  type ScimResource,
  type ScimResourceType,
  isJsonObject,
} from '@scim/core';
import { bindFilter, type FilterNode } from '@scim/filter';
import { locationOf, storeContext, type Engine, type Scope } from './engine.js';

type Json = Record<string, unknown>;

function hasAttribute(resourceType: ScimResourceType, name: string): boolean {
  return resourceType.schema.attributes.some((attribute) => attribute.name === name);
}

/** The resource type whose resources have `members` (Group, by default). */
export function groupTypeOf(engine: Engine): ScimResourceType | undefined {
  return engine.resourceTypes.find((rt) => hasAttribute(rt, 'members'));
}

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
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  resources: readonly ScimResource[],
  options: PresentOptions = {},
): Promise<ScimResource[]> {
  const memberships = hasAttribute(resourceType, 'groups')
    ? await membershipsOf(engine, scope, resources)
    : undefined;
  return resources.map((resource) => {
    let out = resource;
    if (memberships !== undefined) {
      const groups = memberships.get(resource.id as string);
      const { groups: _stored, ...rest } = out;
      out = groups === undefined || groups.length === 0 ? rest : { ...rest, groups };
    }
    if (Array.isArray(out.members))
      out = {
        ...out,
        members: out.members.map((member: unknown) => withReference(engine, scope, member)),
      };
    return projectResource(out, resourceType, {
      projection: options.projection,
      supplied: options.supplied,
    });
  });
}

function withReference(engine: Engine, scope: Scope, member: unknown): unknown {
  if (!isJsonObject(member) || typeof member.value !== 'string') return member;
  const target = engine.resourceTypes.find((rt) => rt.name === member.type);
  return target === undefined
    ? member
    : { ...member, $ref: locationOf(scope, target, member.value) };
}

async function membershipsOf(
  engine: Engine,
  scope: Scope,
  users: readonly ScimResource[],
): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  const groupType = groupTypeOf(engine);
  if (groupType === undefined || users.length === 0) return out;
  const ids = new Set(users.map((user) => user.id as string));
  const members = { type: 'attributePath', attribute: 'members' } as const;
  // Built as a tree rather than parsed: this runs on every read of a user.
  const filter: FilterNode =
    users.length === 1
      ? {
          type: 'valuePath',
          path: members,
          filter: {
            type: 'compare',
            path: { type: 'attributePath', attribute: 'value' },
            operator: 'eq',
            value: users[0]?.id ?? '',
          },
        }
      : { type: 'present', path: members };
  const bound = bindFilter(filter, groupType);
  const result = await engine.storeFor(groupType).query(
    {
      filter,
      bound,
      sort: undefined,
      startIndex: 1,
      count: engine.maxScan,
      limit: engine.maxScan,
    },
    storeContext(scope, groupType),
  );
  for (const group of result.resources) {
    if (!Array.isArray(group.members)) continue;
    for (const member of group.members as unknown[]) {
      if (!isJsonObject(member) || typeof member.value !== 'string' || !ids.has(member.value))
        continue;
      const entry: Json = {
        value: group.id,
        $ref: locationOf(scope, groupType, group.id as string),
        type: 'direct',
      };
      if (typeof group.displayName === 'string') entry.display = group.displayName;
      const list = out.get(member.value) ?? [];
      list.push(entry);
      out.set(member.value, list);
    }
  }
  return out;
}
