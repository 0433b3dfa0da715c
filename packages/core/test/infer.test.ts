// Type-level tests: `tsc` (run by `npm test`) fails if an inferred type drifts.
/* eslint-disable @typescript-eslint/no-unused-vars -- definitions here exist for their inferred types */
import { describe, expectTypeOf, it } from 'vitest';
import type { ENTERPRISE_USER_SCHEMA_URN, GroupResourceType, UserResourceType } from '@scim/core';
import {
  defineResourceType,
  defineSchema,
  type InferResource,
  type InferSchema,
  type ScimMeta,
} from '@scim/core';

describe('type inference from definitions', () => {
  it('infers scalars, required-ness, complex and multi-valued attributes', () => {
    const Device = defineSchema({
      id: 'urn:example:params:scim:schemas:Device',
      attributes: [
        { name: 'serial', required: true },
        { name: 'retired', type: 'boolean' },
        { name: 'cores', type: 'integer' },
        { name: 'tags', multiValued: true },
        {
          name: 'owner',
          type: 'complex',
          subAttributes: [
            { name: 'value', required: true },
            { name: '$ref', type: 'reference' },
          ],
        },
      ],
    });
    expectTypeOf<InferSchema<typeof Device>>().toEqualTypeOf<{
      serial: string;
      retired?: boolean;
      cores?: number;
      tags?: string[];
      owner?: { value: string; $ref?: string };
    }>();

    const DeviceResourceType = defineResourceType({
      name: 'Device',
      endpoint: '/Devices',
      schema: Device,
    });
    type DeviceResource = InferResource<typeof DeviceResourceType>;
    expectTypeOf<DeviceResource['serial']>().toEqualTypeOf<string>();
    expectTypeOf<DeviceResource['id']>().toEqualTypeOf<string>();
    expectTypeOf<DeviceResource['meta']>().toEqualTypeOf<ScimMeta | undefined>();
  });

  it('infers the built-in User with its Enterprise extension under the URN key', () => {
    type User = InferResource<typeof UserResourceType>;
    expectTypeOf<User['userName']>().toEqualTypeOf<string>();
    expectTypeOf<User['active']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<NonNullable<User['emails']>[number]['primary']>().toEqualTypeOf<
      boolean | undefined
    >();
    expectTypeOf<NonNullable<User[typeof ENTERPRISE_USER_SCHEMA_URN]>['manager']>().toEqualTypeOf<
      { value?: string; $ref?: string; displayName?: string } | undefined
    >();
    type Group = InferResource<typeof GroupResourceType>;
    expectTypeOf<Group['displayName']>().toEqualTypeOf<string>();
  });

  it('a required extension is a required property', () => {
    const Ext = defineSchema({ id: 'urn:example:ext', attributes: [{ name: 'x' }] });
    const Base = defineSchema({ id: 'urn:example:base', attributes: [{ name: 'y' }] });
    const Type = defineResourceType({
      name: 'T',
      endpoint: '/T',
      schema: Base,
      schemaExtensions: [{ schema: Ext, required: true }],
    });
    expectTypeOf<InferResource<typeof Type>['urn:example:ext']>().toEqualTypeOf<{ x?: string }>();
  });
});
