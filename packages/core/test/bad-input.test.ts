// Hostile and malformed input: nothing escapes as anything but issues or a ScimError (never a
// TypeError, a stack overflow or a polluted prototype).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeValuesEqual,
  computeETag,
  GroupResourceType,
  isScimError,
  isScimType,
  parseProjection,
  projectResource,
  resolveAttributePath,
  USER_SCHEMA_URN,
  UserSchema,
  validateResource,
  type ScimResource,
} from '@scim/core';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';

const modes = ['create', 'replace', 'response'] as const;

/** The first null, [] or {} inside a value (S-COMMON-20: output never carries them). */
function findUnassigned(value: unknown, path = ''): string | undefined {
  if (value === null) return path;
  if (Array.isArray(value)) {
    if (value.length === 0) return path;
    for (const [index, item] of value.entries()) {
      const found = findUnassigned(item, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
  } else if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return path;
    for (const [key, item] of entries) {
      const found = findUnassigned(item, `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { value };
  return value;
}

describe('prototype pollution (P-SEC)', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`a "${key}" key at any level neither pollutes nor survives`, () => {
      const text = `{"schemas":["${USER_SCHEMA_URN}"],"userName":"x","${key}":{"polluted":true},"name":{"${key}":{"polluted":true},"givenName":"g"},"emails":[{"value":"a","${key}":{"polluted":true}}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"${key}":{"polluted":true},"department":"d"}}`;
      for (const mode of modes) {
        const result = validateResource(JSON.parse(text), TestUserResourceType, {
          mode,
          existing: { schemas: [USER_SCHEMA_URN] },
        });
        const value = result.ok ? result.value : undefined;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
        if (mode !== 'response') {
          expect(value).toBeDefined();
          expect(Object.hasOwn(value ?? {}, key)).toBe(false);
          expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
          expect(JSON.stringify(value)).not.toContain('polluted');
        }
      }
    });

    it(`a "${key}" key is rejected, not followed, when unknown attributes are rejected`, () => {
      const input = JSON.parse(
        `{"schemas":["${USER_SCHEMA_URN}"],"userName":"x","${key}":{"polluted":true}}`,
      ) as unknown;
      const result = validateResource(input, TestUserResourceType, {
        mode: 'create',
        unknownAttributes: 'reject',
      });
      expect(result.ok ? undefined : result.issues[0]).toMatchObject({
        code: 'unknown_attribute',
        path: [key],
      });
    });

    it(`"${key}" is not an attribute path or a projection name`, () => {
      expect(resolveAttributePath(TestUserResourceType, key).ok).toBe(false);
      expect(resolveAttributePath(TestUserResourceType, `name.${key}`).ok).toBe(false);
      const projection = parseProjection(TestUserResourceType, { attributes: key });
      expect(projection.ok && projection.value.paths).toEqual([]);
    });
  }
});

describe('deep nesting', () => {
  it('validation does not descend into values the schema does not expect (100 000 levels)', () => {
    const deep = nested(100_000);
    for (const mode of modes) {
      const result = validateResource(
        {
          schemas: [USER_SCHEMA_URN],
          userName: 'x',
          id: '1',
          name: deep,
          displayName: deep,
          unknown: deep,
        },
        TestUserResourceType,
        { mode },
      );
      expect(result.ok).toBe(false);
    }
  });

  it('computeETag and attributeValuesEqual answer a ScimError, not a stack overflow', () => {
    const deep = nested(100_000);
    try {
      computeETag({ schemas: [USER_SCHEMA_URN], deep });
      expect.unreachable();
    } catch (error) {
      expect(isScimError(error) && error.scimType).toBe('invalidValue');
    }
    const displayName = UserSchema.attributes.find((a) => a.name === 'displayName');
    expect(() => attributeValuesEqual(displayName!, deep, deep)).toThrow(/nested deeper/);
  });
});

describe('large input', () => {
  it('a 100 000-element multi-valued attribute validates in linear time', () => {
    const emails = Array.from({ length: 100_000 }, (_, i) => ({
      value: `u${i}@example.com`,
      type: 'work',
    }));
    const started = performance.now();
    const result = validateResource(
      { schemas: [USER_SCHEMA_URN], userName: 'x', emails },
      TestUserResourceType,
      { mode: 'create' },
    );
    expect(result.ok && (result.value.emails as unknown[]).length).toBe(100_000);
    // A generous bound that only a quadratic algorithm would break.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('wrong top-level types', () => {
  it.each([null, undefined, 'text', 42, true, [], [{ schemas: [USER_SCHEMA_URN] }]])(
    'P-ERR-07: %j is invalidSyntax',
    (input) => {
      const result = validateResource(input, TestUserResourceType, { mode: 'create' });
      expect(result.ok ? undefined : result.issues[0]).toMatchObject({
        code: 'invalid_type',
        path: [],
        scimType: 'invalidSyntax',
      });
    },
  );
});

describe('property: validation never throws and its issues are well-formed', () => {
  const attributeNames = [
    'userName',
    'USERNAME',
    'name',
    'emails',
    'active',
    'groups',
    'meta',
    'id',
    'password',
    'x509Certificates',
    '__proto__',
    'members',
    'displayName',
  ];
  const arbitraryBody = fc
    .record({
      schemas: fc.oneof(fc.constant([USER_SCHEMA_URN]), fc.jsonValue()),
      fields: fc.dictionary(
        fc.oneof(fc.constantFrom(...attributeNames), fc.string()),
        fc.jsonValue({ maxDepth: 4 }),
        { maxKeys: 10 },
      ),
    })
    .map(({ schemas, fields }) => JSON.parse(JSON.stringify({ schemas, ...fields })) as unknown);

  it('for every mode and resource type', () => {
    fc.assert(
      fc.property(arbitraryBody, fc.constantFrom(...modes), fc.boolean(), (body, mode, reject) => {
        for (const type of [TestUserResourceType, GroupResourceType]) {
          const result = validateResource(body, type, {
            mode,
            existing: { schemas: [USER_SCHEMA_URN], id: 'e' },
            unknownAttributes: reject ? 'reject' : 'ignore',
            compatibility: {
              booleanStrings: reject,
              stringAsComplexValue: reject,
              singleElementArrays: reject,
            },
          });
          if (result.ok) {
            expect(result.value.schemas[0]).toBe(type.schema.id);
            expect(findUnassigned(result.value)).toBeUndefined();
            // What validation produced is valid and unchanged when validated again.
            const again = validateResource(result.value, type, {
              mode: mode === 'response' ? 'response' : 'create',
              existing: result.value,
            });
            if (mode === 'create') expect(again.ok && again.value).toEqual(result.value);
          } else {
            expect(result.issues.length).toBeGreaterThan(0);
            for (const issue of result.issues) {
              expect(isScimType(issue.scimType)).toBe(true);
              expect(issue.message.length).toBeGreaterThan(0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('projection never throws on a validated resource', () => {
    fc.assert(
      fc.property(
        arbitraryBody,
        fc.array(fc.constantFrom(...attributeNames, 'name.givenName', 'emails.value', 'x.y.z'), {
          maxLength: 4,
        }),
        (body, names) => {
          const result = validateResource(body, TestUserResourceType, { mode: 'response' });
          if (!result.ok) return;
          for (const request of [{ attributes: names }, { excludedAttributes: names }]) {
            const projection = parseProjection(TestUserResourceType, request);
            if (projection.ok) {
              const projected: ScimResource = projectResource(result.value, TestUserResourceType, {
                projection: projection.value,
              });
              expect(projected.schemas).toEqual(result.value.schemas);
              expect(projected).not.toHaveProperty('password');
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
