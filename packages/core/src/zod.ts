/**
 * `@scim/core/zod`: zod schemas built from SCIM schema definitions, for applications that already
 * validate with zod (forms, tRPC procedures, Hono validators). They accept and refuse what
 * `validateResource` does and give the same normalised value. zod is an optional peer dependency,
 * loaded only by this entry; `@scim/core` itself never imports it.
 *
 * @example
 * ```ts
 * import { UserResourceType } from '@scim/core';
 * import { toZod } from '@scim/core/zod';
 * const User = toZod(UserResourceType);
 * const result = User.create.safeParse(body);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 * @packageDocumentation
 */
import type * as z from 'zod';
import { DEFAULT_MAX_STRING_LENGTH, type CompatibilityOptions } from './lib/validate-value.js';
import type { ScimResourceType } from './lib/schemas/resource-type.js';
import type { InferResourceShape, ResourceShape } from './lib/zod/infer.js';
import { resourceSchema } from './lib/zod/resource.js';
import type { BuildContext } from './lib/zod/rules.js';

export type { InferAttributesShape, InferResourceShape, ResourceShape } from './lib/zod/infer.js';

/**
 * The choices of `validateResource` that shape what the schemas accept, with the same defaults:
 * unknown attributes dropped, canonical values lenient, no compatibility leniency, strings up to
 * `DEFAULT_MAX_STRING_LENGTH`.
 * @example `toZod(UserResourceType, { unknownAttributes: 'reject', compatibility: COMPATIBILITY_PROFILES.entra })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.3
 */
export interface ToZodOptions {
  /** Attributes no schema defines are dropped (`ignore`, the default) or refused. */
  readonly unknownAttributes?: 'ignore' | 'reject';
  /** `strict` refuses values outside `canonicalValues` and a User `addresses.country` that is not ISO 3166-1 alpha-2. */
  readonly canonicalValues?: 'lenient' | 'strict';
  /** Refuse extension data whose URN is missing from `schemas`. */
  readonly requireExtensionSchemas?: boolean;
  readonly compatibility?: CompatibilityOptions;
  /** Longer strings are refused in `create` and `replace` (not checked in `read`). */
  readonly maxStringLength?: number;
}

/**
 * A zod schema of one shape of a resource: it reads any JSON value and gives the normalised
 * resource, typed from the schema definitions.
 * @example `const parsed: ScimZodSchema<typeof UserResourceType, 'create'> = toZod(UserResourceType).create`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2
 */
export type ScimZodSchema<
  TResourceType extends ScimResourceType,
  TShape extends ResourceShape,
> = z.ZodType<InferResourceShape<TResourceType, TShape>, InferResourceShape<TResourceType, TShape>>;

/**
 * The schemas `toZod` makes for a resource type: `create` for a POST body, `replace` for a PUT body,
 * `read` for a resource a service provider returns.
 * @example `type NewUser = z.infer<ScimZodSchemas<typeof UserResourceType>['create']>`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.3
 */
export interface ScimZodSchemas<TResourceType extends ScimResourceType> {
  /** A POST body: readOnly attributes ignored, required ones enforced (`validateResource` mode `create`). */
  readonly create: ScimZodSchema<TResourceType, 'create'>;
  /**
   * A PUT body, read as `create` reads it. Whether an immutable value differs from the stored one
   * needs the stored resource: `validateResource` mode `replace` with `existing` decides that.
   */
  readonly replace: ScimZodSchema<TResourceType, 'replace'>;
  /** A returned resource: `id` and the other readOnly attributes kept, returned "never" ones (`password`) dropped. */
  readonly read: ScimZodSchema<TResourceType, 'read'>;
}

/**
 * Builds zod schemas for a resource type's create, replace and read shapes from its schema
 * definitions: types, required attributes, mutability, `returned`, canonical values and extension
 * URNs, attribute names in any case (RFC 7643 §2.1). Each schema accepts the same inputs as
 * `validateResource` in the matching mode and parses to the same value.
 * @example
 * ```ts
 * import { UserResourceType } from '@scim/core';
 * import { toZod } from '@scim/core/zod';
 * import type { z } from 'zod';
 *
 * const User = toZod(UserResourceType);
 * type NewUser = z.infer<typeof User.create>; // { schemas: string[]; userName: string; … }
 * const user = User.create.parse({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], UserName: 'bjensen' });
 * // { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bjensen' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export function toZod<const TResourceType extends ScimResourceType>(
  resourceType: TResourceType,
  options: ToZodOptions = {},
): ScimZodSchemas<TResourceType> {
  const build = <TShape extends ResourceShape>(shape: TShape) => {
    const context: BuildContext = {
      shape,
      rejectUnknown: options.unknownAttributes === 'reject',
      strictCanonicalValues: options.canonicalValues === 'strict',
      compatibility: options.compatibility ?? {},
      maxStringLength:
        shape === 'read' ? undefined : (options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH),
      requireExtensionSchemas: options.requireExtensionSchemas === true,
    };
    // The runtime schema gives exactly these shapes; zod cannot compute them from data.
    return resourceSchema(context, resourceType) as unknown as ScimZodSchema<TResourceType, TShape>;
  };
  // Each shape is built when first read: most applications use one or two of them.
  let create: ScimZodSchema<TResourceType, 'create'> | undefined;
  let replace: ScimZodSchema<TResourceType, 'replace'> | undefined;
  let read: ScimZodSchema<TResourceType, 'read'> | undefined;
  return Object.freeze({
    get create() {
      return (create ??= build('create'));
    },
    get replace() {
      return (replace ??= build('replace'));
    },
    get read() {
      return (read ??= build('read'));
    },
  });
}
