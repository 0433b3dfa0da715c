// The shapes diffPatch works with: each attribute's kind, mutability and sub-attributes, from the
// schema when there is one, else read from the values; and the writable part of a value.
import {
  COMMON_ATTRIBUTES,
  isCaseExact,
  isJsonObject,
  stableStringify,
  type AttributeDefinition,
  type Mutability,
  type ScimResourceType,
} from '@scim/core';

export interface Shape {
  readonly name: string;
  readonly complex: boolean;
  readonly multiValued: boolean;
  readonly mutability: Mutability;
  /** Whether the `value` sub-attribute (or a simple value) compares case-exactly. */
  readonly valueCaseExact: boolean;
  /** Sub-attributes by lower-cased name; undefined for simple attributes. */
  readonly subs: ReadonlyMap<string, Shape> | undefined;
  /** From a schema: keys it does not define are left out of what is sent. */
  readonly defined: boolean;
}

export interface ShapeGroup {
  /** The schema URN for an extension, undefined for the core schema. */
  readonly uri: string | undefined;
  readonly shapes: readonly Shape[];
  readonly required: boolean;
}

const shapeCache = new WeakMap<AttributeDefinition, Shape>();

export function shapeOf(definition: AttributeDefinition): Shape {
  let shape = shapeCache.get(definition);
  if (shape !== undefined) return shape;
  const value = definition.subAttributes.find((sub) => sub.name === 'value');
  shape = {
    name: definition.name,
    complex: definition.type === 'complex',
    multiValued: definition.multiValued,
    mutability: definition.mutability,
    valueCaseExact: value === undefined ? isCaseExact(definition) : isCaseExact(value),
    subs:
      definition.type === 'complex'
        ? new Map(definition.subAttributes.map((sub) => [sub.name.toLowerCase(), shapeOf(sub)]))
        : undefined,
    defined: true,
  };
  shapeCache.set(definition, shape);
  return shape;
}

/** The core attributes (with the common ones) and each extension's, as the schema defines them. */
export function schemaGroups(resourceType: ScimResourceType): ShapeGroup[] {
  return [
    {
      uri: undefined,
      shapes: [...COMMON_ATTRIBUTES, ...resourceType.schema.attributes].map(shapeOf),
      required: true,
    },
    ...resourceType.schemaExtensions.map((extension) => ({
      uri: extension.schema.id,
      shapes: extension.schema.attributes.map(shapeOf),
      required: extension.required,
    })),
  ];
}

const READ_ONLY_COMMON = new Set(['id', 'meta', 'schemas']);

/** Without a schema: every key of either version, its shape read from the values. */
export function inferredGroups(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ShapeGroup[] {
  const core = new Map<string, Shape>();
  const extensions = new Map<string, Map<string, Shape>>();
  for (const source of [before, after]) {
    for (const [key, value] of Object.entries(source)) {
      const folded = key.toLowerCase();
      if (READ_ONLY_COMMON.has(folded)) continue;
      if (folded.startsWith('urn:') && isJsonObject(value)) {
        const shapes = extensions.get(folded) ?? new Map<string, Shape>();
        extensions.set(folded, shapes);
        for (const [name, inner] of Object.entries(value)) addInferred(shapes, name, inner);
      } else {
        addInferred(core, key, value);
      }
    }
  }
  return [
    { uri: undefined, shapes: [...core.values()], required: true },
    ...[...extensions].map(([folded, shapes]) => ({
      uri: originalKey(before, folded) ?? originalKey(after, folded) ?? folded,
      shapes: [...shapes.values()],
      required: false,
    })),
  ];
}

function originalKey(record: Record<string, unknown>, folded: string): string | undefined {
  return Object.keys(record).find((key) => key.toLowerCase() === folded);
}

function addInferred(shapes: Map<string, Shape>, name: string, value: unknown): void {
  const folded = name.toLowerCase();
  if (value === undefined || value === null) return;
  const known = shapes.get(folded);
  const elements = Array.isArray(value) ? value : [value];
  const complex = elements.some(isJsonObject) || (known?.complex ?? false);
  const subs = new Map<string, Shape>(known?.subs ?? []);
  if (complex) {
    for (const element of elements) {
      if (!isJsonObject(element)) continue;
      for (const sub of Object.keys(element)) {
        if (!subs.has(sub.toLowerCase())) subs.set(sub.toLowerCase(), inferredSimple(sub));
      }
    }
  }
  shapes.set(folded, {
    name: known?.name ?? name,
    complex,
    multiValued: Array.isArray(value) || (known?.multiValued ?? false),
    mutability: 'readWrite',
    valueCaseExact: false,
    subs: complex ? subs : undefined,
    defined: false,
  });
}

function inferredSimple(name: string): Shape {
  return {
    name,
    complex: false,
    multiValued: false,
    mutability: 'readWrite',
    valueCaseExact: false,
    subs: undefined,
    defined: false,
  };
}

/** A property read by name in any case (RFC 7643 §2.1): the exact key first. */
export function readKey(record: Record<string, unknown> | undefined, name: string): unknown {
  if (record === undefined) return undefined;
  if (Object.hasOwn(record, name)) return record[name];
  const folded = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === folded) return record[key];
  return undefined;
}

/**
 * What a client may write of a value: readOnly sub-attributes, nulls, empty lists and keys the
 * schema does not define are left out, and names take the schema's spelling. Undefined when nothing
 * is left.
 */
export function writable(shape: Shape, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (shape.multiValued) {
    const list = (Array.isArray(value) ? value : [value])
      .map((element) => writableSingle(shape, element))
      .filter((element) => element !== undefined);
    return list.length === 0 ? undefined : list;
  }
  return writableSingle(shape, value);
}

function writableSingle(shape: Shape, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (!shape.complex || shape.subs === undefined || !isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const sub = shape.subs.get(key.toLowerCase());
    if (sub === undefined) {
      if (!shape.defined && inner !== null && inner !== undefined) out[key] = inner;
      continue;
    }
    if (sub.mutability === 'readOnly' || inner === null || inner === undefined) continue;
    out[sub.name] = inner;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** JSON equality whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return a === b || stableStringify(a) === stableStringify(b);
}
