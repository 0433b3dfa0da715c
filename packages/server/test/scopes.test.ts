// Scopes (issue 15, "Tokens"): `Authentication.scopes` restricts what a caller may do. `scim:read`
// covers GET and .search, `scim:write` every write and Bulk; a caller without the scope a request
// needs is 403 with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1).
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenManager,
  SCIM_SCOPES,
  tokenAuthenticator,
  type Authentication,
} from '@scim/server';
import { bj, expectError, PO, server, SR, U, type Reply } from './helpers.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** An endpoint over one token store, a user in tenant acme, and a token per scope set. */
async function setup(options: { authenticateDiscovery?: boolean } = {}) {
  const store = createMemoryTokenStore();
  const tokens = createTokenManager({ store });
  const { call } = server({ authenticate: tokenAuthenticator({ store }), ...options });
  const issue = async (scopes?: readonly string[]) =>
    (
      await tokens.issue({
        tenant: 'acme',
        label: 'test',
        ...(scopes === undefined ? {} : { scopes }),
      })
    ).token;
  const full = await issue();
  const read = await issue([SCIM_SCOPES.read]);
  const write = await issue([SCIM_SCOPES.write]);
  const as = (token: string, method: string, path: string, body?: unknown): Promise<Reply> =>
    call(method, path, body, { authorization: `Bearer ${token}` });
  const created = await as(full, 'POST', '/Users', bj);
  const id = String(created.body.id);
  return { as, full, read, write, id };
}

function expectInsufficientScope(reply: Reply, scope: string): void {
  expectError(reply, 403);
  expect(reply.headers.get('www-authenticate')).toBe(
    `Bearer error="insufficient_scope", scope="${scope}"`,
  );
}

const replacement = { schemas: [U], userName: 'bjensen', active: false };
const patch = { schemas: [PO], Operations: [{ op: 'replace', path: 'active', value: false }] };
const bulk = {
  schemas: [BULK],
  Operations: [
    { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [U], userName: 'x' } },
  ],
};

describe('a read-only token (scim:read)', () => {
  it('may GET a resource', async () => {
    const { as, read, id } = await setup();
    expect((await as(read, 'GET', `/Users/${id}`)).status).toBe(200);
  });

  it('may GET a list', async () => {
    const { as, read } = await setup();
    expect((await as(read, 'GET', '/Users')).status).toBe(200);
  });

  it('may query with POST /Users/.search, a read sent as POST (RFC 7644 §3.4.3)', async () => {
    const { as, read } = await setup();
    expect((await as(read, 'POST', '/Users/.search', { schemas: [SR] })).status).toBe(200);
  });

  it('may query with POST /.search (RFC 7644 §3.4.3)', async () => {
    const { as, read } = await setup();
    expect((await as(read, 'POST', '/.search', { schemas: [SR] })).status).toBe(200);
  });

  it('is 403 insufficient_scope on POST, naming scim:write (RFC 6750 §3.1)', async () => {
    const { as, read } = await setup();
    const reply = await as(read, 'POST', '/Users', { schemas: [U], userName: 'new' });
    expectInsufficientScope(reply, 'scim:write');
    expect(reply.body.detail).toBe(
      "The credential may not POST /scim/v2/Users: that needs the scope 'scim:write', and it has only scim:read",
    );
  });

  it('is 403 insufficient_scope on PUT', async () => {
    const { as, read, id } = await setup();
    expectInsufficientScope(await as(read, 'PUT', `/Users/${id}`, replacement), 'scim:write');
  });

  it('is 403 insufficient_scope on PATCH', async () => {
    const { as, read, id } = await setup();
    expectInsufficientScope(await as(read, 'PATCH', `/Users/${id}`, patch), 'scim:write');
  });

  it('is 403 insufficient_scope on DELETE, and the resource stays', async () => {
    const { as, read, full, id } = await setup();
    expectInsufficientScope(await as(read, 'DELETE', `/Users/${id}`), 'scim:write');
    expect((await as(full, 'GET', `/Users/${id}`)).status).toBe(200);
  });

  it('is 403 insufficient_scope on POST /Bulk, whose operations are all writes', async () => {
    const { as, read } = await setup();
    expectInsufficientScope(await as(read, 'POST', '/Bulk', bulk), 'scim:write');
  });

  it('is refused before the body is read: a broken body still answers 403, not 400', async () => {
    const { as, read } = await setup();
    expectInsufficientScope(await as(read, 'POST', '/Users', '{not json'), 'scim:write');
  });

  it('gets 405 for a method the endpoint does not take, not 403', async () => {
    const { as, read } = await setup();
    expectError(await as(read, 'DELETE', '/Users'), 405);
  });
});

describe('a write-only token (scim:write)', () => {
  it('is 403 insufficient_scope on GET, naming scim:read', async () => {
    const { as, write, id } = await setup();
    expectInsufficientScope(await as(write, 'GET', `/Users/${id}`), 'scim:read');
  });

  it('may POST /Bulk', async () => {
    const { as, write } = await setup();
    expect((await as(write, 'POST', '/Bulk', bulk)).status).toBe(200);
  });

  it('reads what it writes: a PATCH answers with the resource (RFC 7644 §3.5.2), as documented', async () => {
    const { as, write, id } = await setup();
    const noop = { schemas: [PO], Operations: [{ op: 'replace', path: 'active', value: true }] };
    const reply = await as(write, 'PATCH', `/Users/${id}?attributes=emails`, noop);
    expect(reply.body.emails).toEqual(bj.emails);
  });
});

describe('discovery', () => {
  it('needs no scope, even with authenticateDiscovery (RFC 7643 §5)', async () => {
    const { as, write } = await setup({ authenticateDiscovery: true });
    expect((await as(write, 'GET', '/Schemas')).status).toBe(200);
  });
});

describe('Authentication.scopes from any authenticate', () => {
  it('is enforced the same for a custom authenticate', async () => {
    const caller: Authentication = { principal: 'auditor', scopes: ['scim:read'] };
    const { call } = server({ authenticate: () => caller });
    expectInsufficientScope(
      await call('POST', '/Users', { schemas: [U], userName: 'new' }),
      'scim:write',
    );
  });

  it('a string (a JWT scope claim passed through) is a 500 through onError, never matched by substring', async () => {
    // 'scim:writeback-disabled'.includes('scim:write') is true: String.prototype.includes.
    const caller = { principal: 'jwt-client', scopes: 'scim:read scim:writeback-disabled' };
    const errors: unknown[] = [];
    const { call } = server({
      authenticate: () => caller as unknown as Authentication,
      onError: (error) => void errors.push(error),
    });
    expectError(await call('POST', '/Users', { schemas: [U], userName: 'intruder' }), 500);
    expect(errors).toEqual([expect.objectContaining({ name: 'TypeError' })]);
    expect(String(errors[0])).toMatch(/scopes must be an array/);
  });

  it('an empty list allows nothing but discovery', async () => {
    const { call } = server({ authenticate: () => ({ principal: 'nobody', scopes: [] }) });
    const reply = await call('GET', '/Users');
    expectInsufficientScope(reply, 'scim:read');
    expect(reply.body.detail).toContain('it has no scopes');
  });

  it('absent, the caller is unrestricted (as before scopes existed)', async () => {
    const { as, full, id } = await setup();
    expect((await as(full, 'DELETE', `/Users/${id}`)).status).toBe(204);
  });
});
