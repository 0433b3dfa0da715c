// Issue 17: each log record names the client quirks its request relied on (the option of the
// compatibility bundle that allowed it, its layer and path) and the dialect it was served in, so the
// console can show the rule that applied. Quirks as in ../shared/spec/idp-quirks.md §3.1 and §3.2.
import { describe, expect, it } from 'vitest';
import { COMPATIBILITY_PROFILES } from '@scim/core';
import { LENIENT_FILTER_SYNTAX } from '@scim/filter';
import { PATCH_PRESETS } from '@scim/patch';
import { formatRequestLog, type RequestLogRecord, type ScimHandlerOptions } from '@scim/server';
import { G, PO, U, server } from './helpers.js';
import { tenantServer } from './fixtures/tenants.js';

function logged(compatibility?: ScimHandlerOptions['compatibility']) {
  const records: RequestLogRecord[] = [];
  const { call } = server({ compatibility, log: (record) => void records.push(record) });
  return { call, records, last: () => records[records.length - 1] as RequestLogRecord };
}

const patch = (...operations: unknown[]) => ({ schemas: [PO], Operations: operations });

describe('the log record lists the compatibility rules a request relied on', () => {
  it('§3.1 items 1 and 2 (Entra PATCH {"op":"Replace","path":"active","value":"False"}): caseInsensitiveOp and booleanStrings', async () => {
    const { call, last } = logged('entra');
    const created = await call('POST', '/Users', { schemas: [U], userName: 'leaver' });
    expect(last().compatibility).toBeUndefined();
    const reply = await call(
      'PATCH',
      `/Users/${created.body.id as string}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(reply.status).toBe(200);
    expect(last()).toMatchObject({ method: 'PATCH', dialect: 'entra' });
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('§3.1 item 2 on POST (Postman P13 "active": "True"): booleanStrings in the validation layer', async () => {
    const { call, last } = logged();
    expect(
      (await call('POST', '/Users', { schemas: [U], userName: 'p13', active: 'True' })).status,
    ).toBe(201);
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'active' },
    ]);
    expect(last().dialect).toBe('default');
  });

  it('a PUT reads its body twice and still reports each rule once', async () => {
    const { call, last } = logged();
    const created = await call('POST', '/Users', { schemas: [U], userName: 'put' });
    await call('PUT', `/Users/${created.body.id as string}`, {
      schemas: [U],
      userName: 'put',
      active: 'false',
    });
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'active' },
    ]);
  });

  it('a refused request keeps the rules that read it before the refusal', async () => {
    const { call, last } = logged();
    const reply = await call('POST', '/Users', { schemas: [U], active: 'True' });
    expect(reply.status).toBe(400);
    expect(last().error?.scimType).toBe('invalidValue');
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'active' },
    ]);
  });

  it('a bulk request lists the rules each operation relied on, at its place in the request', async () => {
    const { call, last } = logged();
    const reply = await call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [1, 2].map((n) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `u${n}`,
        data: { schemas: [U], userName: `bulk${n}`, active: 'True' },
      })),
    });
    expect(reply.status).toBe(200);
    expect(last().method).toBe('POST');
    expect(last().path).toMatch(/\/Bulk$/);
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'Operations[0].data.active' },
      { rule: 'booleanStrings', layer: 'validation', path: 'Operations[1].data.active' },
    ]);
  });

  it('§3.1 item 13 (E13, externalId eq jyoung under entra): bareWordValues in the filter layer', async () => {
    const { call, last } = logged('entra');
    expect((await call('GET', '/Users?filter=externalId%20eq%20jyoung')).status).toBe(200);
    expect(last().compatibility).toEqual([
      { rule: 'bareWordValues', layer: 'filter', path: 'externalId' },
    ]);
    expect(formatRequestLog(last()).split('\n')[1]).toBe(
      '  compatibility: bareWordValues at externalId',
    );
  });

  it('§3.1 item 3 (Entra member removal by value list) is reported on the membership fast path', async () => {
    const { call, last } = logged('entra');
    const member = await call('POST', '/Users', { schemas: [U], userName: 'member' });
    const id = member.body.id as string;
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Sales',
      members: [{ value: id }],
    });
    const reply = await call(
      'PATCH',
      `/Groups/${group.body.id as string}`,
      patch({ op: 'Remove', path: 'members', value: [{ value: id }] }),
    );
    expect(reply.status).toBe(204);
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'removeMembersByValue', layer: 'patch', path: 'members' },
    ]);
  });

  it('RFC requests under the entra preset carry no compatibility field', async () => {
    const { call, records } = logged('entra');
    const created = await call('POST', '/Users', { schemas: [U], userName: 'rfc', active: true });
    await call(
      'PATCH',
      `/Users/${created.body.id as string}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    await call('GET', '/Users?filter=userName%20eq%20%22rfc%22');
    expect(records.map((record) => record.status)).toEqual([201, 200, 200]);
    for (const record of records) expect('compatibility' in record).toBe(false);
  });
});

describe("the log record's dialect", () => {
  it('is the preset name, in the case given at start-up, and custom for a bundle', async () => {
    const preset = logged('Okta' as 'okta');
    await preset.call('GET', '/Users');
    expect(preset.last().dialect).toBe('okta');
    const custom = logged({
      validation: COMPATIBILITY_PROFILES.default,
      filter: LENIENT_FILTER_SYNTAX,
      patch: PATCH_PRESETS.default,
    });
    await custom.call('GET', '/Users');
    expect(custom.last().dialect).toBe('custom');
  });

  it("in a multi-tenant handler it is the tenant's own preset", async () => {
    const records: RequestLogRecord[] = [];
    const { call, tokenFor } = tenantServer({
      tenantFrom: 'credential',
      tenants: { acme: { compatibility: 'entra' }, globex: {} },
      log: (record) => void records.push(record),
    });
    await call(await tokenFor('acme'), 'GET', '/scim/v2/Users');
    await call(await tokenFor('globex'), 'GET', '/scim/v2/Users');
    expect(records.map(({ tenant, dialect }) => [tenant, dialect])).toEqual([
      ['acme', 'entra'],
      ['globex', 'default'],
    ]);
  });
});
