// A password change is part of what a write changed, and the detail says so without either value:
// `password: [changed]`. The events leave the password out of their states (RFC 7643 §4.1.1), so
// the console reads it from a PATCH's `changes` or a PUT's request body; and where a state does hold
// a secret (another outbox, a secret-named extension attribute), it is compared before redaction.
import { describe, expect, it } from 'vitest';
import { diffResources } from '../src/lib/redact.ts';
import {
  CONSOLE_TOKEN,
  createFixture,
  entraUser,
  NEW_PASSWORD,
  PASSWORD,
  PATCH_SCHEMA,
  type Fixture,
} from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };

async function newestDetail(fixture: Fixture) {
  const list = (await (await fixture.page('/api/requests', { headers: bearer })).json()) as {
    requests: { seq: number }[];
  };
  const reply = await fixture.page(`/api/requests/${list.requests[0]?.seq ?? 0}`, {
    headers: bearer,
  });
  const text = await reply.text();
  return {
    text,
    diff: (JSON.parse(text) as { changes: { diff: { path: string }[] }[] }).changes.flatMap(
      (change) => change.diff,
    ),
  };
}

describe('console password changes', () => {
  it('RFC 7643 §4.1.1 (password is writeOnly, never returned): a PATCH or a PUT that sets only the password shows password: [changed], and neither value', async () => {
    const fixture = await createFixture();
    const created = (await (
      await fixture.scim('POST', '/Users', entraUser('pw@example.com'))
    ).json()) as { id: string };
    const patched = await fixture.scim('PATCH', `/Users/${created.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'password', value: NEW_PASSWORD }],
    });
    expect(patched.status).toBe(200);
    const patch = await newestDetail(fixture);
    expect(patch.diff).toContainEqual({ path: 'password', after: '[changed]' });
    const put = await fixture.scim('PUT', `/Users/${created.id}`, {
      ...entraUser('pw@example.com'),
      password: PASSWORD,
    });
    expect(put.status).toBe(200);
    const replaced = await newestDetail(fixture);
    expect(replaced.diff).toContainEqual({ path: 'password', after: '[changed]' });
    for (const text of [patch.text, replaced.text])
      for (const secret of fixture.secrets) expect(text).not.toContain(secret);
  });

  it('RFC 7643 §4.1.1: states that hold a secret are compared before redaction, so a changed one is [changed] and an unchanged one no line', () => {
    const before = { userName: 'a', password: 'hash-one', ext: { apiKey: 'k1', note: 'x' } };
    const after = { userName: 'a', password: 'hash-two', ext: { apiKey: 'k1', note: 'y' } };
    const diff = diffResources(before, after);
    expect(diff).toEqual([
      { path: 'ext.note', before: 'x', after: 'y' },
      { path: 'password', before: '[redacted]', after: '[changed]' },
    ]);
    expect(JSON.stringify(diff)).not.toMatch(/hash-|k1/);
  });
});
