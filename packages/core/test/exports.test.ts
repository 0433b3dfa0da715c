// The public surface of @scim/core: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as core from '@scim/core';

it('exports exactly the documented names', () => {
  expect(Object.keys(core).sort()).toEqual([
    'BULK_REQUEST_URN',
    'BULK_RESPONSE_URN',
    'COMMON_ATTRIBUTES',
    'COMPATIBILITY_PROFILES',
    'DEFAULT_MAX_STRING_LENGTH',
    'ENTERPRISE_USER_SCHEMA_URN',
    'ERROR_URN',
    'EnterpriseUserSchema',
    'GROUP_SCHEMA_URN',
    'GroupResourceType',
    'GroupSchema',
    'JSON_MEDIA_TYPE',
    'LIST_RESPONSE_URN',
    'MAX_JSON_DEPTH',
    'PATCH_OP_URN',
    'RESOURCE_TYPE_SCHEMA_URN',
    'ResourceTypeResourceType',
    'ResourceTypeSchema',
    'SCHEMA_SCHEMA_URN',
    'SCIM_API_URN_PREFIX',
    'SCIM_MEDIA_TYPE',
    'SCIM_SCHEMAS_URN_PREFIX',
    'SCIM_TYPE_STATUS',
    'SEARCH_REQUEST_URN',
    'SERVICE_PROVIDER_CONFIG_SCHEMA_URN',
    'SchemaDefinitionError',
    'SchemaResourceType',
    'SchemaSchema',
    'ScimError',
    'ServiceProviderConfigResourceType',
    'ServiceProviderConfigSchema',
    'USER_SCHEMA_URN',
    'UserResourceType',
    'UserSchema',
    'attributeValueKey',
    'attributeValuesEqual',
    'caseFold',
    'checkResourceTypeDefinition',
    'checkSchemaDefinition',
    'computeETag',
    'createMeta',
    'defineResourceType',
    'defineSchema',
    'formatIssuePath',
    'isBase64',
    'isCaseExact',
    'isDateTime',
    'isJsonObject',
    'isScimError',
    'isScimType',
    'isUriReference',
    'parseAttributePath',
    'parseDateTime',
    'parseProjection',
    'projectResource',
    'resolveAttributePath',
    'stableStringify',
    'toResourceTypeResource',
    'toSchemaResource',
    'toScimError',
    'uniqueAttributesOf',
    'validateAttributeValue',
    'validateResource',
    'withMeta',
  ]);
});

it('every URN constant is a string of the form RFC 7643 §10.2.1 gives', () => {
  const urns = Object.entries(core).filter(([name]) => name.endsWith('_URN'));
  expect(urns.length).toBe(12);
  for (const [, value] of urns) expect(value).toMatch(/^urn:ietf:params:scim:(schemas|api):/);
});

it('uniqueAttributesOf: userName is the User’s one unique attribute (RFC 7643 §4.1.1), and id is never listed', () => {
  expect(core.uniqueAttributesOf(core.UserResourceType).map((unique) => unique.path)).toEqual([
    'userName',
  ]);
  expect(core.uniqueAttributesOf(core.GroupResourceType).map((unique) => unique.path)).toEqual([]);
});
