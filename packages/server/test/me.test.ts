import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { bj, BASE, expectError, PO, server, U } from './helpers.js';

function withMe(ids: Record<string, string>) {
  return server({
    authenticate: (request) => {
      const subject = request.headers.get('x-subject');
      if (subject === null) throw ScimError.unauthorized('Who are you?');
      return { principal: subject };
    },
    me: (authentication) => {
      const id = ids[String(authentication?.principal)];
      return id === undefined ? undefined : { resourceType: 'User', id };
    },
  });
}

describe('/Me (RFC 7644 §3.11)', () => {
  it('P-ME-01: without a resolver, /Me is 501', async () => {
    const { call } = server();
    expectError(await call('GET', '/Me'), 501);
  });

  it("P-ME-03/P-ME-04: /Me serves the subject's resource with its permanent Location, for GET, PATCH and DELETE", async () => {
    const ids: Record<string, string> = {};
    const { call } = withMe(ids);
    const created = await call('POST', '/Users', bj, { 'x-subject': 'admin' });
    ids.babs = created.body.id as string;
    const read = await call('GET', '/Me', undefined, { 'x-subject': 'babs' });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(ids.babs);
    expect(read.headers.get('location')).toBe(`${BASE}/Users/${ids.babs}`);
    const patched = await call(
      'PATCH',
      '/Me',
      { schemas: [PO], Operations: [{ op: 'replace', path: 'nickName', value: 'Babs' }] },
      { 'x-subject': 'babs' },
    );
    expect(patched.body.nickName).toBe('Babs');
    expect((await call('DELETE', '/Me', undefined, { 'x-subject': 'babs' })).status).toBe(204);
  });

  it('P-ME-02: /Me is served in place rather than redirected, so clients that do not follow a 308 on PATCH or DELETE still work', async () => {
    const ids: Record<string, string> = {};
    const { call } = withMe(ids);
    ids.babs = (await call('POST', '/Users', bj, { 'x-subject': 'admin' })).body.id as string;
    for (const method of ['GET', 'DELETE']) {
      const reply = await call(method, '/Me', undefined, { 'x-subject': 'babs' });
      expect(reply.status).not.toBe(308);
      expect(reply.status).toBeLessThan(300);
    }
  });

  it('P-ME-05: a subject without a resource is 404, an anonymous caller 401', async () => {
    const { call } = withMe({});
    expectError(await call('GET', '/Me', undefined, { 'x-subject': 'nobody' }), 404);
    expectError(await call('GET', '/Me', undefined, { authorization: '' }), 401);
  });

  it('P-ME-04: POST /Me creates a User', async () => {
    const { call } = withMe({});
    const reply = await call(
      'POST',
      '/Me',
      { schemas: [U], userName: 'self' },
      { 'x-subject': 'self' },
    );
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toContain('/Users/');
  });
});
