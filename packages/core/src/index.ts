/**
 * `@scim/core`: the SCIM 2.0 schema model (RFC 7643), its validators, attribute paths, projection,
 * meta helpers and the one SCIM error type. It does no HTTP, so SCIM clients can use it too.
 *
 * @example
 * ```ts
 * import { validateResource, UserResourceType, ScimError } from '@scim/core';
 * const result = validateResource(body, UserResourceType, { mode: 'create' });
 * if (!result.ok) throw ScimError.fromIssues(result.issues);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643
 * @packageDocumentation
 */
export * from './lib/constants.js';
export {
  ScimError,
  SCIM_TYPE_STATUS,
  isScimError,
  isScimType,
  toScimError,
  type ScimErrorBody,
  type ScimErrorOptions,
  type ScimType,
} from './lib/error.js';
export {
  formatIssuePath,
  type ScimIssue,
  type ScimIssueCode,
  type ScimIssuePath,
  type ScimAppliedRule,
  type ScimResult,
} from './lib/issues.js';
export {
  checkSchemaDefinition,
  defineSchema,
  SchemaDefinitionError,
  type AttributeDefinition,
  type AttributeDefinitionInput,
  type AttributeType,
  type BuildSchemaOptions,
  type Mutability,
  type Returned,
  type SchemaDefinitionInput,
  type ScimSchema,
  type Uniqueness,
} from './lib/schemas/define.js';
export {
  checkResourceTypeDefinition,
  defineResourceType,
  type ResourceTypeDefinitionInput,
  type SchemaExtension,
  type ScimResourceType,
} from './lib/schemas/resource-type.js';
export type {
  InferAttributes,
  InferResource,
  InferSchema,
  ScimMeta,
  ScimResource,
} from './lib/schemas/infer.js';
export { COMMON_ATTRIBUTES } from './lib/schemas/common.js';
export { uniqueAttributesOf, type UniqueAttribute } from './lib/schemas/unique.js';
export { UserSchema } from './lib/schemas/user.js';
export { GroupSchema } from './lib/schemas/group.js';
export { EnterpriseUserSchema } from './lib/schemas/enterprise-user.js';
export { ServiceProviderConfigSchema } from './lib/schemas/service-provider-config.js';
export { ResourceTypeSchema } from './lib/schemas/resource-type-schema.js';
export { SchemaSchema } from './lib/schemas/schema-schema.js';
export {
  GroupResourceType,
  ResourceTypeResourceType,
  SchemaResourceType,
  ServiceProviderConfigResourceType,
  UserResourceType,
} from './lib/schemas/resource-types.js';
export { toResourceTypeResource, toSchemaResource } from './lib/schemas/discovery.js';
export {
  validateAttributeValue,
  validateResource,
  type AttributeValueOptions,
  type ValidationOptions,
} from './lib/validate.js';
export {
  COMPATIBILITY_PROFILES,
  DEFAULT_MAX_STRING_LENGTH,
  isJsonObject,
  type CompatibilityOptions,
  type ValidationMode,
} from './lib/validate-value.js';
export {
  parseAttributePath,
  resolveAttributePath,
  type ResolvedAttributePath,
} from './lib/path.js';
export {
  parseProjection,
  projectResource,
  type Projection,
  type ProjectionRequest,
  type ProjectOptions,
} from './lib/project.js';
export { computeETag, createMeta, nextLastModified, withMeta, type MetaInput } from './lib/meta.js';
export { attributeValueKey, attributeValuesEqual, caseFold, isCaseExact } from './lib/equality.js';
export {
  formatDateTime,
  isBase64,
  isDateTime,
  isUriReference,
  parseDateTime,
} from './lib/values.js';
export { randomUuid } from './lib/ids.js';
export { MAX_JSON_DEPTH, stableStringify } from './lib/json.js';
