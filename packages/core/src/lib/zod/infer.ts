// The TypeScript shapes the zod schemas give, computed from the schema definitions as
// InferResource computes a stored resource (schemas/infer.ts), with each shape's mutability and
// `returned` rules applied.
import type { AttributeDefinitionInput } from '../schemas/define.js';
import type { RESOURCE_TYPE_SCHEMA_URN, SERVICE_PROVIDER_CONFIG_SCHEMA_URN } from '../constants.js';
import type { ScimMeta } from '../schemas/infer.js';
import type { ScimResourceType, SchemaExtension } from '../schemas/resource-type.js';
import type { ResourceShape } from './rules.js';

export type { ResourceShape };

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type AttributeValue<A extends AttributeDefinitionInput, TShape extends ResourceShape> = (
  A extends {
    readonly type: 'complex';
    readonly subAttributes: infer S extends readonly AttributeDefinitionInput[];
  }
    ? InferAttributesShape<S, TShape>
    : A extends { readonly type: 'boolean' }
      ? boolean
      : A extends { readonly type: 'decimal' | 'integer' }
        ? number
        : string
) extends infer V
  ? A extends { readonly multiValued: true }
    ? V[]
    : V
  : never;

/**
 * The TypeScript shape of a list of attribute definitions in one resource shape: attributes the
 * shape leaves out are absent, required ones are required properties, complex values nest.
 * @example `type Name = InferAttributesShape<typeof UserSchema.definition.attributes, 'create'>`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export type InferAttributesShape<
  TAttributes extends readonly AttributeDefinitionInput[],
  TShape extends ResourceShape,
> = Simplify<
  // Left out: readOnly attributes on writes, returned "never" ones on reads. Required: required
  // attributes, except writeOnly ones on reads (they are never returned).
  {
    -readonly [
      A in TAttributes[number] as A extends (
        TShape extends 'read' ? { readonly returned: 'never' } : { readonly mutability: 'readOnly' }
      )
        ? never
        : A extends { readonly required: true }
          ? TShape extends 'read'
            ? A extends { readonly mutability: 'writeOnly' }
              ? never
              : A['name']
            : A['name']
          : never
    ]: AttributeValue<A, TShape>;
  } & {
    -readonly [
      A in TAttributes[number] as A extends (
        TShape extends 'read' ? { readonly returned: 'never' } : { readonly mutability: 'readOnly' }
      )
        ? never
        : A extends { readonly required: true }
          ? TShape extends 'read'
            ? A extends { readonly mutability: 'writeOnly' }
              ? A['name']
              : never
            : never
          : A['name']
    ]?: AttributeValue<A, TShape>;
  }
>;

type ExtensionData<TExtensions extends readonly SchemaExtension[], TShape extends ResourceShape> = {
  -readonly [
    X in TExtensions[number] as X['required'] extends true ? X['schema']['id'] : never
  ]: InferAttributesShape<X['schema']['definition']['attributes'], TShape>;
} & {
  -readonly [
    X in TExtensions[number] as X['required'] extends true ? never : X['schema']['id']
  ]?: InferAttributesShape<X['schema']['definition']['attributes'], TShape>;
};

/**
 * The TypeScript type a zod schema of `toZod` gives for one shape of a resource type:
 * `create` and `replace` without readOnly attributes (`id`, `meta`, `groups`), `read` without
 * returned "never" attributes (`password`) and with `id` required.
 * @example `type NewUser = InferResourceShape<typeof UserResourceType, 'create'>`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export type InferResourceShape<
  TResourceType extends ScimResourceType,
  TShape extends ResourceShape,
> =
  TResourceType extends ScimResourceType<infer TSchema, infer TExtensions>
    ? Simplify<
        { schemas: string[] } & (TShape extends 'read'
          ? // The common attributes (RFC 7643 §3.1): `id` and `meta` are readOnly, so only a read
            // holds them; ServiceProviderConfig and ResourceType documents may lack `id` (§5, §6).
            (TSchema['id'] extends
              typeof SERVICE_PROVIDER_CONFIG_SCHEMA_URN | typeof RESOURCE_TYPE_SCHEMA_URN
              ? { id?: string }
              : { id: string }) & { externalId?: string; meta?: ScimMeta }
          : { externalId?: string }) &
          InferAttributesShape<TSchema['definition']['attributes'], TShape> &
          ExtensionData<TExtensions, TShape>
      >
    : never;
