// What a receiver keeps of a representation it received (RFC 9967 §2.4) or patched: what a client of
// the transmitter could have written, and the transmitter's stored values, but nothing a server
// derives on every read (readOnly attributes, such as a user's `groups`; members' `$ref`) or never
// returns (`returned: never`, such as `password`, RFC 7643 §7). The schema decides, by whatever
// name an attribute arrives under: plain, URN-qualified (`urn:…:core:2.0:User:password`, RFC 7644
// §3.10), or inside an object under its schema's URN.
import {
  isJsonObject,
  resolveAttributePath,
  uniqueAttributesOf,
  type AttributeDefinition,
  type ResolvedAttributePath,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';

type Json = Record<string, unknown>;

/**
 * The attributes of `representation` a receiver stores, with core attributes named plainly and
 * extension attributes inside their schema's object. `id` and `meta` (readOnly) are left out for
 * the caller to set; names no schema of `resourceType` defines are kept as they are.
 */
export function storedAttributes(
  representation: Readonly<Json>,
  resourceType: ScimResourceType,
): Json {
  const out: Json = {};
  // Plain names first, so that a plain attribute wins over the same one URN-qualified.
  const entries = Object.entries(representation).sort(
    ([x], [y]) => Number(isUrn(x)) - Number(isUrn(y)),
  );
  for (const [name, value] of entries) {
    if (name === 'schemas') {
      putNew(out, name, value);
      continue;
    }
    const path = attributePath(resourceType, name);
    if (path === undefined) putNew(out, name, value);
    else if (path.attribute !== undefined) place(out, path, value);
    else if (!isJsonObject(value)) putNew(out, name, value);
    else
      // A schema's object: the core schema's folded into the top level, an extension's kept whole.
      for (const [inner, innerValue] of Object.entries(value)) {
        const innerPath = attributePath(resourceType, `${path.schema}:${inner}`);
        if (innerPath?.attribute !== undefined) place(out, innerPath, innerValue);
        else putNew(path.isExtension ? objectOf(out, path.schema) : out, inner, innerValue);
      }
  }
  return out;
}

/**
 * The top-level attribute, or whole schema, a name stands for; undefined for a name that is none
 * (an unknown one, a dotted path). An unqualified name is a core attribute's: an extension's
 * attributes are named inside its object or qualified with its URN.
 */
function attributePath(
  resourceType: ScimResourceType,
  name: string,
): ResolvedAttributePath | undefined {
  const resolved = resolveAttributePath(resourceType, name);
  if (!resolved.ok || resolved.value.subAttribute !== undefined) return undefined;
  return isUrn(name) || !resolved.value.isExtension ? resolved.value : undefined;
}

/** Puts an attribute's value where it belongs, unless the schema says a server derives it. */
function place(out: Json, path: ResolvedAttributePath, value: unknown): void {
  const { attribute } = path;
  if (attribute === undefined) return;
  if (attribute.mutability === 'readOnly' || attribute.returned === 'never') return;
  const target = path.isExtension ? objectOf(out, path.schema) : out;
  putNew(target, attribute.name, withoutDerivedParts(attribute, value));
}

/** The object of an extension in `out`, made when there is none yet. */
function objectOf(out: Json, schema: string): Json {
  const existing = Object.hasOwn(out, schema) ? out[schema] : undefined;
  if (isJsonObject(existing)) return existing;
  const made: Json = {};
  putNew(out, schema, made);
  return made;
}

/**
 * A complex value without its sub-attributes that are never returned, and a member without the
 * `$ref` a server adds on every read from the member's type and value (RFC 7643 §4.2).
 */
function withoutDerivedParts(attribute: AttributeDefinition, value: unknown): unknown {
  if (attribute.type !== 'complex') return value;
  const dropped = new Set(
    attribute.subAttributes
      .filter((sub) => sub.returned === 'never')
      .map((sub) => sub.name.toLowerCase()),
  );
  if (attribute.name === 'members' && attribute.multiValued) dropped.add('$ref');
  if (dropped.size === 0) return value;
  const strip = (item: unknown): unknown =>
    isJsonObject(item)
      ? Object.fromEntries(
          Object.entries(item).filter(([name]) => !dropped.has(name.toLowerCase())),
        )
      : item;
  return Array.isArray(value) ? value.map(strip) : strip(value);
}

function isUrn(name: string): boolean {
  return name.toLowerCase().startsWith('urn:');
}

/**
 * Sets an own property unless there is one (the first name an attribute came under wins), also one
 * named `__proto__`, which an assignment would take as the prototype.
 */
function putNew(target: Json, name: string, value: unknown): void {
  if (Object.hasOwn(target, name)) return;
  Object.defineProperty(target, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * The resource with each of its unique string values (RFC 7643 §2.1 `uniqueness`, such as
 * `userName`) replaced by one no other resource holds, `{value}#pending-{id}`; undefined when it
 * holds none.
 */
export function withPlaceholders(
  resource: ScimResource,
  resourceType: ScimResourceType,
): ScimResource | undefined {
  const id = String(resource.id);
  let out: Json | undefined;
  for (const { urn, attribute } of uniqueAttributesOf(resourceType)) {
    const holder = urn === undefined ? resource : resource[urn];
    if (!isJsonObject(holder)) continue;
    const value = holder[attribute.name];
    if (typeof value !== 'string') continue;
    out ??= { ...resource };
    const placeholder = `${value}#pending-${id}`;
    if (urn === undefined) out[attribute.name] = placeholder;
    else out[urn] = { ...(out[urn] as Json), [attribute.name]: placeholder };
  }
  return out as ScimResource | undefined;
}
