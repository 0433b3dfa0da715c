import { SCIM_API_URN_PREFIX } from '../constants.js';
import type { ScimIssue, ScimResult } from '../issues.js';

/**
 * The data types of RFC 7643 §2.3, including `binary` (checklist D-02).
 * @example `const t: AttributeType = 'dateTime'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3
 */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';

/**
 * When an attribute may be written (RFC 7643 §7).
 * @example `attribute.mutability === 'immutable'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

/**
 * When an attribute is returned (RFC 7643 §7).
 * @example `attribute.returned === 'never'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export type Returned = 'always' | 'never' | 'default' | 'request';

/**
 * How unique an attribute's value must be (RFC 7643 §7).
 * @example `attribute.uniqueness === 'server'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export type Uniqueness = 'none' | 'server' | 'global';

/**
 * An attribute as an application writes it: only `name` is needed, the rest defaults as RFC 7643 §2.2 says.
 * @example `{ name: 'badge', mutability: 'immutable' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export interface AttributeDefinitionInput {
  readonly name: string;
  readonly type?: AttributeType;
  readonly multiValued?: boolean;
  readonly description?: string;
  readonly required?: boolean;
  readonly canonicalValues?: readonly string[];
  readonly caseExact?: boolean;
  readonly mutability?: Mutability;
  readonly returned?: Returned;
  readonly uniqueness?: Uniqueness;
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinitionInput[];
}

/**
 * An attribute with every characteristic filled in (RFC 7643 §7).
 * @example `UserSchema.attributes.find((a) => a.name === 'userName')?.uniqueness // 'server'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly canonicalValues: readonly string[];
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly referenceTypes: readonly string[];
  /** Empty unless `type` is `complex`. */
  readonly subAttributes: readonly AttributeDefinition[];
}

/**
 * A schema as an application writes it (RFC 7643 §7): a URN `id` and its attributes.
 * @example `{ id: 'urn:example:params:scim:schemas:Badge', attributes: [{ name: 'badge' }] }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export interface SchemaDefinitionInput {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly attributes: readonly AttributeDefinitionInput[];
}

/**
 * A checked schema, with every characteristic filled in; `definition` keeps the input for type inference.
 * @example `const badge: ScimSchema = defineSchema({ id: 'urn:example:badge', attributes: [{ name: 'badge' }] })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export interface ScimSchema<TInput extends SchemaDefinitionInput = SchemaDefinitionInput> {
  readonly id: TInput['id'];
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
  readonly definition: TInput;
}

/**
 * Thrown at start-up when a schema or resource type definition breaks RFC 7643; `issues` says where.
 * @example
 * ```ts
 * try { defineSchema({ id: 'urn:x', attributes: [{ name: '1abc' }] }); }
 * catch (err) { if (err instanceof SchemaDefinitionError) console.error(err.issues); }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.1
 */
export class SchemaDefinitionError extends Error {
  override readonly name = 'SchemaDefinitionError';
  readonly issues: readonly ScimIssue[];
  constructor(issues: readonly ScimIssue[]) {
    super(`Invalid SCIM definition: ${issues.map((issue) => issue.message).join('; ')}`);
    this.issues = issues;
  }
}

/** RFC 7643 §2.1 ATTRNAME; `$ref` is the one reserved name outside it (checklist D-04). */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9$_-]*$/;
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/i;
const TYPES: ReadonlySet<string> = new Set([
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'binary',
  'reference',
  'complex',
]);
const MUTABILITIES: ReadonlySet<string> = new Set([
  'readOnly',
  'readWrite',
  'immutable',
  'writeOnly',
]);
const RETURNED: ReadonlySet<string> = new Set(['always', 'never', 'default', 'request']);
const UNIQUENESS: ReadonlySet<string> = new Set(['none', 'server', 'global']);

/**
 * Options of {@link checkSchemaDefinition}. Only the Schema resource's own schema nests complex
 * attributes (RFC 7643 §2.3.8), so nesting is refused unless asked for.
 * @example `checkSchemaDefinition(definition, { allowNestedComplex: false })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.8
 */
