import type { ScimResult } from './issues.js';
import { resolveAttributePath, type ResolvedAttributePath } from './path.js';
import type { AttributeDefinition } from './schemas/define.js';
import type { ScimResource } from './schemas/infer.js';
import { modelOf, type SchemaNamespace } from './schemas/model.js';
import type { ScimResourceType } from './schemas/resource-type.js';

/**
 * The `attributes` / `excludedAttributes` parameters as they arrive: comma-separated text (a query
 * string) or a list (a SearchRequest body).
 * @example `{ attributes: 'userName,name.givenName' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.9
 */
export interface ProjectionRequest {
  readonly attributes?: string | readonly string[] | undefined;
  readonly excludedAttributes?: string | readonly string[] | undefined;
}

/**
 * A parsed projection: the default set, only the listed attributes, or the default set without them.
 * @example `parseProjection(UserResourceType, { excludedAttributes: 'emails' })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.9
 */
export interface Projection {
  readonly kind: 'default' | 'include' | 'exclude';
  readonly paths: readonly ResolvedAttributePath[];
}

/**
 * Parses `attributes` / `excludedAttributes`: names are trimmed, case-insensitive and may be
 * URN-qualified; unknown names are ignored (checklist P-PROJ-09, P-PROJ-10); giving both parameters
 * is an invalidValue issue (P-PROJ-08). A name with a value filter, `emails[type eq "work"]`, names
 * its attribute (`emails`), in either parameter: RFC 7644 §3.9 takes attribute names only.
 * @example
 * ```ts
 * const projection = parseProjection(UserResourceType, { attributes: url.searchParams.get('attributes') ?? undefined });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.9
 */
export function parseProjection(
  resourceType: ScimResourceType,
  request: ProjectionRequest = {},
): ScimResult<Projection> {
  const attributes = splitNames(request.attributes);
  const excluded = splitNames(request.excludedAttributes);
  if (attributes.length > 0 && excluded.length > 0) {
    return {
      ok: false,
      issues: [
        {
          code: 'conflicting_parameters',
          path: [],
          message: "'attributes' and 'excludedAttributes' cannot be used together",
          scimType: 'invalidValue',
        },
      ],
    };
  }
  const names = attributes.length > 0 ? attributes : excluded;
  const kind = attributes.length > 0 ? 'include' : excluded.length > 0 ? 'exclude' : 'default';
  return { ok: true, value: { kind, paths: resolveAll(resourceType, names) } };
}

function splitNames(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? splitList(value) : value.flatMap(splitList);
  return list.map((name) => withoutValueFilter(name).trim()).filter((name) => name !== '');
}

/** Splits on commas outside a value filter, whose quoted strings (either quote) may hold commas. */
function splitList(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote !== undefined) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (depth > 0 && (char === '"' || char === "'")) quote = char;
    else if (char === '[') depth++;
    else if (char === ']') depth = Math.max(depth - 1, 0);
    else if (char === ',' && depth === 0) {
      names.push(text.slice(start, i));
      start = i + 1;
    }
  }
  names.push(text.slice(start));
  return names;
}

/**
 * `emails[type eq "work"]` names `emails`, and `emails[type eq "work"].value` names `emails.value`:
 * Microsoft's SCIM test collection sends such names, which RFC 7644 §3.9 does not define (it takes
 * attribute names), and returning the attribute is the only reading that answers the client at all.
 */
function withoutValueFilter(name: string): string {
  const open = name.indexOf('[');
  if (open === -1) return name;
  const close = name.lastIndexOf(']');
  return close > open ? name.slice(0, open) + name.slice(close + 1) : name.slice(0, open);
}

function resolveAll(
  resourceType: ScimResourceType,
  names: readonly string[],
): ResolvedAttributePath[] {
  return names.flatMap((name) => {
    const result = resolveAttributePath(resourceType, name);
    return result.ok ? [result.value] : [];
  });
}

/**
 * What to return of a resource besides its projection: `supplied` names the attributes the client
 * sent in a POST, PUT or PATCH, whose "request" attributes are then returned (RFC 7643 §7).
 * @example `{ projection, supplied: ['urn:example:test:2.0:User:secret'] }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export interface ProjectOptions {
  readonly projection?: Projection | undefined;
  readonly supplied?: readonly string[] | undefined;
}

type Selection = 'whole' | Set<AttributeDefinition>;

/**
 * Applies the `returned` characteristic and a projection to a resource (RFC 7644 §3.9): "always"
 * attributes and `schemas` stay, "never" attributes go, "default" ones follow the projection and
 * "request" ones appear only when named or supplied.
 * @example
 * ```ts
 * const body = projectResource(stored, UserResourceType, { projection });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.9
 */
