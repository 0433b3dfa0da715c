// The event URIs and media type @scim/core names for RFC 9967 (§2, §7.4) and RFC 8417 (§2.3).
import { expect, it } from 'vitest';
import * as core from '@scim/core';

it('E-TYPE-01: the SDK’s event URIs are exactly the twelve RFC 9967 registers', () => {
  expect([...core.SCIM_EVENT_URIS].sort()).toEqual(
    [
      'urn:ietf:params:scim:event:feed:add',
      'urn:ietf:params:scim:event:feed:remove',
      'urn:ietf:params:scim:event:prov:create:full',
      'urn:ietf:params:scim:event:prov:create:notice',
      'urn:ietf:params:scim:event:prov:patch:full',
      'urn:ietf:params:scim:event:prov:patch:notice',
      'urn:ietf:params:scim:event:prov:put:full',
      'urn:ietf:params:scim:event:prov:put:notice',
      'urn:ietf:params:scim:event:prov:delete',
      'urn:ietf:params:scim:event:prov:activate',
      'urn:ietf:params:scim:event:prov:deactivate',
      'urn:ietf:params:scim:event:misc:asyncresp',
    ].sort(),
  );
});

it('E-TYPE-01: every string constant in the SCIM event namespace is one of the twelve', () => {
  // Judged by value, not by name: core also names event URIs of other namespaces (RISC, SSF).
  const named = Object.entries(core as Record<string, unknown>).flatMap(([name, value]) =>
    name !== 'SCIM_EVENT_URI_PREFIX' &&
    typeof value === 'string' &&
    value.startsWith(core.SCIM_EVENT_URI_PREFIX)
      ? [value]
      : [],
  );
  expect(named).toHaveLength(12);
  expect(new Set(named)).toEqual(new Set(core.SCIM_EVENT_URIS));
});

it('E-SET-02: the SET media type is application/secevent+jwt (RFC 8417 §7.2)', () => {
  expect(core.SECEVENT_JWT_MEDIA_TYPE).toBe('application/secevent+jwt');
});
