// Issue 17: a PATCH refused while it is read (before the resource is, P-PATCH-01..03 and its paths)
// still lists in its log record the compatibility rules the operations before the refused one relied
// on, as one refused while applying does. Quirks as in ../shared/spec/idp-quirks.md §3.1 (Entra ID).
import { describe, expect, it } from 'vitest';
import { expectError } from './helpers.js';
import { BULK, logged, patch, userIn } from './fixtures/logged.js';

describe('a PATCH refused while it is read lists the rules its earlier operations relied on', () => {
  it('§3.1 items 1 and 13, then a path naming no attribute: 400 invalidPath with both rules', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'emails[type eq work].value', value: 'leaver@example.com' },
        { op: 'replace', path: 'nosuch.attribute', value: 'x' },
      ),
    );
    expectError(reply, 400, 'invalidPath');
    expect(reply.body.detail).toMatch(/^Operations\[1\]: /);
    expect(last()).toMatchObject({ status: 400, error: { scimType: 'invalidPath' } });
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'bareWordValues', layer: 'filter', path: 'emails.type' },
    ]);
  });

  it('§3.1 item 1, then an unknown op (P-PATCH-03): 400 invalidSyntax, the rule listed', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const body = patch({ op: 'Replace', path: 'active', value: 'False' }, { op: 'move' });
    const reply = await call('PATCH', `/Users/${id}`, body);
    expectError(reply, 400, 'invalidSyntax');
    expect(reply.body.detail).toBe('Operations[1]: unknown op "move"; use add, remove or replace');
    // booleanStrings reads the value when the PATCH is applied, which a refused read never is.
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
    ]);
  });

  it('the status, scimType and detail are those parsePatch refuses with', async () => {
    const plain = logged();
    const entra = logged({ compatibility: 'entra' });
    const body = patch({ op: 'replace', path: 'title', value: 'x' }, { op: 'move' });
    const a = await plain.call('PATCH', `/Users/${await userIn(plain.call)}`, body);
    const b = await entra.call(
      'PATCH',
      `/Users/${await userIn(entra.call)}`,
      patch({ op: 'Replace', path: 'title', value: 'x' }, { op: 'move' }),
    );
    expect([a.status, a.body.scimType, a.body.detail]).toEqual([
      b.status,
      b.body.scimType,
      b.body.detail,
    ]);
  });

  it('a refused RFC PATCH carries no compatibility field', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call('PATCH', `/Users/${id}`, patch({ op: 'move', path: 'title' }));
    expectError(reply, 400, 'invalidSyntax');
    expect('compatibility' in last()).toBe(false);
  });

  it('in a bulk request (RFC 7644 §3.7) the rule is listed at the operation’s place', async () => {
    const { call, last } = logged({ compatibility: 'entra' });
    const id = await userIn(call);
    const reply = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          data: patch({ op: 'Replace', path: 'title', value: 'x' }, { op: 'move' }),
        },
      ],
    });
    expect(reply.status).toBe(200);
    expect((reply.body.Operations as { status: string }[])[0]?.status).toBe('400');
    expect(last().compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].data.Operations[0].op' },
    ]);
  });
});
