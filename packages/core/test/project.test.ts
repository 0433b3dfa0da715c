import { describe, expect, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  parseProjection,
  projectResource,
  USER_SCHEMA_URN,
  type ProjectionRequest,
  type ScimResource,
} from '@scim/core';
import { TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';

const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const stored: ScimResource = {
  schemas: [USER_SCHEMA_URN, EU, TX_URN],
  id: '2819c223',
  externalId: '701984',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  password: 'hash-never-returned',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  meta: {
    resourceType: 'User',
    created: '2026-01-01T00:00:00Z',
    lastModified: '2026-01-01T00:00:00Z',
  },
  [EU]: { employeeNumber: '1', manager: { value: '26118915' } },
  [TX_URN]: { badge: 'A', secret: 's3cr3t' },
};

function project(request: ProjectionRequest, supplied?: string[]): ScimResource {
  const projection = parseProjection(TestUserResourceType, request);
  if (!projection.ok) throw new Error(projection.issues[0]?.message);
  return projectResource(stored, TestUserResourceType, { projection: projection.value, supplied });
}

describe('projection (RFC 7644 §3.9, RFC 7643 §7 returned)', () => {
  it('P-CRUD-07/S-CHAR-23: the default set has no returned "never" or "request" attributes', () => {
    const value = project({});
    expect(value).not.toHaveProperty('password');
    expect(value[TX_URN]).toEqual({ badge: 'A' });
    expect(value).toMatchObject({
      id: '2819c223',
      userName: 'bjensen',
      emails: stored.emails,
      meta: stored.meta,
    });
  });

  it('S-COMMON-17/P-PROJ-02/P-PROJ-11: attributes=userName leaves schemas, id and userName', () => {
    expect(project({ attributes: 'userName' })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      userName: 'bjensen',
    });
  });

  it('P-PROJ-03: a sub-attribute path returns only that sub-attribute', () => {
    expect(project({ attributes: 'name.givenName' })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      name: { givenName: 'Barbara' },
    });
  });

  it('P-PROJ-04: naming a complex attribute returns its default sub-attributes', () => {
    expect(project({ attributes: 'emails' }).emails).toEqual(stored.emails);
  });

  it('P-PROJ-05/S-CHAR-25: a "request" attribute appears when named; a "never" one never does', () => {
    expect(project({ attributes: `${TX_URN}:secret,password` })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      [TX_URN]: { secret: 's3cr3t' },
    });
  });

  it('S-CHAR-25: a "request" attribute the client supplied appears in a write response', () => {
    expect(project({}, [`${TX_URN}:secret`])[TX_URN]).toEqual({ badge: 'A', secret: 's3cr3t' });
  });

  it('S-CHAR-22/P-PROJ-06: excludedAttributes drops defaults but never "always" attributes', () => {
    const value = project({ excludedAttributes: 'emails,id' });
    expect(value).not.toHaveProperty('emails');
    expect(value.id).toBe('2819c223');
    expect(value.userName).toBe('bjensen');
  });

  it('P-PROJ-07: excludedAttributes may name a sub-attribute', () => {
    expect(project({ excludedAttributes: 'emails.type' }).emails).toEqual([
      { value: 'bjensen@example.com', primary: true },
      { value: 'babs@jensen.org' },
    ]);
  });

  it('S-CHAR-24: "default" attributes appear unless attributes omits them or excludedAttributes names them', () => {
    expect(project({}).displayName).toBe('Babs Jensen');
    expect(project({ attributes: 'userName' })).not.toHaveProperty('displayName');
    expect(project({ excludedAttributes: 'displayName' })).not.toHaveProperty('displayName');
    expect(project({ excludedAttributes: 'title' }).displayName).toBe('Babs Jensen');
  });

  it('P-PROJ-08: attributes and excludedAttributes together are invalidValue', () => {
    const result = parseProjection(TestUserResourceType, {
      attributes: 'userName',
      excludedAttributes: 'title',
    });
    expect(result.ok ? undefined : result.issues[0]).toMatchObject({
      code: 'conflicting_parameters',
      scimType: 'invalidValue',
    });
  });

  it('P-PROJ-09/S-EXT-06: names are trimmed, case-insensitive and may be URN-qualified', () => {
    expect(project({ attributes: `USERNAME, ${EU}:employeeNumber` })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      userName: 'bjensen',
      [EU]: { employeeNumber: '1' },
    });
    expect(
      project({ attributes: 'urn:ietf:params:scim:schemas:core:2.0:User:userName' }).userName,
    ).toBe('bjensen');
  });

  it('P-PROJ-10: unknown names are ignored', () => {
    expect(project({ attributes: 'nope' })).toEqual({ schemas: stored.schemas, id: '2819c223' });
  });

  it('Microsoft Postman P12: a name with a value filter names its attribute, commas inside the filter included', () => {
    expect(project({ attributes: 'emails[type eq "work"]' })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      emails: stored.emails,
    });
    expect(project({ attributes: 'emails[value eq "a,b"].value,userName' })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      userName: 'bjensen',
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
    });
    expect(project({ attributes: "emails[value eq 'a,b'],userName" })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      userName: 'bjensen',
      emails: stored.emails,
    });
    expect(project({ excludedAttributes: 'emails[type eq "work"],name' })).not.toHaveProperty(
      'emails',
    );
  });

  it('a whole extension URN selects the extension', () => {
    expect(project({ attributes: EU })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      [EU]: stored[EU],
    });
    expect(project({ excludedAttributes: EU })).not.toHaveProperty(EU);
  });

  it('X-ENTRA-09: excludedAttributes=members style exclusion of a multi-valued attribute', () => {
    expect(project({ excludedAttributes: 'EMAILS' })).not.toHaveProperty('emails');
  });

  it('accepts lists as a SearchRequest sends them (P-SEARCH-04)', () => {
    expect(project({ attributes: ['userName', 'title'] })).toEqual({
      schemas: stored.schemas,
      id: '2819c223',
      userName: 'bjensen',
      title: 'Tour Guide',
    });
  });

  it('does not change the stored resource', () => {
    const before = JSON.stringify(stored);
    project({ excludedAttributes: 'emails.type' });
    expect(JSON.stringify(stored)).toBe(before);
  });
});

