// The code of docs/schemas.md, kept compiling and behaving as the guide says.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  EnterpriseUserSchema,
  resolveAttributePath,
  UserSchema,
  validateResource,
  type InferResource,
  type ScimMeta,
} from '@scim/core';

const BadgeExtension = defineSchema({
  id: 'urn:example:params:scim:schemas:extension:badge:2.0:User',
  name: 'Badge',
  description: 'Building access badge',
  attributes: [
    {
      name: 'badgeId',
      required: true,
      mutability: 'immutable',
      uniqueness: 'server',
      caseExact: true,
    },
    { name: 'floors', type: 'integer', multiValued: true },
    { name: 'pin', mutability: 'writeOnly', returned: 'never' },
  ],
});

const MyUserResourceType = defineResourceType({
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: UserSchema,
  schemaExtensions: [
    { schema: EnterpriseUserSchema, required: false },
    { schema: BadgeExtension, required: false },
  ],
});

const DeviceSchema = defineSchema({
  id: 'urn:example:params:scim:schemas:core:2.0:Device',
  name: 'Device',
  attributes: [
    { name: 'serialNumber', required: true, uniqueness: 'server', caseExact: true },
    { name: 'model' },
    { name: 'retired', type: 'boolean' },
    { name: 'lastSeen', type: 'dateTime', mutability: 'readOnly' },
    {
      name: 'owner',
      type: 'complex',
      subAttributes: [
        { name: 'value', required: true },
        { name: '$ref', type: 'reference', referenceTypes: ['User'] },
      ],
    },
  ],
});

const DeviceResourceType = defineResourceType({
  name: 'Device',
  endpoint: '/Devices',
  schema: DeviceSchema,
});

const BADGE = 'urn:example:params:scim:schemas:extension:badge:2.0:User';

describe('docs/schemas.md', () => {
  it('infers the types the guide shows', () => {
    type MyUser = InferResource<typeof MyUserResourceType>;
    expectTypeOf<MyUser['userName']>().toEqualTypeOf<string>();
    expectTypeOf<MyUser[typeof BADGE]>().toEqualTypeOf<
      { badgeId: string; floors?: number[]; pin?: string } | undefined
    >();
    type Device = InferResource<typeof DeviceResourceType>;
    expectTypeOf<Device>().toEqualTypeOf<{
      schemas: string[];
      id: string;
      externalId?: string;
      meta?: ScimMeta;
      serialNumber: string;
      model?: string;
      retired?: boolean;
      lastSeen?: string;
      owner?: { value: string; $ref?: string };
    }>();
  });

  it('the badge extension validates, and badgeId resolves with or without its URN', () => {
    const result = validateResource(
      {
        schemas: [UserSchema.id, BADGE],
        userName: 'bjensen',
        [BADGE]: { badgeId: 'B-1', floors: [1, 2], pin: '1234' },
      },
      MyUserResourceType,
      { mode: 'create' },
    );
    expect(result.ok && result.value[BADGE]).toEqual({
      badgeId: 'B-1',
      floors: [1, 2],
      pin: '1234',
    });
    const qualified = resolveAttributePath(MyUserResourceType, `${BADGE}:badgeId`);
    const bare = resolveAttributePath(MyUserResourceType, 'badgeId');
    expect(qualified.ok && bare.ok && qualified.value.attribute === bare.value.attribute).toBe(
      true,
    );
    expect(MyUserResourceType.warnings).toEqual([]);
  });

  it('a device without its required serialNumber is rejected, and readOnly lastSeen is ignored', () => {
    const result = validateResource(
      { schemas: [DeviceSchema.id], lastSeen: '2026-01-01T00:00:00Z' },
      DeviceResourceType,
      { mode: 'create' },
    );
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toEqual([['serialNumber']]);
  });
});
