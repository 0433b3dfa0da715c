// The differential test of `@scim/core/zod`: for inputs generated from the schema definitions
// (valid ones and mutated ones: wrong types, missing required attributes, unknown and readOnly
// attributes, names in another case, values outside canonicalValues, null and [], duplicates),
// toZod's schemas and validateResource accept the same inputs and give the same value. The known
// differences are listed in docs/zod.md; the inputs below steer clear of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMON_ATTRIBUTES,
  COMPATIBILITY_PROFILES,
  defineResourceType,
  defineSchema,
  GroupResourceType,
  SchemaResourceType,
  ServiceProviderConfigResourceType,
  UserResourceType,
  validateResource,
  type AttributeDefinition,
  type ScimResourceType,
  type ValidationMode,
} from '@scim/core';
import { toZod, type ToZodOptions } from '@scim/core/zod';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';

// A resource type with what the RFC's own schemas lack: a required extension, a required complex
// attribute with a required sub-attribute, required readOnly and writeOnly attributes, a
// multi-valued integer, and a caseExact attribute with canonical values.
const DeviceSchema = defineSchema({
  id: 'urn:example:params:scim:schemas:core:2.0:Device',
  attributes: [
    { name: 'serial', required: true, caseExact: true },
    { name: 'kind', canonicalValues: ['Phone', 'Laptop'], caseExact: true },
    { name: 'seen', type: 'dateTime', mutability: 'readOnly', required: true },
    { name: 'secret', mutability: 'writeOnly', returned: 'never', required: true },
    { name: 'pin', mutability: 'writeOnly', required: true },
    { name: 'ports', type: 'integer', multiValued: true },
    {
      name: 'owner',
      type: 'complex',
      required: true,
      subAttributes: [
        { name: 'value', required: true },
        { name: 'display', mutability: 'readOnly' },
        { name: 'weight', type: 'decimal' },
      ],
    },
  ],
});
const DeviceExtension = defineSchema({
  id: 'urn:example:params:scim:schemas:extension:device:2.0:Device',
  attributes: [
    { name: 'site', required: true },
    { name: 'active', type: 'boolean' },
  ],
});
const DeviceResourceType = defineResourceType({
  name: 'Device',
  endpoint: '/Devices',
  schema: DeviceSchema,
  schemaExtensions: [{ schema: DeviceExtension, required: true }],
});

const RESOURCE_TYPES: readonly ScimResourceType[] = [
  UserResourceType,
  TestUserResourceType,
  GroupResourceType,
  DeviceResourceType,
  // Nested complex attributes (RFC 7643 §7), and a document that may lack `id` (§5).
  SchemaResourceType,
  ServiceProviderConfigResourceType,
];

/** Any JSON value of a type an attribute may not take, small. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant([]),
  fc.constant({}),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 4 }),
  fc.constantFrom('true', 'False', 'yes', ''),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), {
    maxLength: 2,
  }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.string({ maxLength: 2 })), {
    maxKeys: 2,
  }),
);

/** Mostly `good`, now and then `bad`: most generated resources are valid, many are not. */
const mostly = (good: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 60 }, { arbitrary: bad, weight: 1 });

/** The name in the schema's case, in lower or upper case, or in a mixed case. */
const casing = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constant(name), weight: 6 },
    fc.constantFrom(
      name.toLowerCase(),
      name.toUpperCase(),
      name.charAt(0).toUpperCase() + name.slice(1),
    ),
  );

const text = fc.string({ minLength: 1, maxLength: 6 });

function stringValue(attribute: AttributeDefinition): fc.Arbitrary<unknown> {
  // Outside canonicalValues, but refused only in strict mode (checklist S-CHAR-34).
  const good =
    attribute.canonicalValues.length > 0
      ? fc.oneof(
          { arbitrary: fc.constantFrom(...attribute.canonicalValues).chain(casing), weight: 6 },
          text,
        )
      : attribute.name === 'country'
        ? fc.constantFrom('US', 'de', 'USA', 'XX')
        : text;
  const bad = fc.constantFrom('', 'a\u0000b', 'tab\there', 'x'.repeat(40));
  return mostly(good, bad);
}

