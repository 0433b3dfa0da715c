import type { ScimIssue, ScimResult } from '../issues.js';
import { unwrapDefinition, type ScimSchema } from './define.js';

/**
 * An extension schema attached to a resource type, and whether resources must carry it (RFC 7643 §6).
 * @example `{ schema: EnterpriseUserSchema, required: false }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export interface SchemaExtension<TSchema extends ScimSchema = ScimSchema> {
  readonly schema: TSchema;
  readonly required: boolean;
}

/**
 * A resource type as an application writes it (RFC 7643 §6), with schema objects rather than URNs so
 * that the resource's TypeScript type can be inferred.
 * @example `{ name: 'Device', endpoint: '/Devices', schema: DeviceSchema }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export interface ResourceTypeDefinitionInput<
  TSchema extends ScimSchema = ScimSchema,
  TExtensions extends readonly SchemaExtension[] = readonly SchemaExtension[],
> {
  /** Defaults to `name`. */
  readonly id?: string;
  readonly name: string;
  /** The endpoint path relative to the base URL, such as `/Users`. */
  readonly endpoint: string;
  readonly description?: string;
  readonly schema: TSchema;
  readonly schemaExtensions?: TExtensions;
}

/**
 * A checked resource type. `warnings` lists what RFC 7643 advises against but allows, such as an
 * extension that repeats a core attribute name (checklist S-EXT-10).
 * @example `UserResourceType.schemaExtensions[0]?.schema.id // the Enterprise User URN`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export interface ScimResourceType<
  TSchema extends ScimSchema = ScimSchema,
  TExtensions extends readonly SchemaExtension[] = readonly SchemaExtension[],
> {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: TSchema;
  readonly schemaExtensions: TExtensions;
  readonly warnings: readonly ScimIssue[];
}

const ENDPOINT = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;

/**
 * Checks a resource type definition; see {@link defineResourceType}.
 * @example `checkResourceTypeDefinition({ name: 'Device', endpoint: 'Devices', schema }).ok // false: no leading slash`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export function checkResourceTypeDefinition<
  const TSchema extends ScimSchema,
  const TExtensions extends readonly SchemaExtension[] = readonly [],
>(
  input: ResourceTypeDefinitionInput<TSchema, TExtensions>,
): ScimResult<ScimResourceType<TSchema, TExtensions>> {
  const issues: ScimIssue[] = [];
  const warnings: ScimIssue[] = [];
  const problem = (path: readonly (string | number)[], message: string): void => {
    issues.push({ code: 'invalid_definition', path, message, scimType: 'invalidValue' });
  };
  if (typeof input.name !== 'string' || input.name.trim() === '')
    problem(['name'], 'A resource type needs a name');
  if (typeof input.endpoint !== 'string' || !ENDPOINT.test(input.endpoint)) {
    problem(
      ['endpoint'],
      `Endpoint must be one path segment starting with '/', got ${JSON.stringify(input.endpoint)}`,
    );
  }
  if (input.id !== undefined && (typeof input.id !== 'string' || input.id === ''))
    problem(['id'], 'id must be a non-empty string');
  if (!isSchema(input.schema)) problem(['schema'], 'schema must be a schema made by defineSchema');
  const extensions = input.schemaExtensions ?? ([] as readonly SchemaExtension[] as TExtensions);
  const seen = new Set<string>(isSchema(input.schema) ? [input.schema.id.toLowerCase()] : []);
  const coreNames = new Set(
    isSchema(input.schema) ? input.schema.attributes.map((a) => a.name.toLowerCase()) : [],
  );
  extensions.forEach((extension, index) => {
    if (!isSchema(extension.schema)) {
      problem(
        ['schemaExtensions', index, 'schema'],
        'schema must be a schema made by defineSchema',
      );
      return;
    }
    if (typeof extension.required !== 'boolean')
      problem(['schemaExtensions', index, 'required'], 'required must be a boolean');
    const urn = extension.schema.id.toLowerCase();
    if (seen.has(urn))
      problem(['schemaExtensions', index], `Schema '${extension.schema.id}' is attached twice`);
    seen.add(urn);
    for (const attribute of extension.schema.attributes) {
      if (coreNames.has(attribute.name.toLowerCase())) {
        warnings.push({
          code: 'ambiguous_attribute',
          path: ['schemaExtensions', index, attribute.name],
          message: `Extension '${extension.schema.id}' redefines core attribute '${attribute.name}'; clients must qualify it with the URN (RFC 7643 §3.3)`,
          scimType: 'invalidValue',
        });
      }
    }
  });
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    value: Object.freeze({
      id: input.id ?? input.name,
      name: input.name,
      endpoint: input.endpoint,
      description: input.description ?? '',
      schema: input.schema,
      schemaExtensions: Object.freeze([...extensions]) as unknown as TExtensions,
      warnings: Object.freeze(warnings),
    }),
  };
}

/**
 * Defines a resource type (RFC 7643 §6) from a core schema and its extensions; throws
 * `SchemaDefinitionError` when the definition is invalid.
 * @example
 * ```ts
 * const DeviceResourceType = defineResourceType({
 *   name: 'Device', endpoint: '/Devices', schema: DeviceSchema,
 *   schemaExtensions: [{ schema: DeviceExtension, required: false }],
 * });
 * type Device = InferResource<typeof DeviceResourceType>;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export function defineResourceType<
  const TSchema extends ScimSchema,
  const TExtensions extends readonly SchemaExtension[] = readonly [],
>(
  input: ResourceTypeDefinitionInput<TSchema, TExtensions>,
): ScimResourceType<TSchema, TExtensions> {
  return unwrapDefinition(checkResourceTypeDefinition(input));
}

function isSchema(value: unknown): value is ScimSchema {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ScimSchema).id === 'string' &&
    Array.isArray((value as ScimSchema).attributes)
  );
}
