import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GroupResourceType,
  ResourceTypeResourceType,
  SchemaResourceType,
  ServiceProviderConfigResourceType,
  UserResourceType,
  validateResource,
  type ScimResourceType,
} from '@scim/core';

function fixture(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`./fixtures/rfc7643/${name}.json`, import.meta.url), 'utf8'),
  );
}

// Unknown attributes are rejected here, so a schema that lacks an attribute the RFC uses fails.
function expectValid(resource: unknown, resourceType: ScimResourceType) {
  const result = validateResource(resource, resourceType, {
    mode: 'response',
    unknownAttributes: 'reject',
  });
  expect(result.ok ? [] : result.issues).toEqual([]);
  if (!result.ok) throw new Error('invalid');
  return result.value;
}

describe('RFC 7643 §8 example representations validate as responses', () => {
  it('§8.1 minimal user', () => {
    const user = expectValid(fixture('8.1-minimal-user'), UserResourceType);
    expect(user.userName).toBe('bjensen@example.com');
  });

  it('§8.2 full user, without the password it lists (returned "never", S-CHAR-23)', () => {
    const user = expectValid(fixture('8.2-full-user'), UserResourceType);
    expect(user).not.toHaveProperty('password');
    expect(user.emails).toHaveLength(2);
    expect(user.x509Certificates).toHaveLength(1);
  });

  it('§8.3 enterprise user', () => {
    const user = expectValid(fixture('8.3-enterprise-user'), UserResourceType);
    expect(user.schemas).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ]);
  });

  it('§8.4 group', () => {
    const group = expectValid(fixture('8.4-group'), GroupResourceType);
    expect(group.members).toHaveLength(2);
  });

  it('§8.5 service provider configuration (no id, S-COMMON-18)', () => {
    const config = expectValid(
      fixture('8.5-service-provider-config'),
      ServiceProviderConfigResourceType,
    );
    expect(config).not.toHaveProperty('id');
  });

  it('§8.6 resource types', () => {
    const list = fixture('8.6-resource-types') as unknown[];
    for (const resourceType of list) expectValid(resourceType, ResourceTypeResourceType);
  });

  it('§8.7.1 and §8.7.2 schema representations validate against the Schema schema', () => {
    const schemas = [
      ...(fixture('8.7.1-resource-schemas') as Record<string, unknown>[]),
      ...(fixture('8.7.2-service-provider-schemas') as Record<string, unknown>[]),
    ];
    expect(schemas).toHaveLength(6);
    for (const schema of schemas) {
      // The RFC's examples omit `schemas`; the Schema resource carries it when served.
      expectValid(
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...schema },
        SchemaResourceType,
      );
    }
  });
});