/** A value of the attribute's type, most of the time a valid one. */
function singleValue(attribute: AttributeDefinition, depth: number): fc.Arbitrary<unknown> {
  switch (attribute.type) {
    case 'string':
      return stringValue(attribute);
    case 'boolean':
      return mostly(fc.boolean(), fc.constantFrom('True', 'false', 'yes', 1));
    case 'decimal':
      return mostly(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
        fc.constantFrom('1.5', true),
      );
    case 'integer':
      return mostly(fc.integer(), fc.constantFrom(1.5, 2 ** 53, -0, '7'));
    case 'dateTime':
      return mostly(
        fc.oneof(
          fc
            .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
            .map((date) => date.toISOString()),
          fc.constant('2008-01-23T04:56:22+02:00'),
        ),
        fc.constantFrom('2008-01-23', '2008-02-30T00:00:00Z', 20080123),
      );
    case 'binary':
      return mostly(
        fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes).toString('base64')),
        fc.constantFrom('aGk', '!!!', 'a', 3),
      );
    case 'reference':
      return mostly(
        fc.constantFrom('https://example.com/Users/2819c223', '/Users/1', 'urn:x:y'),
        fc.constantFrom('not a uri', '1:2', '', 42),
      );
    case 'complex':
      return complexValue(attribute, depth);
  }
}

function complexValue(attribute: AttributeDefinition, depth: number): fc.Arbitrary<unknown> {
  const object = objectOf(attribute.subAttributes, depth + 1);
  // Entra's bare string for `{ value }`, and its "" for none.
  return attribute.subAttributes.some((sub) => sub.name === 'value')
    ? fc.oneof({ arbitrary: object, weight: 12 }, fc.constantFrom('', 'v1'))
    : object;
}

function attributeValue(attribute: AttributeDefinition, depth: number): fc.Arbitrary<unknown> {
  const single = singleValue(attribute, depth);
  const good = attribute.multiValued
    ? fc
        .array(fc.oneof({ arbitrary: single, weight: 10 }, fc.constant(null)), { maxLength: 3 })
        // Now and then the values twice over, to exercise de-duplication (checklist S-CHAR-40).
        .chain((items) => fc.nat(4).map((n) => (n === 0 ? [...items, ...items] : items)))
    : attribute.type === 'complex'
      ? // Entra's one-element array for a single-valued complex attribute.
        fc.oneof(
          { arbitrary: single, weight: 12 },
          single.map((value) => [value]),
        )
      : single;
  return fc.oneof(
    // A required attribute is rarely unassigned or mistyped, or few resources would pass.
    { arbitrary: good, weight: attribute.required ? 300 : 60 },
    // Null and [] are unassigned (RFC 7643 §2.5).
    { arbitrary: fc.constantFrom(null, []), weight: 3 },
    { arbitrary: junk, weight: 1 },
  );
}

/** An object holding some of the attributes, in any case, sometimes with an unknown or a repeated name. */
function objectOf(
  attributes: readonly AttributeDefinition[],
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const entries = attributes.map((attribute) =>
    fc.option(fc.tuple(casing(attribute.name), attributeValue(attribute, depth)), {
      nil: undefined,
      // Required attributes are there most of the time, the others half of it.
      freq: attribute.required || attribute.name === 'id' ? 80 : 2,
    }),
  );
  const extra = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: depth === 0 ? 8 : 40 },
    fc.oneof(
      fc.tuple(fc.constantFrom('unknownThing', 'foo', '__proto__'), junk),
      // The same attribute again, in another case.
      fc
        .constantFrom(...attributes)
        .chain((attribute) =>
          fc.tuple(fc.constant(attribute.name.toUpperCase()), attributeValue(attribute, depth)),
        ),
    ),
  );
  return fc.tuple(fc.tuple(...entries), extra).map(([given, more]) => {
    const out: Record<string, unknown> = {};
    for (const entry of [...given, more]) {
      if (entry === undefined) continue;
      Object.defineProperty(out, entry[0], { value: entry[1], enumerable: true, writable: true });
    }
    return out;
  });
}

