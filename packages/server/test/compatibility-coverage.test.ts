// Issue 17: the log record lists the compatibility rules a request relied on whichever way it went:
// a PATCH refused after an earlier operation relied on a rule, a write taken asynchronously (RFC 9967
// §2.5.1), and each operation of a bulk request (RFC 7644 §3.7), named by its place in the request.
// Quirks as in ../shared/spec/idp-quirks.md §3.1 (Entra ID).
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@scim/server/memory';
import { ASYNC, createGate, heldStore } from './async-helpers.js';
import { G, U, expectError } from './helpers.js';
import { BULK, logged, patch, userIn } from './fixtures/logged.js';

describe('a PATCH refused after a rule applied still lists the rule', () => {
  it('§3.1 items 1 and 2 (Entra "Replace" with "False"), then a readOnly path: 400 mutability with both rules', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'replace', path: 'id', value: 'other' },
      ),
    );
    expectError(reply, 400, 'mutability');
    expect(reply.body.detail).toBe("Operations[1]: 'id' is readOnly");
    expect(last()).toMatchObject({ status: 400, error: { scimType: 'mutability' } });
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('§3.1 item 2 then a value the rule cannot read: 400 invalidValue, the rule still listed', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'replace', path: 'active', value: 'True' },
        { op: 'replace', path: 'active', value: 'maybe' },
      ),
    );
    expectError(reply, 400, 'invalidValue');
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('a refused RFC PATCH carries no compatibility field', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    expectError(
      await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'id', value: 'x' })),
      400,
      'mutability',
    );
    expect('compatibility' in last()).toBe(false);
  });
});

describe('an asynchronous request (RFC 9967 §2.5.1) lists the rules it relied on', () => {
  it('§3.1 items 1 and 13 answered 202: the record lists what the parse step read, and is not changed after', async () => {
    const { call, last, records, handler } = logged({
      compatibility: 'entra',
      asyncRequests: { mode: 'request' },
    });
    const id = await userIn(call);
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'add', path: 'emails[type eq work].value', value: 'leaver@example.com' },
      ),
      ASYNC,
    );
    expect(reply.status).toBe(202);
    const accepted = last();
    expect(accepted.status).toBe(202);
    // booleanStrings reads the value when the PATCH is applied, after the answer: not listed.
    const expected = [
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'bareWordValues', layer: 'filter', path: 'emails.type' },
    ];
    expect(accepted.compatibility).toEqual(expected);
    await handler.close();
    expect((await call('GET', `/Users/${id}`)).body.active).toBe(false);
    // The record was handed to the logger as it is: the work behind the 202 does not change it.
    expect(records.find((record) => record.status === 202)?.compatibility).toEqual(expected);
  });

  it('§3.1 item 3 (Entra member removal by value list) answered 202 lists the rules of the membership path', async () => {
    const { call, last, handler } = logged({
      compatibility: 'entra',
      asyncRequests: { mode: 'request' },
    });
    const member = await userIn(call, 'member');
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Sales',
      members: [{ value: member }],
    });
    const reply = await call(
      'PATCH',
      `/Groups/${group.body.id as string}`,
      patch({ op: 'Remove', path: 'members', value: [{ value: member }] }),
      ASYNC,
    );
    expect(reply.status).toBe(202);
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'removeMembersByValue', layer: 'patch', path: 'members' },
    ]);
    await handler.close();
  });

  it('a POST answered 202 relied on nothing the parse step read: no compatibility field', async () => {
    const { call, last, handler } = logged({ asyncRequests: { mode: 'request' } });
    const reply = await call(
      'POST',
      '/Users',
      { schemas: [U], userName: 'p13', active: 'True' },
      ASYNC,
    );
    expect(reply.status).toBe(202);
    expect('compatibility' in last()).toBe(false);
    await handler.close();
  });

  it("§3.1 items 1 and 2 in mode 'long', answered 202 when afterMs ran out: the parse step's rules, whatever the work had reached", async () => {
    const gate = createGate();
    let holding = false;
    const { call, last, records, handler } = logged({
      compatibility: 'entra',
      stores: { User: heldStore(gate.opened, () => holding), Group: createMemoryStore() },
      asyncRequests: { mode: 'long', afterMs: 20 },
    });
    const id = await userIn(call);
    holding = true;
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(reply.status).toBe(202);
    const expected = [{ rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' }];
    expect(last().compatibility).toEqual(expected);
    gate.open();
    await handler.close();
    expect(records.find((record) => record.status === 202)?.compatibility).toEqual(expected);
  });

  it("§3.1 item 2 in mode 'long', done before afterMs: the normal answer lists the rules its work relied on", async () => {
    const { call, last } = logged({ asyncRequests: { mode: 'long', afterMs: 30_000 } });
    const reply = await call('POST', '/Users', { schemas: [U], userName: 'p13', active: 'True' });
    expect(reply.status).toBe(201);
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'active' },
    ]);
  });

  it('§3.1 items 1 and 2 with Prefer: respond-async, wait=30 done in time: the 200 lists them as a synchronous PATCH would', async () => {
    const sync = logged({ compatibility: 'entra' });
    const waited = logged({ compatibility: 'entra', asyncRequests: { mode: 'request' } });
    const body = patch({ op: 'Replace', path: 'active', value: 'False' });
    const plain = await sync.call('PATCH', `/Users/${await userIn(sync.call)}`, body);
    const reply = await waited.call('PATCH', `/Users/${await userIn(waited.call)}`, body, {
      prefer: 'respond-async, wait=30',
    });
    expect([plain.status, reply.status]).toEqual([200, 200]);
    expect(waited.last().compatibility).toEqual(sync.last().compatibility);
    expect(waited.last().compatibility).toHaveLength(2);
  });
});