describe('returned on sub-attributes (RFC 7643 §7)', () => {
  const Schema = defineSchema({
    id: 'urn:example:params:scim:schemas:Key',
    attributes: [
      {
        name: 'keys',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'kid', returned: 'always' },
          { name: 'label' },
          { name: 'material', returned: 'never' },
          { name: 'fingerprint', returned: 'request' },
        ],
      },
    ],
  });
  const Type = defineResourceType({ name: 'Key', endpoint: '/Keys', schema: Schema });
  const resource: ScimResource = {
    schemas: [Schema.id],
    id: 'k',
    keys: [{ kid: '1', label: 'laptop', material: 'secret', fingerprint: 'ab:cd' }],
  };
  const keys = (request: ProjectionRequest) => {
    const projection = parseProjection(Type, request);
    if (!projection.ok) throw new Error('projection');
    return projectResource(resource, Type, { projection: projection.value }).keys;
  };

  it('a "never" sub-attribute is never returned, even when named', () => {
    expect(keys({})).toEqual([{ kid: '1', label: 'laptop' }]);
    expect(keys({ attributes: 'keys.material' })).toEqual([{ kid: '1' }]);
  });

  it('an "always" sub-attribute stays when its parent is projected by a sibling or excluded in part', () => {
    expect(keys({ attributes: 'keys.label' })).toEqual([{ kid: '1', label: 'laptop' }]);
    expect(keys({ excludedAttributes: 'keys.kid,keys.label' })).toEqual([{ kid: '1' }]);
  });

  it('a "request" sub-attribute appears only when named', () => {
    expect(keys({ attributes: 'keys' })).toEqual([{ kid: '1', label: 'laptop' }]);
    expect(keys({ attributes: 'keys.fingerprint' })).toEqual([{ kid: '1', fingerprint: 'ab:cd' }]);
  });
});
