import { defineResourceType } from './resource-type.js';
import { EnterpriseUserSchema } from './enterprise-user.js';
import { GroupSchema } from './group.js';
import { ResourceTypeSchema } from './resource-type-schema.js';
import { SchemaSchema } from './schema-schema.js';
import { ServiceProviderConfigSchema } from './service-provider-config.js';
import { UserSchema } from './user.js';

/**
 * The User resource type at `/Users`, with the optional Enterprise User extension (RFC 7643 §4.1, §4.3).
 * @example `validateResource(body, UserResourceType, { mode: 'create' })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-8.6
 */
export const UserResourceType = defineResourceType({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: UserSchema,
  schemaExtensions: [{ schema: EnterpriseUserSchema, required: false }],
});

/**
 * The Group resource type at `/Groups` (RFC 7643 §4.2).
 * @example `validateResource(body, GroupResourceType, { mode: 'create' })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-8.6
 */
export const GroupResourceType = defineResourceType({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GroupSchema,
});

/**
 * The ServiceProviderConfig resource (RFC 7643 §5), for validating configuration documents.
 * @example `validateResource(config, ServiceProviderConfigResourceType, { mode: 'response' })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export const ServiceProviderConfigResourceType = defineResourceType({
  name: 'ServiceProviderConfig',
  endpoint: '/ServiceProviderConfig',
  description: 'Service provider configuration',
  schema: ServiceProviderConfigSchema,
});

/**
 * The ResourceType resource (RFC 7643 §6), for validating `/ResourceTypes` documents.
 * @example `validateResource(doc, ResourceTypeResourceType, { mode: 'response' })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export const ResourceTypeResourceType = defineResourceType({
  name: 'ResourceType',
  endpoint: '/ResourceTypes',
  description: 'Resource type',
  schema: ResourceTypeSchema,
});

/**
 * The Schema resource (RFC 7643 §7), for validating `/Schemas` documents.
 * @example `validateResource(doc, SchemaResourceType, { mode: 'response' })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export const SchemaResourceType = defineResourceType({
  name: 'Schema',
  endpoint: '/Schemas',
  description: 'Schema',
  schema: SchemaSchema,
});