export function projectResource(
  resource: ScimResource,
  resourceType: ScimResourceType,
  options: ProjectOptions = {},
): ScimResource {
  const model = modelOf(resourceType);
  const projection = options.projection ?? DEFAULT_PROJECTION;
  const out: ScimResource = { schemas: [...resource.schemas] };
  // Most responses use the default projection with nothing supplied: one shared, empty context.
  const context: ProjectContext =
    projection.paths.length === 0 &&
    (options.supplied === undefined || options.supplied.length === 0)
      ? EMPTY_CONTEXTS[projection.kind]
      : {
          kind: projection.kind,
          listed: selections(projection.paths),
          supplied: selections(resolveAll(resourceType, options.supplied ?? [])),
          wholeNamespaces: new Set(
            projection.paths.filter((p) => p.attribute === undefined).map((p) => p.schema),
          ),
        };
  projectNamespace(context, model.core, resource, out);
  for (const extension of model.extensions) {
    const data = resource[extension.urn];
    if (typeof data !== 'object' || data === null) continue;
    const projected = projectNamespace(context, extension, data as Record<string, unknown>, {});
    if (Object.keys(projected).length > 0) out[extension.urn] = projected;
  }
  return out;
}

const DEFAULT_PROJECTION: Projection = { kind: 'default', paths: [] };

/** Constants, never added to: a context with nothing listed or supplied, per kind. */
const EMPTY_CONTEXTS: Readonly<Record<Projection['kind'], ProjectContext>> = {
  default: emptyContext('default'),
  include: emptyContext('include'),
  exclude: emptyContext('exclude'),
};

function emptyContext(kind: Projection['kind']): ProjectContext {
  return { kind, listed: new Map(), supplied: new Map(), wholeNamespaces: new Set() };
}

function selections(paths: readonly ResolvedAttributePath[]): Map<AttributeDefinition, Selection> {
  const map = new Map<AttributeDefinition, Selection>();
  for (const path of paths) {
    if (path.attribute === undefined) continue;
    const current = map.get(path.attribute);
    if (path.subAttribute === undefined || current === 'whole') {
      map.set(path.attribute, 'whole');
    } else if (current === undefined) {
      map.set(path.attribute, new Set([path.subAttribute]));
    } else {
      current.add(path.subAttribute);
    }
  }
  return map;
}

interface ProjectContext {
  readonly kind: Projection['kind'];
  readonly listed: ReadonlyMap<AttributeDefinition, Selection>;
  readonly supplied: ReadonlyMap<AttributeDefinition, Selection>;
  readonly wholeNamespaces: ReadonlySet<string>;
}

/** Writes the projected attributes of one namespace into `out`, which it returns. */
function projectNamespace(
  context: ProjectContext,
  namespace: SchemaNamespace,
  data: Record<string, unknown>,
  out: Record<string, unknown>,
): Record<string, unknown> {
  const namespaceListed = context.wholeNamespaces.has(namespace.urn);
  for (const attribute of namespace.attributes) {
    const value = data[attribute.name];
    if (value === undefined || value === null || attribute.returned === 'never') continue;
    const listed = namespaceListed ? 'whole' : context.listed.get(attribute);
    const supplied = context.supplied.get(attribute);
    let keep: Selection | 'defaults' | undefined;
    if (attribute.returned === 'always') keep = listed === 'whole' ? 'whole' : 'defaults';
    else if (context.kind === 'include') keep = listed === 'whole' ? 'defaults' : listed;
    else if (context.kind === 'exclude' && listed === 'whole') keep = undefined;
    else if (attribute.returned === 'request')
      keep = supplied === undefined ? undefined : 'defaults';
    else keep = 'defaults';
    if (keep === undefined) continue;
    if (attribute.type !== 'complex') {
      out[attribute.name] = value;
      continue;
    }
    const pick = (item: unknown): unknown =>
      pickSubAttributes(attribute, item, keep, context.kind === 'exclude' ? listed : undefined);
    const projected = Array.isArray(value)
      ? value.map(pick).filter((item) => item !== undefined)
      : pick(value);
    if (projected === undefined || (Array.isArray(projected) && projected.length === 0)) continue;
    out[attribute.name] = projected;
  }
  return out;
}

function pickSubAttributes(
  attribute: AttributeDefinition,
  value: unknown,
  keep: Selection | 'defaults',
  excluded: Selection | undefined,
): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const sub of attribute.subAttributes) {
    const subValue = record[sub.name];
    if (subValue === undefined || subValue === null || sub.returned === 'never') continue;
    const named = keep instanceof Set && keep.has(sub);
    const excludedHere = excluded instanceof Set && excluded.has(sub);
    const include =
      sub.returned === 'always' ||
      named ||
      (!(keep instanceof Set) && sub.returned !== 'request' && !excludedHere);
    if (include) out[sub.name] = subValue;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
