// Lookup tables derived from schema definitions, cached per definition object (definitions are
// immutable, so the cache holds no state of its own that could differ between two servers).
import type { AttributeDefinition, ScimSchema } from './define.js';
import type { ScimResourceType } from './resource-type.js';
import { COMMON_ATTRIBUTES } from './common.js';

export interface SchemaNamespace {
  readonly schema: ScimSchema;
  readonly urn: string;
  readonly isExtension: boolean;
  readonly required: boolean;
  /** Attributes in output order; for the core namespace the common attributes come first. */
  readonly attributes: readonly AttributeDefinition[];
  /** Lower-cased attribute name → definition. */
  readonly byName: ReadonlyMap<string, AttributeDefinition>;
}

export interface ResourceTypeModel {
  readonly resourceType: ScimResourceType;
  readonly core: SchemaNamespace;
  readonly extensions: readonly SchemaNamespace[];
  /** Lower-cased URN → namespace, for the core schema and every extension. */
  readonly byUrn: ReadonlyMap<string, SchemaNamespace>;
  /** Namespaces, longest URN first, so a URN prefix match picks the most specific one. */
  readonly byUrnLength: readonly SchemaNamespace[];
}

const models = new WeakMap<ScimResourceType, ResourceTypeModel>();
const subAttributeIndexes = new WeakMap<
  AttributeDefinition,
  ReadonlyMap<string, AttributeDefinition>
>();

export function modelOf(resourceType: ScimResourceType): ResourceTypeModel {
  let model = models.get(resourceType);
  if (model === undefined) {
    model = buildModel(resourceType);
    models.set(resourceType, model);
  }
  return model;
}

export function subAttributesOf(
  attribute: AttributeDefinition,
): ReadonlyMap<string, AttributeDefinition> {
  let index = subAttributeIndexes.get(attribute);
  if (index === undefined) {
    index = new Map(attribute.subAttributes.map((sub) => [sub.name.toLowerCase(), sub]));
    subAttributeIndexes.set(attribute, index);
  }
  return index;
}

function buildModel(resourceType: ScimResourceType): ResourceTypeModel {
  const ownNames = new Set(
    resourceType.schema.attributes.map((attribute) => attribute.name.toLowerCase()),
  );
  const commonAttributes = COMMON_ATTRIBUTES.filter(
    (attribute) => !ownNames.has(attribute.name.toLowerCase()),
  );
  const core = namespace(resourceType.schema, false, true, [
    ...commonAttributes,
    ...resourceType.schema.attributes,
  ]);
  const extensions = resourceType.schemaExtensions.map((extension) =>
    namespace(extension.schema, true, extension.required, extension.schema.attributes),
  );
  const all = [core, ...extensions];
  return {
    resourceType,
    core,
    extensions,
    byUrn: new Map(all.map((ns) => [ns.urn.toLowerCase(), ns])),
    byUrnLength: [...all].sort((a, b) => b.urn.length - a.urn.length),
  };
}

function namespace(
  schema: ScimSchema,
  isExtension: boolean,
  required: boolean,
  attributes: readonly AttributeDefinition[],
): SchemaNamespace {
  return {
    schema,
    urn: schema.id,
    isExtension,
    required,
    attributes,
    byName: new Map(attributes.map((attribute) => [attribute.name.toLowerCase(), attribute])),
  };
}