export interface BuildSchemaOptions {
  readonly allowNestedComplex?: boolean;
}

/**
 * Checks a schema definition against RFC 7643 §2 and §7 and fills in the default characteristics.
 * @example
 * ```ts
 * const result = checkSchemaDefinition({ id: 'urn:example:badge', attributes: [{ name: 'a b' }] });
 * if (!result.ok) console.log(result.issues[0]?.message);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export function checkSchemaDefinition<const TInput extends SchemaDefinitionInput>(
  input: TInput,
  options: BuildSchemaOptions = {},
): ScimResult<ScimSchema<TInput>> {
  const issues: ScimIssue[] = [];
  const problem = (path: readonly (string | number)[], message: string): void => {
    issues.push({ code: 'invalid_definition', path, message, scimType: 'invalidValue' });
  };
  if (typeof input !== 'object' || input === null) {
    problem([], 'A schema definition must be an object');
    return { ok: false, issues };
  }
  const id: unknown = input.id;
  if (typeof id !== 'string' || !URN.test(id)) {
    problem(['id'], `Schema id must be a URN, got ${JSON.stringify(id)}`);
  } else if (id.toLowerCase().startsWith(SCIM_API_URN_PREFIX)) {
    problem(
      ['id'],
      `Schema id '${id}' uses the prefix reserved for protocol messages (RFC 7643 §10.2.1)`,
    );
  }
  for (const key of ['name', 'description'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'string')
      problem([key], `Schema ${key} must be a string`);
  }
  const attributes = normalizeAttributes(input.attributes, ['attributes'], 0, options, problem);
  if (issues.length > 0) return { ok: false, issues };
  const idText = input.id;
  return {
    ok: true,
    value: Object.freeze({
      id: idText,
      name: input.name ?? idText.slice(idText.lastIndexOf(':') + 1),
      description: input.description ?? '',
      attributes,
      definition: input,
    }),
  };
}

/**
 * Defines a schema (an extension or the core schema of a custom resource type) and infers its
 * TypeScript shape; throws {@link SchemaDefinitionError} when the definition breaks RFC 7643.
 * @example
 * ```ts
 * const Badge = defineSchema({
 *   id: 'urn:example:params:scim:schemas:extension:badge:2.0:User',
 *   attributes: [{ name: 'badge', mutability: 'immutable' }, { name: 'level', type: 'integer' }],
 * });
 * type BadgeData = InferSchema<typeof Badge>; // { badge?: string; level?: number }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export function defineSchema<const TInput extends SchemaDefinitionInput>(
  input: TInput,
): ScimSchema<TInput> {
  return unwrapDefinition(checkSchemaDefinition(input));
}

/** Throws the definition issues; start-up configuration is the one place the SDK throws for bad input. */
export function unwrapDefinition<T>(result: ScimResult<T>): T {
  if (!result.ok) throw new SchemaDefinitionError(result.issues);
  return result.value;
}

type Problem = (path: readonly (string | number)[], message: string) => void;

/** Normalises attribute definitions that belong to no schema of their own (the common attributes). */
export function defineAttributes(
  inputs: readonly AttributeDefinitionInput[],
): readonly AttributeDefinition[] {
  const issues: ScimIssue[] = [];
  const attributes = normalizeAttributes(inputs, [], 0, {}, (path, message) => {
    issues.push({ code: 'invalid_definition', path, message, scimType: 'invalidValue' });
  });
  return unwrapDefinition(
    issues.length > 0 ? { ok: false, issues } : { ok: true, value: attributes },
  );
}

function normalizeAttributes(
  input: unknown,
  path: readonly (string | number)[],
  depth: number,
  options: BuildSchemaOptions,
  problem: Problem,
): readonly AttributeDefinition[] {
  if (!Array.isArray(input)) {
    problem(path, 'attributes must be an array');
    return [];
  }
  const seen = new Set<string>();
  const out: AttributeDefinition[] = [];
  input.forEach((raw: unknown, index) => {
    const attribute = normalizeAttribute(raw, [...path, index], depth, options, problem);
    if (attribute === undefined) return;
    const key = attribute.name.toLowerCase();
    if (seen.has(key))
      problem(
        [...path, index],
        `Attribute '${attribute.name}' is defined twice (names are case-insensitive)`,
      );
    seen.add(key);
    out.push(attribute);
  });
  return Object.freeze(out);
}

