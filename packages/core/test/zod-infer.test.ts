// The TypeScript types of toZod's schemas (checked by `tsc`; the runtime assertions are no-ops):
// z.infer gives each shape's resource type, computed from the schema definitions.
import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import {
  defineResourceType,
  defineSchema,
  UserResourceType,
  type ENTERPRISE_USER_SCHEMA_URN,
  type GroupResourceType,
  type ScimMeta,
  type ServiceProviderConfigResourceType,
} from '@scim/core';
import { toZod, type InferResourceShape, type ScimZodSchema } from '@scim/core/zod';

const DeviceResourceType = defineResourceType({
  name: 'Device',
  endpoint: '/Devices',
  schema: defineSchema({
    id: 'urn:example:params:scim:schemas:core:2.0:Device',
    attributes: [
      { name: 'serialNumber', required: true, caseExact: true },
      { name: 'ports', type: 'integer', multiValued: true },
      { name: 'retired', type: 'boolean' },
      { name: 'lastSeen', type: 'dateTime', mutability: 'readOnly', required: true },
      { name: 'pin', mutability: 'writeOnly', required: true },
      { name: 'secret', mutability: 'writeOnly', returned: 'never' },
      {
        name: 'owner',
        type: 'complex',
        subAttributes: [
          { name: 'value', required: true },
          { name: 'display', mutability: 'readOnly' },
        ],
      },
    ],
  }),
  schemaExtensions: [
    {
      schema: defineSchema({
        id: 'urn:example:params:scim:schemas:extension:site:2.0:Device',
        attributes: [
          { name: 'site', required: true },
          { name: 'weight', type: 'decimal' },
        ],
      }),
      required: true,
    },
  ],
});
const Device = toZod(DeviceResourceType);

describe('z.infer of toZod schemas', () => {
  it('create: readOnly attributes and sub-attributes absent, required ones required', () => {
    expectTypeOf<z.infer<typeof Device.create>>().toEqualTypeOf<{
      schemas: string[];
      externalId?: string;
      serialNumber: string;
      pin: string;
      ports?: number[];
      retired?: boolean;
      secret?: string;
      owner?: { value: string };
      'urn:example:params:scim:schemas:extension:site:2.0:Device': {
        site: string;
        weight?: number;
      };
    }>();
  });

  it('replace: the create shape', () => {
    expectTypeOf<z.infer<typeof Device.replace>>().toEqualTypeOf<z.infer<typeof Device.create>>();
  });

  it('read: id and readOnly attributes kept, returned "never" ones absent, writeOnly ones optional', () => {
    expectTypeOf<z.infer<typeof Device.read>>().toEqualTypeOf<{
      schemas: string[];
      id: string;
      externalId?: string;
      meta?: ScimMeta;
      serialNumber: string;
      lastSeen: string;
      pin?: string;
      ports?: number[];
      retired?: boolean;
      owner?: { value: string; display?: string };
      'urn:example:params:scim:schemas:extension:site:2.0:Device': {
        site: string;
        weight?: number;
      };
    }>();
  });

  it('the input type is the output type, so that tRPC and Hono clients get typed bodies', () => {
    expectTypeOf<z.input<typeof Device.create>>().toEqualTypeOf<z.infer<typeof Device.create>>();
  });

  it('User: userName required, no id or groups on create, no password on read', () => {
    const User = toZod(UserResourceType);
    expectTypeOf(User.create).toEqualTypeOf<ScimZodSchema<typeof UserResourceType, 'create'>>();
    type NewUser = z.infer<typeof User.create>;
    type ReadUser = z.infer<typeof User.read>;
    expectTypeOf<NewUser['userName']>().toEqualTypeOf<string>();
    expectTypeOf<NewUser>().not.toHaveProperty('id');
    expectTypeOf<NewUser>().not.toHaveProperty('groups');
    expectTypeOf<NewUser['password']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NewUser['emails']>().toEqualTypeOf<
      { value?: string; display?: string; type?: string; primary?: boolean }[] | undefined
    >();
    expectTypeOf<
      NonNullable<NewUser[typeof ENTERPRISE_USER_SCHEMA_URN]>['manager']
    >().toEqualTypeOf<{ value?: string; $ref?: string } | undefined>();
    expectTypeOf<ReadUser>().not.toHaveProperty('password');
    expectTypeOf<ReadUser['id']>().toEqualTypeOf<string>();
    expectTypeOf<ReadUser['groups']>().toEqualTypeOf<
      { value?: string; $ref?: string; display?: string; type?: string }[] | undefined
    >();
  });

  it('Group: members without the readOnly display on create', () => {
    type NewGroup = z.infer<ReturnType<typeof toZod<typeof GroupResourceType>>['create']>;
    expectTypeOf<NewGroup['members']>().toEqualTypeOf<
      { value?: string; $ref?: string; type?: string }[] | undefined
    >();
  });

  it('ServiceProviderConfig: a read may lack id (RFC 7643 §5)', () => {
    expectTypeOf<
      InferResourceShape<typeof ServiceProviderConfigResourceType, 'read'>['id']
    >().toEqualTypeOf<string | undefined>();
  });

  it('ScimZodSchema names one shape', () => {
    expectTypeOf(Device.read).toEqualTypeOf<ScimZodSchema<typeof DeviceResourceType, 'read'>>();
  });
});
