// The zod schema of a whole resource: `schemas`, the core namespace with the common attributes, and
// one object per schema extension under its URN (RFC 7643 §3, §3.3).
import * as z from 'zod';
import type { ScimResource } from '../schemas/infer.js';
import { modelOf, type SchemaNamespace } from '../schemas/model.js';
import type { ScimResourceType } from '../schemas/resource-type.js';
import { isJsonObject } from '../validate-value.js';
import { attributeSchema, prune, reportKeyProblems } from './attributes.js';
import {
  canonicalizeKeys,
  ID_OPTIONAL,
  isEmptyObject,
  isIncluded,
  type BuildContext,
  type KeyProblem,
} from './rules.js';

/**
 * Builds the schema of one resource shape. It accepts what validateResource accepts in the matching
 * mode and gives the value it gives: canonical names, readOnly input (or, in a read, returned
 * "never" values) dropped, unassigned values left out, duplicates merged, `schemas` holding the base
 * URN and the extensions that carry data.
 */
export function resourceSchema(
  context: BuildContext,
  resourceType: ScimResourceType,
): z.ZodType<ScimResource> {
  const model = modelOf(resourceType);
  const core = model.core;
  const baseUrn = core.urn;
  const idRequired = context.shape === 'read' && !ID_OPTIONAL.has(baseUrn);
  const shape: Record<string, z.ZodType> = { schemas: schemasSchema(baseUrn) };
  for (const attribute of core.attributes) {
    if (!isIncluded(context, attribute)) continue;
    shape[attribute.name] = attributeSchema(
      context,
      attribute,
      { urn: baseUrn },
      idRequired && attribute.name === 'id',
    );
  }
  for (const extension of model.extensions)
    shape[extension.urn] = extensionSchema(context, extension, resourceType.name);

  const params = { error: 'A resource must be a JSON object' };
  const object = context.rejectUnknown ? z.strictObject(shape, params) : z.object(shape, params);
  return z
    .preprocess(
      (raw, zod) => {
        if (!isJsonObject(raw)) return raw;
        const { value, problems } = canonicalizeResource(context, model.byUrn, core, raw);
        reportKeyProblems(problems, raw, zod);
        return value;
      },
      object.superRefine((parsed, zod) => {
        if (!context.requireExtensionSchemas) return;
        const listed = new Set((parsed.schemas as string[]).map((urn) => urn.toLowerCase()));
        for (const extension of model.extensions) {
          if (parsed[extension.urn] === undefined || listed.has(extension.urn.toLowerCase()))
            continue;
          zod.addIssue({
            code: 'custom',
            path: ['schemas'],
            message: `Extension data is present but '${extension.urn}' is not listed in schemas`,
            input: parsed.schemas,
            params: { code: 'schemas' },
          });
        }
      }),
    )
    .transform((parsed) => {
      const out: ScimResource = { schemas: [baseUrn] };
      for (const attribute of core.attributes) {
        const value = parsed[attribute.name];
        if (value !== undefined) out[attribute.name] = value;
      }
      for (const extension of model.extensions) {
        const value = parsed[extension.urn];
        if (value === undefined) continue;
        out.schemas.push(extension.urn);
        out[extension.urn] = value;
      }
      return out;
    });
}

/** `schemas`: a non-empty array of URN strings that holds the base URN in any case (checklist S-COMMON-02). */
function schemasSchema(baseUrn: string): z.ZodType {
  const malformed = `'schemas' must be a non-empty array of URN strings including '${baseUrn}'`;
  return z.preprocess(
    // One issue for the whole attribute, as validateResource gives, not one per bad item.
    (raw) =>
      Array.isArray(raw) && raw.length > 0 && raw.every((urn) => typeof urn === 'string')
        ? raw.filter(() => true)
        : undefined,
    z
      .array(z.string(), { error: malformed })
      .refine((urns) => urns.some((urn) => urn.toLowerCase() === baseUrn.toLowerCase()), {
        message: `'schemas' must include the base schema '${baseUrn}'`,
        params: { code: 'schemas' },
      }),
  );
}

function extensionSchema(
  context: BuildContext,
  extension: SchemaNamespace,
  resourceTypeName: string,
): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const attribute of extension.attributes)
    if (isIncluded(context, attribute))
      shape[attribute.name] = attributeSchema(context, attribute, { urn: extension.urn });
  const error = (issue: { readonly input?: unknown }): string =>
    issue.input === undefined
      ? `Extension '${extension.urn}' is required for ${resourceTypeName} resources`
      : `Extension '${extension.urn}' must be an object`;
  const object = context.rejectUnknown
    ? z.strictObject(shape, { error })
    : z.object(shape, { error });
  const data = z
    .preprocess((raw, zod) => {
      if (!isJsonObject(raw)) return raw;
      const { value, problems } = canonicalizeKeys(
        context,
        extension.byName,
        raw,
        `Extension '${extension.urn}'`,
      );
      reportKeyProblems(problems, raw, zod);
      return value;
    }, object)
    .transform(prune);
  // Extension data that assigns nothing is no extension data (validateResource leaves it out).
  const property = z.preprocess(
    (raw) =>
      raw === null ||
      raw === undefined ||
      (isJsonObject(raw) && isEmptyObject(context, extension.byName, raw))
        ? undefined
        : raw,
    extension.required ? data : data.optional(),
  );
  return extension.required ? property : property.optional();
}

/**
 * The top-level keys in canonical form: `schemas` in any case, extension URNs matched
 * case-insensitively, attribute names in the schema's case; duplicates in two cases are reported.
 */
function canonicalizeResource(
  context: BuildContext,
  byUrn: ReadonlyMap<string, SchemaNamespace>,
  core: SchemaNamespace,
  raw: Record<string, unknown>,
): { readonly value: Record<string, unknown>; readonly problems: readonly KeyProblem[] } {
  const problems: KeyProblem[] = [];
  const special: Record<string, unknown> = {};
  const seen = new Set<string>();
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    const lower = key.toLowerCase();
    const namespace = byUrn.get(lower);
    const name = lower === 'schemas' ? 'schemas' : namespace?.isExtension ? namespace.urn : '';
    if (name === '') {
      // Defined on the object, so that a key named __proto__ stays a key.
      Object.defineProperty(rest, key, { value: raw[key], enumerable: true, writable: true });
      continue;
    }
    if (seen.has(name))
      problems.push({
        path: [name],
        code: 'duplicate_attribute',
        message: `'${name}' is given twice`,
      });
    seen.add(name);
    // The last one is read, as validateResource reads it; either way the resource is refused.
    special[name] = raw[key];
  }
  const canonical = canonicalizeKeys(context, core.byName, rest, 'The resource');
  return {
    value: { ...canonical.value, ...special },
    problems: [...problems, ...canonical.problems],
  };
}
