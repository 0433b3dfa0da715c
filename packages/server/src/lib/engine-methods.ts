// The engine's methods and the lookups they read. They are functions of the engine (`this`), one of
// each for every engine, rather than closures made per engine: with a multi-tenant handler's
// thousands of engines, a call site then always calls the same function, which V8 can inline, and
// an engine costs no closures. Call them as methods (`engine.storeFor(rt)`), never detached.
import { DEFAULT_MAX_STRING_LENGTH, type ScimResourceType } from '@scim/core';
import type { ApplyPatchOptions } from '@scim/patch';
import type { Engine } from './engine.js';
import type { ScimStore } from './store.js';

/** Resource types by endpoint and by name (lower case), and each one's core attribute names. */
export interface ResourceTypeLookups {
  readonly endpoints: ReadonlyMap<string, ScimResourceType>;
  readonly names: ReadonlyMap<string, ScimResourceType>;
  readonly attributeNames: ReadonlyMap<ScimResourceType, ReadonlySet<string>>;
}

// The tenants of a multi-tenant handler mostly share one list of resource types: their engines
// share its lookups too (immutable, derived from the list alone).
const lookupCache = new WeakMap<readonly ScimResourceType[], ResourceTypeLookups>();

export function lookupsOf(resourceTypes: readonly ScimResourceType[]): ResourceTypeLookups {
  let found = lookupCache.get(resourceTypes);
  if (found === undefined) {
    found = {
      endpoints: new Map(resourceTypes.map((rt) => [rt.endpoint.slice(1).toLowerCase(), rt])),
      names: new Map(resourceTypes.map((rt) => [rt.name.toLowerCase(), rt])),
      attributeNames: new Map(
        resourceTypes.map((rt) => [rt, new Set(rt.schema.attributes.map((a) => a.name))]),
      ),
    };
    lookupCache.set(resourceTypes, found);
  }
  return found;
}

export function hasAttribute(this: Engine, resourceType: ScimResourceType, name: string): boolean {
  return (
    this.lookups.attributeNames.get(resourceType)?.has(name) ??
    resourceType.schema.attributes.some((attribute) => attribute.name === name)
  );
}

export function storeFor(this: Engine, resourceType: ScimResourceType): ScimStore {
  return this.stores[resourceType.name] as ScimStore;
}

export function byEndpoint(this: Engine, segment: string): ScimResourceType | undefined {
  return this.lookups.endpoints.get(segment.toLowerCase());
}

export function byName(this: Engine, name: string): ScimResourceType | undefined {
  return this.lookups.names.get(name.toLowerCase());
}

export function patchOptions(this: Engine, resourceType: ScimResourceType): ApplyPatchOptions {
  const cached = this.patchCache.get(resourceType);
  if (cached !== undefined) return cached;
  const { options } = this;
  const made: ApplyPatchOptions = {
    resourceType,
    compatibility: this.compatibility.patch,
    ...options.validation,
    limits: {
      ...options.limits?.patch,
      maxStringLength: options.limits?.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH,
    },
    // The same object on every call, so the engine's cache of resolved paths is reused.
    filter: this.filterParsing,
  };
  this.patchCache.set(resourceType, made);
  return made;
}

export function patchResponse(
  this: Engine,
  resourceType: ScimResourceType,
): 'resource' | 'minimal' | 'noContent' {
  const setting = this.options.patchResponse;
  const value = typeof setting === 'object' ? setting[resourceType.name] : setting;
  return value ?? 'minimal';
}

/**
 * Versions are a random prefix per engine and a counter: unique across writes and across instances
 * sharing a database, and free of any hash of the resource, whose size a group can make large.
 */
export function newVersion(this: Engine): string {
  const state = this.versionState;
  // Made on the first write, not with the engine: some runtimes refuse randomness at start-up.
  state.prefix ??= crypto.randomUUID().replace(/-/g, '').slice(0, 10);
  return `W/"${state.prefix}${(++state.counter).toString(36)}"`;
}
