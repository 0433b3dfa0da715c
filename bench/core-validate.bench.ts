// Resource validation: @scim/core against scimmy, the most complete SCIM schema implementation on
// npm, on the RFC 7643 §8.2 full user (as a create body, without id and meta).
import { readFileSync } from 'node:fs';
import Scimmy from 'scimmy';
import { bench, describe } from 'vitest';
import {
  computeETag,
  parseProjection,
  projectResource,
  UserResourceType,
  validateResource,
  type ScimResource,
} from '@scim/core';

const example = JSON.parse(
  readFileSync(
    new URL('../packages/core/test/fixtures/rfc7643/8.2-full-user.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;
const { id: _id, meta: _meta, ...createBody } = example;

// Both libraries must accept the body, or the comparison means nothing.
const ours = validateResource(createBody, UserResourceType, { mode: 'create' });
if (!ours.ok) throw new Error(`@scim/core rejected the fixture: ${JSON.stringify(ours.issues)}`);
new Scimmy.Schemas.User(createBody, 'in');

const stored: ScimResource = { ...ours.value, id: '2819c223', meta: { resourceType: 'User' } };
const projection = parseProjection(UserResourceType, {
  attributes: 'userName,name.givenName,emails',
});
if (!projection.ok) throw new Error('projection');
// scimmy expresses `attributes` as a presence filter, which its Resource class builds the same way.
const scimmyProjection = new Scimmy.Types.Filter('userName pr and name.givenName pr and emails pr');

describe('validate a full user for create (RFC 7643 §8.2)', () => {
  bench('@scim/core validateResource', () => {
    validateResource(createBody, UserResourceType, { mode: 'create' });
  });
  bench('scimmy new Schemas.User(body, "in")', () => {
    new Scimmy.Schemas.User(createBody, 'in');
  });
});

describe('project a stored user to attributes=userName,name.givenName,emails', () => {
  bench('@scim/core projectResource', () => {
    projectResource(stored, UserResourceType, { projection: projection.value });
  });
  bench('scimmy new Schemas.User(resource, "out", "both", filter)', () => {
    new Scimmy.Schemas.User(stored, 'out', 'both', scimmyProjection);
  });
});

describe('weak ETag of a full user', () => {
  bench('@scim/core computeETag', () => {
    computeETag(stored);
  });
});
