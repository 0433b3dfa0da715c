// Issue 17: the work of a request answered 202 (RFC 9967 §2.5.1) runs after the answer, where no log
// record describes it; the compatibility rules it relied on are listed on its `asyncCompleted`
// record in the outbox instead, in the log record's shape. Quirks as in
// ../shared/spec/idp-quirks.md §3.1 (Entra ID).
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { ASYNC, completions } from './async-helpers.js';
import { PO, U, server } from './helpers.js';

const patch = (...operations: unknown[]) => ({ schemas: [PO], Operations: operations });
const replaceOp = { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' };

async function withUser(options: Parameters<typeof server>[0] = {}) {
  const scim = server({ asyncRequests: { mode: 'request' }, ...options });
  const created = await scim.call('POST', '/Users', { schemas: [U], userName: 'leaver' });
  expect(created.status).toBe(201);
  return { ...scim, id: created.body.id as string };
}

describe('the asyncCompleted record lists the rules the work behind a 202 relied on', () => {
  it('§3.1 items 1 and 2 (Entra "Replace" with "False"), nothing logging: both rules on the completion', async () => {
    const { call, id, handler } = await withUser({ compatibility: 'entra' });
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
      ASYNC,
    );
    expect(reply.status).toBe(202);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse?.status).toBe('200');
    expect(completion?.compatibility).toEqual([
      replaceOp,
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('an RFC PATCH relied on none: the completion has no compatibility field', async () => {
    const { call, id, handler } = await withUser({ compatibility: 'entra' });
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'active', value: false }),
      ASYNC,
    );
    expect(reply.status).toBe(202);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse?.status).toBe('200');
    expect(completion !== undefined && 'compatibility' in completion).toBe(false);
  });

  it('§3.1 item 2 in a POST: the validation rule, at its attribute', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call(
      'POST',
      '/Users',
      { schemas: [U], userName: 'p13', active: 'True' },
      ASYNC,
    );
    expect(reply.status).toBe(202);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse?.status).toBe('201');
    expect(completion?.compatibility).toEqual([
      { rule: 'booleanStrings', layer: 'validation', path: 'active' },
    ]);
  });

  it('a PATCH refused while applied: the 400 completion lists what the operations before it relied on', async () => {
    const { call, id, handler } = await withUser({ compatibility: 'entra' });
    await call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'replace', path: 'id', value: 'other' },
      ),
      ASYNC,
    );
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse).toMatchObject({
      status: '400',
      response: { scimType: 'mutability' },
    });
    expect(completion?.compatibility).toEqual([
      replaceOp,
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('the 202’s log record keeps what the parse step read; the completion has the rest', async () => {
    const records: RequestLogRecord[] = [];
    const { call, id, handler } = await withUser({
      compatibility: 'entra',
      log: (record) => void records.push(record),
    });
    await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
      ASYNC,
    );
    await handler.close();
    expect(records.find((record) => record.status === 202)?.compatibility).toEqual([replaceOp]);
    const [completion] = await completions(handler);
    expect(completion?.compatibility).toEqual([
      replaceOp,
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('a stored completion is plain JSON: the rules survive a round trip, as a database outbox keeps them', async () => {
    const { call, id, handler } = await withUser({ compatibility: 'entra' });
    await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
      ASYNC,
    );
    await handler.close();
    const [completion] = await completions(handler);
    expect(JSON.parse(JSON.stringify(completion))).toEqual(completion);
  });
});

describe('the completion of each operation of a bulk request answered 202 lists its own rules', () => {
  it('RFC 9967 §2.5.1.2 and §3.1 item 1: the Entra PATCH operation lists caseInsensitiveOp at its place, the RFC one none', async () => {
    const { call, id, handler } = await withUser({ compatibility: 'entra' });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          {
            method: 'PATCH',
            path: `/Users/${id}`,
            data: patch({ op: 'replace', path: 'title', value: 'Guide' }),
          },
          {
            method: 'PATCH',
            path: `/Users/${id}`,
            data: patch({ op: 'Replace', path: 'displayName', value: 'Leaver' }),
          },
        ],
      },
      ASYNC,
    );
    expect(reply.status).toBe(202);
    await handler.close();
    const byTxn = new Map((await completions(handler)).map((event) => [event.changeId, event]));
    const txn = reply.headers.get('set-txn') ?? '';
    const first = byTxn.get(`${txn}:0`);
    const second = byTxn.get(`${txn}:1`);
    expect(first?.asyncResponse?.status).toBe('200');
    expect(first !== undefined && 'compatibility' in first).toBe(false);
    expect(second?.asyncResponse?.status).toBe('200');
    expect(second?.compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[1].data.Operations[0].op' },
    ]);
  });
});
