// Derived OpenID RISC SETs: off by default; when on, separate SETs sharing the SCIM SET's txn.
import { describe, expect, it } from 'vitest';
import {
  RISC_ACCOUNT_DISABLED_EVENT_URI,
  RISC_ACCOUNT_ENABLED_EVENT_URI,
  RISC_ACCOUNT_PURGED_EVENT_URI,
  RISC_IDENTIFIER_CHANGED_EVENT_URI,
} from '@scim/core';
import { toSetClaims, type SetClaims } from '@scim/events';
import type { LifecycleEvent } from '@scim/server';
import { bj, buildOptions, G, patch, scimServer } from './helpers.js';

function setsOf(records: readonly LifecycleEvent[], risc: boolean): SetClaims[] {
  return records.flatMap((record) => {
    const result = toSetClaims(record, buildOptions({ risc }));
    return result.ok ? result.value : [];
  });
}

const isRisc = (set: SetClaims) =>
  Object.keys(set.events).some((uri) =>
    uri.startsWith('https://schemas.openid.net/secevent/risc/'),
  );

async function deactivation() {
  const { call } = scimServer();
  const id = (await call('POST', '/Users', bj)).body.id as string;
  const { records } = await call(
    'PATCH',
    `/Users/${id}`,
    patch({ op: 'replace', path: 'active', value: false }),
  );
  return { call, id, records };
}

describe('derived RISC events', () => {
  it('are off by default', async () => {
    const { records } = await deactivation();
    expect(setsOf(records, false).filter(isRisc)).toEqual([]);
  });

  it('account-disabled is a SET of its own, with the txn of the SCIM SET, subject the user’s e-mail', async () => {
    const { records } = await deactivation();
    const sets = setsOf(records, true);
    expect(sets).toHaveLength(2);
    const [scim, risc] = sets as [SetClaims, SetClaims];
    expect(isRisc(scim)).toBe(false);
    expect(risc.events).toEqual({ [RISC_ACCOUNT_DISABLED_EVENT_URI]: {} });
    expect(risc.txn).toBe(scim.txn);
    expect(risc.jti).not.toBe(scim.jti);
    expect(risc.sub_id).toEqual({ format: 'email', email: 'bjensen@example.com' });
  });

  it('account-enabled follows a reactivation', async () => {
    const { call, id } = await deactivation();
    const { records } = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'active', value: true }),
    );
    expect(
      setsOf(records, true)
        .filter(isRisc)
        .map((set) => set.events),
    ).toEqual([{ [RISC_ACCOUNT_ENABLED_EVENT_URI]: {} }]);
  });

  it('account-purged follows a delete', async () => {
    const { call } = scimServer();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const { records } = await call('DELETE', `/Users/${id}`);
    expect(
      setsOf(records, true)
        .filter(isRisc)
        .map((set) => set.events),
    ).toEqual([{ [RISC_ACCOUNT_PURGED_EVENT_URI]: {} }]);
  });

  it('identifier-changed names the old primary e-mail as subject and the new one as new-value', async () => {
    const { call } = scimServer();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const { records } = await call('PUT', `/Users/${id}`, {
      ...bj,
      emails: [{ value: 'babs.jensen@example.com', type: 'work', primary: true }],
    });
    const [risc] = setsOf(records, true).filter(isRisc);
    expect(risc?.sub_id).toEqual({ format: 'email', email: 'bjensen@example.com' });
    expect(risc?.events).toEqual({
      [RISC_IDENTIFIER_CHANGED_EVENT_URI]: { 'new-value': 'babs.jensen@example.com' },
    });
  });

  it('a user without e-mail is named by its SCIM subject; groups get no RISC events', async () => {
    const { call } = scimServer();
    const { emails: _emails, ...noEmail } = bj;
    const created = await call('POST', '/Users', noEmail);
    const { records } = await call(
      'PATCH',
      `/Users/${created.body.id as string}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    const [risc] = setsOf(records, true).filter(isRisc);
    expect(risc?.sub_id).toEqual(expect.objectContaining({ format: 'scim' }));
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const deleted = await call('DELETE', `/Groups/${group.body.id as string}`);
    expect(setsOf(deleted.records, true).filter(isRisc)).toEqual([]);
  });

  it('riscSubject chooses another subject format', async () => {
    const { records } = await deactivation();
    const sets = records.flatMap((record) => {
      const result = toSetClaims(
        record,
        buildOptions({ risc: true, riscSubject: (user) => ({ format: 'opaque', id: user.id }) }),
      );
      return result.ok ? result.value : [];
    });
    const [risc] = sets.filter(isRisc);
    expect(risc?.sub_id.format).toBe('opaque');
    expect(typeof risc?.sub_id.id).toBe('string');
  });
});
