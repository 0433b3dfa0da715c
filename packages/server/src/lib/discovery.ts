// /ServiceProviderConfig, /ResourceTypes and /Schemas, generated from what the handler really does.
import {
  COMMON_ATTRIBUTES,
  LIST_RESPONSE_URN,
  SERVICE_PROVIDER_CONFIG_SCHEMA_URN,
  ScimError,
  toResourceTypeResource,
  toSchemaResource,
  type ScimResource,
  type ScimSchema,
} from '@scim/core';
import type { Engine, Scope } from './engine.js';
import { scimJson, type Outcome } from './http.js';

export function serviceProviderConfig(engine: Engine, scope: Scope): Outcome {
  const body: ScimResource = {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA_URN],
    documentationUri: 'https://www.rfc-editor.org/rfc/rfc7644',
    patch: { supported: engine.features.patch },
    bulk: {
      supported: engine.features.bulk,
      maxOperations: engine.bulk.maxOperations,
      maxPayloadSize: engine.bulk.maxPayloadSize,
    },
    filter: { supported: engine.features.filter, maxResults: engine.maxResults },
    changePassword: { supported: true },
    sort: { supported: engine.features.sort },
    etag: { supported: engine.features.etag },
    pagination: {
      cursor: engine.cursors !== undefined,
      index: engine.indexPaging,
      defaultPaginationMethod: engine.defaultPaging,
      defaultPageSize: engine.defaultPageSize,
      maxPageSize: engine.maxPageSize,
      ...(engine.cursors === undefined ? {} : { cursorTimeout: engine.cursors.timeoutSeconds }),
    },
    // RFC 9967 §4: present only when configured, its absence saying events are unsupported.
    ...(engine.securityEvents === undefined
      ? {}
      : {
          securityEvents: {
            asyncRequest: engine.securityEvents.asyncRequest,
            eventUris: [...engine.securityEvents.eventUris],
          },
        }),
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with an OAuth 2.0 Bearer Token (RFC 6750)',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${scope.baseUrl}/ServiceProviderConfig`,
    },
  };
  return scimJson(200, body, { 'content-location': `${scope.baseUrl}/ServiceProviderConfig` });
}

function refuseFilter(scope: Scope): void {
  // A filter on discovery would let a client believe it applied (RFC 7644 §4, checklist P-DISC-17).
  if (scope.url.searchParams.has('filter'))
    throw ScimError.forbidden('Discovery endpoints do not support filtering');
}

function list(resources: readonly ScimResource[]): Outcome {
  // Sorting and paging parameters are ignored on discovery endpoints (P-DISC-16).
  return scimJson(200, {
    schemas: [LIST_RESPONSE_URN],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  });
}

export function resourceTypes(engine: Engine, scope: Scope, id: string | undefined): Outcome {
  refuseFilter(scope);
  const render = (rt: (typeof engine.resourceTypes)[number]) =>
    toResourceTypeResource(rt, {
      location: `${scope.baseUrl}/ResourceTypes/${encodeURIComponent(rt.id)}`,
    });
  if (id === undefined) return list(engine.resourceTypes.map(render));
  const found = engine.resourceTypes.find((rt) => rt.id === id || rt.name === id);
  if (found === undefined) throw ScimError.notFound(`Resource type ${id} not found`);
  return scimJson(200, render(found));
}

function allSchemas(engine: Engine): ScimSchema[] {
  const seen = new Map<string, ScimSchema>();
  for (const rt of engine.resourceTypes) {
    for (const schema of [rt.schema, ...rt.schemaExtensions.map((e) => e.schema)])
      seen.set(schema.id, schema);
  }
  return [...seen.values()];
}

const EXTERNAL_ID = COMMON_ATTRIBUTES.find((attribute) => attribute.name === 'externalId');

/**
 * A resource type's core schema as served: with the common attribute `externalId`, which RFC 7643
 * §3.1 lets a schema list, because Entra ID's gallery validation requires every attribute it maps
 * (externalId by default) to appear in /Schemas.
 */
function asServed(engine: Engine, schema: ScimSchema): ScimSchema {
  const isCore = engine.resourceTypes.some((rt) => rt.schema.id === schema.id);
  if (
    !isCore ||
    EXTERNAL_ID === undefined ||
    schema.attributes.some((a) => a.name === 'externalId')
  )
    return schema;
  return { ...schema, attributes: [...schema.attributes, EXTERNAL_ID] };
}

export function schemas(engine: Engine, scope: Scope, id: string | undefined): Outcome {
  refuseFilter(scope);
  const render = (schema: ScimSchema) =>
    toSchemaResource(asServed(engine, schema), {
      location: `${scope.baseUrl}/Schemas/${schema.id}`,
    });
  const known = allSchemas(engine);
  if (id === undefined) return list(known.map(render));
  const found = known.find((schema) => schema.id.toLowerCase() === id.toLowerCase());
  if (found === undefined) throw ScimError.notFound(`Schema ${id} not found`);
  return scimJson(200, render(found));
}