function resource(resourceType: ScimResourceType): fc.Arbitrary<unknown> {
  const base = resourceType.schema.id;
  const ownNames = new Set(resourceType.schema.attributes.map((a) => a.name.toLowerCase()));
  const attributes = [
    ...COMMON_ATTRIBUTES.filter((a) => !ownNames.has(a.name.toLowerCase())),
    ...resourceType.schema.attributes,
  ];
  const extensionUrns = resourceType.schemaExtensions.map((extension) => extension.schema.id);
  const schemas = fc.oneof(
    { arbitrary: fc.constant([base, ...extensionUrns]), weight: 30 },
    { arbitrary: fc.subarray(extensionUrns).map((urns) => [base, ...urns]), weight: 10 },
    fc.constantFrom([base.toUpperCase()], [], ['urn:x:y'], base, [base, 7], null),
  );
  const extensions = resourceType.schemaExtensions.map((extension) =>
    fc.option(
      fc.tuple(
        casing(extension.schema.id),
        fc.oneof(
          { arbitrary: objectOf(extension.schema.attributes, 1), weight: 40 },
          fc.constantFrom(null, 'x', [], {}),
        ),
      ),
      { nil: undefined, freq: extension.required ? 40 : 2 },
    ),
  );
  return fc
    .tuple(
      fc.option(fc.tuple(casing('schemas'), schemas), { nil: undefined, freq: 60 }),
      objectOf(attributes, 0),
      fc.tuple(...extensions),
    )
    .map(([schemasEntry, core, given]) => {
      const out: Record<string, unknown> = {};
      if (schemasEntry !== undefined) out[schemasEntry[0]] = schemasEntry[1];
      Object.assign(out, core);
      for (const entry of given) if (entry !== undefined) out[entry[0]] = entry[1];
      return out;
    });
}

const options: fc.Arbitrary<ToZodOptions> = fc.record({
  unknownAttributes: fc.constantFrom('ignore', 'reject'),
  canonicalValues: fc.constantFrom('lenient', 'strict'),
  requireExtensionSchemas: fc.boolean(),
  compatibility: fc.constantFrom(COMPATIBILITY_PROFILES.strict, COMPATIBILITY_PROFILES.default),
  maxStringLength: fc.constantFrom(30, 1000),
});

const MODES: Readonly<Record<'create' | 'replace' | 'read', ValidationMode>> = {
  create: 'create',
  replace: 'replace',
  read: 'response',
};

// Building the schemas once per resource type and options keeps 300 runs fast.
const built = new WeakMap<ScimResourceType, Map<string, ReturnType<typeof toZod>>>();

function schemasFor(resourceType: ScimResourceType, given: ToZodOptions): ReturnType<typeof toZod> {
  let byOptions = built.get(resourceType);
  if (byOptions === undefined)
    built.set(resourceType, (byOptions = new Map<string, ReturnType<typeof toZod>>()));
  const key = JSON.stringify(given);
  let schemas = byOptions.get(key);
  if (schemas === undefined) byOptions.set(key, (schemas = toZod(resourceType, given)));
  return schemas;
}

const RUNS = 200;

describe('toZod and validateResource agree (differential, fast-check)', () => {
  for (const resourceType of RESOURCE_TYPES) {
    for (const [shape, mode] of Object.entries(MODES) as [keyof typeof MODES, ValidationMode][]) {
      it(
        `${resourceType.name} (${resourceType.schema.id}), ${shape} ≡ mode '${mode}'`,
        { timeout: 60_000 },
        () => {
          let accepted = 0;
          fc.assert(
            fc.property(resource(resourceType), options, (input, given) => {
              const core = validateResource(input, resourceType, { ...given, mode });
              const parsed = schemasFor(resourceType, given)[shape].safeParse(input);
              const explain = core.ok
                ? 'validateResource accepts'
                : `validateResource refuses: ${JSON.stringify(core.issues)}`;
              expect(parsed.success, explain).toBe(core.ok);
              accepted += core.ok ? 1 : 0;
              if (core.ok && parsed.success) expect(parsed.data).toStrictEqual(core.value);
              if (!core.ok && !parsed.success) {
                // Every place zod names is one validateResource names too, except a missing
                // required sub-attribute next to invalid ones (validateResource then finds the
                // complex value unassigned; docs/zod.md lists this).
                const corePaths = new Set(core.issues.map((issue) => issue.path.join('/')));
                for (const issue of parsed.error.issues) {
                  const requiredSub =
                    issue.path.length > 1 && issue.message.endsWith('is required');
                  if (!requiredSub)
                    expect(corePaths, issue.message).toContain(issue.path.join('/'));
                }
              }
            }),
            { numRuns: RUNS },
          );
          // The inputs are worth comparing only if both answers come up (an eighth to nine
          // tenths of them are accepted, depending on the resource type and shape).
          expect(accepted).toBeGreaterThan(2);
          expect(accepted).toBeLessThan(RUNS - 2);
        },
      );
    }
  }
});
