import type { ScimIssue, ScimResult } from './issues.js';
import type { AttributeDefinition } from './schemas/define.js';
import { modelOf, subAttributesOf, type SchemaNamespace } from './schemas/model.js';
import type { ScimResourceType } from './schemas/resource-type.js';

/**
 * An attribute path resolved against a resource type, in canonical case (RFC 7644 §3.10).
 * `attribute` is undefined when the path names a whole extension (`urn:…:enterprise:2.0:User`).
 * @example `resolveAttributePath(UserResourceType, 'NAME.GIVENNAME') // path: 'name.givenName'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export interface ResolvedAttributePath {
  /** The URN of the schema the attribute belongs to (the core schema for common attributes). */
  readonly schema: string;
  readonly isExtension: boolean;
  readonly attribute: AttributeDefinition | undefined;
  readonly subAttribute: AttributeDefinition | undefined;
  /** The canonical path: URN-qualified for extension attributes, plain for core ones. */
  readonly path: string;
}

/**
 * Splits attribute-path text into an optional schema URN, an attribute and a sub-attribute, without
 * a schema (RFC 7644 §3.10). Known URNs of the resource type are matched first, so `2.0` in a URN is
 * never taken for a sub-attribute separator; otherwise the URN ends at the last `:` (checklist S-EXT-09).
 * @example `parseAttributePath('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', ['urn:ietf:params:scim:schemas:core:2.0:User'])`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export function parseAttributePath(
  text: string,
  knownUrns: readonly string[] = [],
): ScimResult<{ readonly urn: string | undefined; readonly names: readonly string[] }> {
  const fail = (message: string): ScimResult<never> => ({
    ok: false,
    issues: [{ code: 'invalid_path', path: [], message, scimType: 'invalidPath' }],
  });
  const trimmed = text.trim();
  if (trimmed === '') return fail('An attribute path cannot be empty');
  let urn: string | undefined;
  let rest = trimmed;
  if (trimmed.toLowerCase().startsWith('urn:')) {
    const lower = trimmed.toLowerCase();
    const known = [...knownUrns]
      .sort((a, b) => b.length - a.length)
      .find((candidate) => {
        const prefix = candidate.toLowerCase();
        return lower === prefix || lower.startsWith(`${prefix}:`);
      });
    if (known !== undefined) {
      urn = known;
      rest = trimmed.slice(known.length + 1);
    } else {
      const cut = trimmed.lastIndexOf(':');
      urn = trimmed.slice(0, cut);
      rest = trimmed.slice(cut + 1);
    }
    if (rest === '') return { ok: true, value: { urn, names: [] } };
  }
  const names = rest.split('.');
  if (names.length > 2) return fail(`'${text}' has more than one sub-attribute level`);
  if (!names.every((name) => /^(?:[A-Za-z][A-Za-z0-9$_-]*|\$ref)$/.test(name))) {
    return fail(`'${text}' is not a valid attribute path`);
  }
  return { ok: true, value: { urn, names } };
}

/**
 * Resolves attribute-path text against a resource type: case-insensitive names, URN-qualified names,
 * sub-attributes and whole extensions. An unqualified name resolves to the core schema first, then to
 * the one extension that defines it; a name two extensions define is ambiguous (checklist S-EXT-08).
 * @example
 * ```ts
 * const result = resolveAttributePath(UserResourceType, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value');
 * if (result.ok) console.log(result.value.subAttribute?.name); // 'value'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export function resolveAttributePath(
  resourceType: ScimResourceType,
  text: string,
): ScimResult<ResolvedAttributePath> {
  const model = modelOf(resourceType);
  const parsed = parseAttributePath(
    text,
    model.byUrnLength.map((namespace) => namespace.urn),
  );
  if (!parsed.ok) return parsed;
  const { urn, names } = parsed.value;
  const unknown = (message: string): ScimResult<never> => ({
    ok: false,
    issues: [
      { code: 'unknown_attribute', path: [], message, scimType: 'invalidPath' } satisfies ScimIssue,
    ],
  });
  let namespace: SchemaNamespace | undefined;
  let attribute: AttributeDefinition | undefined;
  const [name, subName] = names;
  if (urn !== undefined) {
    namespace = model.byUrn.get(urn.toLowerCase());
    if (namespace === undefined)
      return unknown(`'${urn}' is not a schema of ${resourceType.name} resources`);
    if (name === undefined) {
      return {
        ok: true,
        value: {
          schema: namespace.urn,
          isExtension: namespace.isExtension,
          attribute: undefined,
          subAttribute: undefined,
          path: namespace.urn,
        },
      };
    }
    attribute = namespace.byName.get(name.toLowerCase());
  } else if (name !== undefined) {
    const key = name.toLowerCase();
    attribute = model.core.byName.get(key);
    namespace = model.core;
    if (attribute === undefined) {
      const candidates = model.extensions.filter((extension) => extension.byName.has(key));
      if (candidates.length > 1) {
        return {
          ok: false,
          issues: [
            {
              code: 'ambiguous_attribute',
              path: [],
              message: `'${name}' is defined by ${candidates.map((c) => c.urn).join(' and ')}; qualify it with the schema URN`,
              scimType: 'invalidPath',
            },
          ],
        };
      }
      namespace = candidates[0];
      attribute = namespace?.byName.get(key);
    }
  }
  if (attribute === undefined || namespace === undefined)
    return unknown(`'${text}' is not an attribute of ${resourceType.name} resources`);
  let subAttribute: AttributeDefinition | undefined;
  if (subName !== undefined) {
    subAttribute =
      attribute.type === 'complex'
        ? subAttributesOf(attribute).get(subName.toLowerCase())
        : undefined;
    if (subAttribute === undefined)
      return unknown(`'${attribute.name}' has no sub-attribute '${subName}'`);
  }
  const local =
    subAttribute === undefined ? attribute.name : `${attribute.name}.${subAttribute.name}`;
  return {
    ok: true,
    value: {
      schema: namespace.urn,
      isExtension: namespace.isExtension,
      attribute,
      subAttribute,
      path: namespace.isExtension ? `${namespace.urn}:${local}` : local,
    },
  };
}