function normalizeAttribute(
  raw: unknown,
  path: readonly (string | number)[],
  depth: number,
  options: BuildSchemaOptions,
  problem: Problem,
): AttributeDefinition | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problem(path, 'An attribute definition must be an object');
    return undefined;
  }
  const input = raw as AttributeDefinitionInput;
  const name: unknown = input.name;
  if (typeof name !== 'string' || !(ATTRIBUTE_NAME.test(name) || (depth > 0 && name === '$ref'))) {
    problem(path, `Attribute name ${JSON.stringify(name)} does not match ATTRNAME (RFC 7643 §2.1)`);
    return undefined;
  }
  const where = `Attribute '${name}'`;
  const type = input.type ?? 'string';
  checkEnum(type, TYPES, `${where}: type`, path, problem);
  checkEnum(input.mutability ?? 'readWrite', MUTABILITIES, `${where}: mutability`, path, problem);
  checkEnum(input.returned ?? 'default', RETURNED, `${where}: returned`, path, problem);
  checkEnum(input.uniqueness ?? 'none', UNIQUENESS, `${where}: uniqueness`, path, problem);
  for (const flag of ['multiValued', 'required', 'caseExact'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean')
      problem(path, `${where}: ${flag} must be a boolean`);
  }
  if (input.description !== undefined && typeof input.description !== 'string') {
    problem(path, `${where}: description must be a string`);
  }
  const canonicalValues = stringList(
    input.canonicalValues,
    `${where}: canonicalValues`,
    path,
    problem,
  );
  const referenceTypes = stringList(
    input.referenceTypes,
    `${where}: referenceTypes`,
    path,
    problem,
  );
  if (referenceTypes.length > 0 && type !== 'reference') {
    problem(path, `${where}: referenceTypes apply only to reference attributes`);
  }
  let subAttributes: readonly AttributeDefinition[] = Object.freeze([]);
  if (type === 'complex') {
    if (depth > 0 && !options.allowNestedComplex) {
      problem(
        path,
        `${where}: a complex attribute cannot have complex sub-attributes (RFC 7643 §2.3.8)`,
      );
    }
    if (!Array.isArray(input.subAttributes) || input.subAttributes.length === 0) {
      problem(path, `${where}: a complex attribute needs subAttributes`);
    } else {
      subAttributes = normalizeAttributes(
        input.subAttributes,
        [...path, 'subAttributes'],
        depth + 1,
        options,
        problem,
      );
    }
  } else if (input.subAttributes !== undefined) {
    problem(path, `${where}: only complex attributes have subAttributes`);
  }
  return Object.freeze({
    name,
    type,
    multiValued: input.multiValued ?? false,
    description: input.description ?? '',
    required: input.required ?? false,
    canonicalValues,
    // References are compared case-exactly whatever the example schema says (checklist D-15).
    caseExact: type === 'reference' ? true : (input.caseExact ?? false),
    mutability: input.mutability ?? 'readWrite',
    returned: input.returned ?? 'default',
    uniqueness: input.uniqueness ?? 'none',
    referenceTypes,
    subAttributes,
  });
}

function checkEnum(
  value: unknown,
  allowed: ReadonlySet<string>,
  what: string,
  path: readonly (string | number)[],
  problem: Problem,
): void {
  if (typeof value !== 'string' || !allowed.has(value)) {
    problem(
      path,
      `${what} must be one of ${[...allowed].join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
}

function stringList(
  value: unknown,
  what: string,
  path: readonly (string | number)[],
  problem: Problem,
): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    problem(path, `${what} must be an array of strings`);
    return Object.freeze([]);
  }
  return Object.freeze([...value]);
}
