import type { AttributeDefinitionInput, ScimSchema, SchemaDefinitionInput } from './define.js';
import type { ScimResourceType, SchemaExtension } from './resource-type.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type SingleValue<A extends AttributeDefinitionInput> = A extends {
  readonly type: 'complex';
  readonly subAttributes: infer S extends readonly AttributeDefinitionInput[];
}
  ? InferAttributes<S>
  : A extends { readonly type: 'boolean' }
    ? boolean
    : A extends { readonly type: 'decimal' | 'integer' }
      ? number
      : string;

type AttributeValue<A extends AttributeDefinitionInput> = A extends { readonly multiValued: true }
  ? SingleValue<A>[]
  : SingleValue<A>;

/**
 * The TypeScript shape of a list of attribute definitions: required attributes are required
 * properties, the others optional; complex and multi-valued attributes nest.
 * @example `type Name = InferAttributes<[{ name: 'givenName' }, { name: 'age', type: 'integer', required: true }]>`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3
 */
export type InferAttributes<TAttributes extends readonly AttributeDefinitionInput[]> = Simplify<
  {
    -readonly [
      A in TAttributes[number] as A extends { readonly required: true } ? A['name'] : never
    ]: AttributeValue<A>;
  } & {
    -readonly [
      A in TAttributes[number] as A extends { readonly required: true } ? never : A['name']
    ]?: AttributeValue<A>;
  }
>;

/**
 * The TypeScript shape of the data a schema describes.
 * @example `type Enterprise = InferSchema<typeof EnterpriseUserSchema>; // { employeeNumber?: string; … }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export type InferSchema<TSchema extends ScimSchema> =
  TSchema extends ScimSchema<infer TInput extends SchemaDefinitionInput>
    ? InferAttributes<TInput['attributes']>
    : never;

/**
 * The `meta` complex attribute every resource carries (RFC 7643 §3.1).
 * @example `const meta: ScimMeta = { resourceType: 'User', created: '2026-01-01T00:00:00Z' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3.1
 */
export interface ScimMeta {
  resourceType?: string;
  created?: string;
  lastModified?: string;
  location?: string;
  version?: string;
}

/**
 * Any SCIM resource as JSON: `schemas`, the common attributes, and whatever its schemas define.
 * @example `const user: ScimResource = { schemas: [USER_SCHEMA_URN], userName: 'bjensen' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3
 */
export interface ScimResource {
  schemas: string[];
  id?: string;
  externalId?: string;
  meta?: ScimMeta;
  [attribute: string]: unknown;
}

type ExtensionData<TExtensions extends readonly SchemaExtension[]> = {
  -readonly [
    X in TExtensions[number] as X['required'] extends true ? X['schema']['id'] : never
  ]: InferSchema<X['schema']>;
} & {
  -readonly [
    X in TExtensions[number] as X['required'] extends true ? never : X['schema']['id']
  ]?: InferSchema<X['schema']>;
};

/**
 * The TypeScript type of a stored resource of a resource type: common attributes, core schema
 * attributes, and one property per extension URN.
 * @example
 * ```ts
 * type User = InferResource<typeof UserResourceType>;
 * const manager = (user: User) => user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']?.manager?.value;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3
 */
export type InferResource<TResourceType extends ScimResourceType> =
  TResourceType extends ScimResourceType<infer TSchema, infer TExtensions>
    ? Simplify<
        {
          schemas: string[];
          id: string;
          externalId?: string;
          meta?: ScimMeta;
        } & InferSchema<TSchema> &
          ExtensionData<TExtensions>
      >
    : never;
