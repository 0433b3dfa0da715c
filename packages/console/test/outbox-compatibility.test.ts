// The lifecycle view's JSON lists, on an asynchronous request's completion (RFC 9967 §2.5.1), the
// compatibility rules its work relied on after the 202 (issue 17): no request's detail can, as the
// 202's log record was made before the work ran. Fields picked one by one: rule, layer, path.
import { describe, expect, it } from 'vitest';
import { createAsyncFixture, patchedAsynchronously } from './async-fixture.ts';
import { CONSOLE_TOKEN, type Fixture } from './fixture.ts';

interface Entry {
  readonly id: string;
  readonly type: string;
  readonly compatibility: unknown;
}

async function entries(fixture: Fixture): Promise<Entry[]> {
  const reply = await fixture.page('/api/outbox', {
    headers: { authorization: `Bearer ${CONSOLE_TOKEN}` },
  });
  expect(reply.status).toBe(200);
  return ((await reply.json()) as { entries: Entry[] }).entries;
}

describe('the lifecycle view shows the rules an asynchronous request relied on', () => {
  it('§3.1 items 1 and 2 (Entra "Replace" with "False") answered 202: its asyncCompleted entry lists both', async () => {
    const fixture = await createAsyncFixture();
    const completion = await patchedAsynchronously(fixture, 'entra');
    const entry = (await entries(fixture)).find((one) => one.id === completion.id);
    expect(entry?.type).toBe('asyncCompleted');
    expect(entry?.compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
  });

  it('an RFC PATCH answered 202 relied on none: an empty list, as on every other entry', async () => {
    const fixture = await createAsyncFixture();
    const completion = await patchedAsynchronously(fixture, 'rfc');
    expect('compatibility' in completion).toBe(false);
    const all = await entries(fixture);
    expect(all.find((one) => one.id === completion.id)?.compatibility).toEqual([]);
    for (const entry of all) expect(entry.compatibility).toEqual([]);
  });

  it('only rule, layer and path leave: a field the record gains is not shown', async () => {
    const fixture = await createAsyncFixture();
    const completion = await patchedAsynchronously(fixture, 'entra');
    const [first] = completion.compatibility ?? [];
    // A field a later version (or another outbox) might add to a rule, holding a value.
    Object.assign(first ?? {}, { value: 'False-secret' });
    const entry = (await entries(fixture)).find((one) => one.id === completion.id);
    expect(JSON.stringify(entry)).not.toContain('False-secret');
    expect(Object.keys((entry?.compatibility as object[])[0] ?? {}).sort()).toEqual([
      'layer',
      'path',
      'rule',
    ]);
  });
});