describe('a bulk request (RFC 7644 §3.7) lists the rules of each operation, named by its index', () => {
  const bulk = (...operations: unknown[]) => ({ schemas: [BULK], Operations: operations });
  const post = (bulkId: string, active: unknown) => ({
    method: 'POST',
    path: '/Users',
    bulkId,
    data: { schemas: [U], userName: bulkId, active },
  });

  it('§3.1 items 1 and 2: each operation its own entries, at Operations[i].data, once each', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call(
      'POST',
      '/Bulk',
      bulk(post('u1', 'True'), post('u2', true), post('u3', 'False'), {
        method: 'PATCH',
        path: `/Users/${id}`,
        data: patch({ op: 'Replace', path: 'active', value: 'False' }),
      }),
    );
    expect(reply.status).toBe(200);
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'Operations[0].data.active' },
      { rule: 'booleanStrings', layer: 'validation', path: 'Operations[2].data.active' },
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[3].data.Operations[0].op' },
      { rule: 'booleanStrings', layer: 'patch', path: 'Operations[3].data.active' },
    ]);
  });

  it('an operation that failed after relying on a rule is listed too, and the bulk’s own failure adds nothing', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call(
      'POST',
      '/Bulk',
      bulk({
        method: 'PATCH',
        path: `/Users/${id}`,
        data: patch(
          { op: 'Replace', path: 'active', value: 'False' },
          { op: 'replace', path: 'id', value: 'x' },
        ),
      }),
    );
    expect(reply.status).toBe(200);
    expect((reply.body.Operations as { status: string }[])[0]?.status).toBe('400');
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].data.Operations[0].op' },
      { rule: 'booleanStrings', layer: 'patch', path: 'Operations[0].data.active' },
    ]);
  });

  it('asynchronous with wait=30 and done in time: the 200 lists each operation’s rules', async () => {
    const { call, last } = logged({ asyncRequests: { mode: 'request' } });
    const reply = await call('POST', '/Bulk', bulk(post('u1', 'True'), post('u2', 'False')), {
      prefer: 'respond-async, wait=30',
    });
    expect(reply.status).toBe(200);
    expect(last().compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'Operations[0].data.active' },
      { rule: 'booleanStrings', layer: 'validation', path: 'Operations[1].data.active' },
    ]);
  });
});
