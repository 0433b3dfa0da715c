// Discovery (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes and /Schemas, read into the same
// resource type definitions a server is built from, so that diffs and creates follow the server's
// schemas for custom resource types too.
import {
  checkResourceTypeDefinition,
  checkSchemaDefinition,
  isJsonObject,
  type ScimIssue,
  type ScimResourceType,
  type ScimSchema,
  type SchemaDefinitionInput,
} from '@scim/core';
import { readPage } from './paging.js';
import type { Transport } from './transport.js';

/**
 * The `/ServiceProviderConfig` document (RFC 7643 §5), with RFC 9865's `pagination`; other members
 * are kept as the server sent them.
 * @example `(await client.serviceProviderConfig()).bulk?.maxOperations`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export interface ServiceProviderConfig {
  readonly patch?: { readonly supported?: boolean };
  readonly bulk?: {
    readonly supported?: boolean;
    readonly maxOperations?: number;
    readonly maxPayloadSize?: number;
  };
  readonly filter?: { readonly supported?: boolean; readonly maxResults?: number };
  readonly changePassword?: { readonly supported?: boolean };
  readonly sort?: { readonly supported?: boolean };
  readonly etag?: { readonly supported?: boolean };
  readonly pagination?: {
    readonly cursor?: boolean;
    readonly index?: boolean;
    readonly defaultPaginationMethod?: string;
    readonly defaultPageSize?: number;
    readonly maxPageSize?: number;
    readonly cursorTimeout?: number;
  };
  readonly authenticationSchemes?: readonly Record<string, unknown>[];
  readonly [member: string]: unknown;
}

/**
 * What `client.discover()` found: the configuration, every resource type with its schemas (as
 * `defineResourceType` would make them), and what could not be read, as issues.
 * @example
 * ```ts
 * const { resourceTypes } = await client.discover();
 * const devices = client.resource('Device'); // typed by the discovered schema at run time
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-4
 */
export interface ScimDiscovery {
  readonly serviceProviderConfig: ServiceProviderConfig;
  readonly resourceTypes: readonly ScimResourceType[];
  readonly issues: readonly ScimIssue[];
}

export async function discover(transport: Transport): Promise<ScimDiscovery> {
  const [config, types, schemas] = await Promise.all([
    transport.send({ method: 'GET', path: '/ServiceProviderConfig' }),
    transport.send({ method: 'GET', path: '/ResourceTypes' }),
    transport.send({ method: 'GET', path: '/Schemas' }),
  ]);
  const issues: ScimIssue[] = [];
  const byId = new Map<string, ScimSchema>();
  for (const [index, raw] of listOf(schemas).entries()) {
    const schema = readSchema(raw, index, issues);
    if (schema !== undefined) byId.set(schema.id.toLowerCase(), schema);
  }
  const resourceTypes: ScimResourceType[] = [];
  for (const [index, raw] of listOf(types).entries()) {
    const type = readResourceType(raw, index, byId, issues);
    if (type !== undefined) resourceTypes.push(type);
  }
  return {
    serviceProviderConfig: isJsonObject(config.body) ? config.body : {},
    resourceTypes,
    issues,
  };
}

function listOf(answer: { body: unknown; url: string; method: string }): unknown[] {
  // Some servers answer discovery with a bare array rather than a ListResponse.
  if (Array.isArray(answer.body)) return answer.body as unknown[];
  return readPage<unknown>(answer).resources;
}

function readSchema(raw: unknown, index: number, issues: ScimIssue[]): ScimSchema | undefined {
  if (!isJsonObject(raw)) return undefined;
  const input = {
    id: raw.id,
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    attributes: raw.attributes,
  } as SchemaDefinitionInput;
  const result = checkSchemaDefinition(input);
  if (result.ok) return result.value;
  // The Schema schema itself nests complex attributes (RFC 7643 §7).
  const nested = checkSchemaDefinition(input, { allowNestedComplex: true });
  if (nested.ok) return nested.value;
  issues.push(
    ...nested.issues.map((issue) => ({ ...issue, path: ['Schemas', index, ...issue.path] })),
  );
  return undefined;
}

function readResourceType(
  raw: unknown,
  index: number,
  schemas: ReadonlyMap<string, ScimSchema>,
  issues: ScimIssue[],
): ScimResourceType | undefined {
  if (!isJsonObject(raw)) return undefined;
  const problem = (message: string): undefined => {
    issues.push({
      code: 'invalid_definition',
      path: ['ResourceTypes', index],
      message,
      scimType: 'invalidValue',
    });
    return undefined;
  };
  const schemaId = typeof raw.schema === 'string' ? raw.schema : '';
  const schema = schemas.get(schemaId.toLowerCase());
  if (schema === undefined)
    return problem(`Resource type ${String(raw.name)}: schema '${schemaId}' is not in /Schemas`);
  const extensions = [];
  for (const extension of Array.isArray(raw.schemaExtensions) ? raw.schemaExtensions : []) {
    if (!isJsonObject(extension) || typeof extension.schema !== 'string') continue;
    const found = schemas.get(extension.schema.toLowerCase());
    if (found === undefined) {
      problem(
        `Resource type ${String(raw.name)}: extension '${extension.schema}' is not in /Schemas`,
      );
      continue;
    }
    extensions.push({ schema: found, required: extension.required === true });
  }
  const result = checkResourceTypeDefinition({
    ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
    name: raw.name as string,
    endpoint: raw.endpoint as string,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    schema,
    schemaExtensions: extensions,
  });
  if (result.ok) return result.value;
  issues.push(
    ...result.issues.map((issue) => ({ ...issue, path: ['ResourceTypes', index, ...issue.path] })),
  );
  return undefined;
}
