// What validateResource keeps and drops in each mode: readOnly, immutable and writeOnly attributes on
// create and replace (RFC 7643 §7, RFC 7644 §3.3, §3.5.1), and the rules of a resource a service
// provider returns (mode `response`: an id is required, returned "never" values are dropped).
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA_URN, USER_SCHEMA_URN, type ScimResource } from '@scim/core';
import { TX_URN } from '../../../test/fixtures/checklist.js';
import { issues, user, valid } from './fixtures/validation.js';

const EU = ENTERPRISE_USER_SCHEMA_URN;

describe('mutability (RFC 7643 §7, RFC 7644 §3.3, §3.5.1)', () => {
  it('S-COMMON-05/S-CHAR-13: readOnly input (id, groups) is ignored on create', () => {
    const value = valid(user({ id: 'client-1', groups: [{ value: 'g1' }] }));
    expect(value).not.toHaveProperty('id');
    expect(value).not.toHaveProperty('groups');
  });

  it('S-COMMON-10: client meta is ignored', () => {
    expect(
      valid(user({ meta: { resourceType: 'Group', created: '2000-01-01T00:00:00Z' } })),
    ).not.toHaveProperty('meta');
  });

  it('S-ENT-02: manager.displayName is readOnly and dropped', () => {
    const value = valid(user({ [EU]: { manager: { value: '26118915', displayName: 'Fake' } } }));
    expect(value[EU]).toEqual({ manager: { value: '26118915' } });
  });

  it('S-CHAR-16: an immutable attribute may be set at creation', () => {
    expect(valid(user({ [TX_URN]: { badge: 'A' } }))[TX_URN]).toEqual({ badge: 'A' });
  });

  const stored: ScimResource = {
    schemas: [USER_SCHEMA_URN, TX_URN],
    id: '2819c223',
    userName: 'bjensen',
    title: 'Tour Guide',
    password: 'hash',
    groups: [{ value: 'g1', display: 'G1' }],
    meta: { resourceType: 'User', created: '2026-01-01T00:00:00Z' },
    [TX_URN]: { badge: 'A' },
  };

  it('S-CHAR-17: a replace may repeat an immutable value but not change it', () => {
    expect(
      valid(user({ [TX_URN]: { badge: 'A' } }), { mode: 'replace', existing: stored })[TX_URN],
    ).toEqual({ badge: 'A' });
    expect(
      issues(user({ [TX_URN]: { badge: 'B' } }), { mode: 'replace', existing: stored })[0],
    ).toMatchObject({
      code: 'immutable',
      path: [TX_URN, 'badge'],
      scimType: 'mutability',
    });
  });

  it('S-CHAR-17: a replace sets an immutable value that does not exist yet', () => {
    const withoutBadge = { ...stored, [TX_URN]: undefined };
    expect(
      valid(user({ [TX_URN]: { badge: 'B' } }), { mode: 'replace', existing: withoutBadge })[
        TX_URN
      ],
    ).toEqual({ badge: 'B' });
  });

  it('S-CHAR-19: a replace that omits an immutable value keeps it', () => {
    expect(valid(user({}), { mode: 'replace', existing: stored })[TX_URN]).toEqual({ badge: 'A' });
  });

  it('S-CHAR-14/P-PUT-07: readOnly values in a replace come from the stored resource', () => {
    const value = valid(
      user({ id: 'other', meta: { created: '2000-01-01T00:00:00Z' }, groups: [] }),
      { mode: 'replace', existing: stored },
    );
    expect(value.id).toBe('2819c223');
    expect(value.meta).toEqual(stored.meta);
    expect(value.groups).toEqual(stored.groups);
  });

  it('P-PUT-03: a replace clears omitted readWrite attributes', () => {
    expect(valid(user({}), { mode: 'replace', existing: stored })).not.toHaveProperty('title');
  });

  it('P-PUT-04: a replace keeps an omitted writeOnly password, and null clears it', () => {
    expect(valid(user({}), { mode: 'replace', existing: stored }).password).toBe('hash');
    expect(
      valid(user({ password: null }), { mode: 'replace', existing: stored }),
    ).not.toHaveProperty('password');
  });

  it('S-CHAR-08: a replace without a required attribute fails', () => {
    expect(
      issues({ schemas: [USER_SCHEMA_URN] }, { mode: 'replace', existing: stored })[0],
    ).toMatchObject({ code: 'required', path: ['userName'] });
  });
});

describe('response mode', () => {
  it('S-COMMON-07: a returned resource needs an id', () => {
    expect(issues(user({}), { mode: 'response' })[0]).toMatchObject({
      code: 'required',
      path: ['id'],
    });
  });

  it('S-CHAR-21/S-CHAR-23: a returned resource drops returned "never" attributes such as password', () => {
    expect(valid(user({ id: '1', password: 'x' }), { mode: 'response' })).not.toHaveProperty(
      'password',
    );
  });

  it('keeps readOnly values, which a service provider returns', () => {
    const value = valid(
      user({ id: '1', groups: [{ value: 'g1' }], meta: { resourceType: 'User' } }),
      { mode: 'response' },
    );
    expect(value).toMatchObject({
      id: '1',
      groups: [{ value: 'g1' }],
      meta: { resourceType: 'User' },
    });
  });
});
