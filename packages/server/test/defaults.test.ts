// Issue 11, "Secure by default" and "The default dialect": options are checked when the handler is
// made, so a mistake stops the application at start-up instead of answering 500 later.
import { describe, expect, it } from 'vitest';
import {
  createScimHandler,
  type HookEvent,
  type ScimHandlerOptions,
  type ServerPresetName,
} from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { G, PO, U, bj, expectError, server } from './helpers.js';

const stores = () => ({ User: createMemoryStore(), Group: createMemoryStore() });

describe('authentication is required (RFC 7644 §2: SCIM carries personal data)', () => {
  it('a handler without authenticate refuses to start and says how to opt into anonymous access', () => {
    expect(() => createScimHandler({ stores: stores() } as unknown as ScimHandlerOptions)).toThrow(
      /no authenticate given.*'anonymous'/,
    );
  });

  it("authenticate: 'anonymous' is the explicit opt-in: requests are served without credentials", async () => {
    const handler = createScimHandler({ stores: stores(), authenticate: 'anonymous' });
    const response = await handler.fetch(new Request('https://app.example.com/scim/v2/Users'));
    expect(response.status).toBe(200);
  });

  it('authenticate of any other kind is refused at start-up', () => {
    expect(() =>
      createScimHandler({
        stores: stores(),
        authenticate: 'none',
      } as unknown as ScimHandlerOptions),
    ).toThrow(/authenticate must be a function or 'anonymous'/);
  });
});

describe('compatibility presets are checked when the handler is made', () => {
  it('a preset name is read in any case: Entra is entra', async () => {
    const { call } = server({ compatibility: 'Entra' as string as ServerPresetName });
    // Bare-word filter values are an entra-only leniency, so this shows the entra preset is in force.
    const reply = await call('GET', '/Users?filter=externalId eq jyoung');
    expect(reply.status).toBe(200);
  });

  it('an unknown name fails at start-up with a message listing the valid ones', () => {
    expect(() =>
      createScimHandler({
        stores: stores(),
        authenticate: 'anonymous',
        compatibility: 'azure' as string as ServerPresetName,
      }),
    ).toThrow(/unknown preset "azure"; use one of rfc, default, entra, okta/);
  });

  it('a custom bundle without its three layers fails at start-up', () => {
    expect(() =>
      createScimHandler({
        stores: stores(),
        authenticate: 'anonymous',
        compatibility: { validation: {} } as unknown as ServerPresetName,
      }),
    ).toThrow(/validation, filter and patch/);
  });
});

describe('the public base URL comes from configuration (RFC 7644 §3.1 Location)', () => {
  const configured = 'https://scim.example.com/scim/v2';

  it('links use the configured URL whatever the Host header says', async () => {
    const { call } = server({ baseUrl: configured });
    const created = await call('POST', 'https://attacker.example/scim/v2/Users', bj);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${configured}/Users/${String(created.body.id)}`);
    expect((created.body.meta as { location: string }).location).toMatch(
      /^https:\/\/scim\.example\.com\//,
    );
  });

  it('the plain-HTTP check reads the configured URL: https configured means TLS ends in front of the app', async () => {
    const { call } = server({ baseUrl: configured });
    expect((await call('GET', 'http://10.0.0.7:8080/scim/v2/Users')).status).toBe(200);
  });

  it('a configured plain-HTTP public URL is refused like a plain-HTTP request (RFC 7644 §7.2)', async () => {
    const { call } = server({ baseUrl: 'http://scim.example.com/scim/v2' });
    expectError(await call('GET', 'https://scim.example.com/scim/v2/Users'), 403);
  });

  it('a configured loopback URL is served over plain HTTP, for development', async () => {
    const { call } = server({ baseUrl: 'http://127.0.0.1:8080/scim/v2' });
    expect((await call('GET', 'http://localhost.evil.example/scim/v2/Users')).status).toBe(200);
  });

  it('a baseUrl that is not an absolute http(s) URL fails at start-up', () => {
    expect(() => server({ baseUrl: '/scim/v2' })).toThrow(/absolute http\(s\) URL/);
  });
});

describe('deprovisioning: onDeactivate fires whenever active stops being true (RFC 7643 §4.1.1)', () => {
  async function deactivations(
    change: (call: ReturnType<typeof server>['call'], id: string) => Promise<unknown>,
    start: Record<string, unknown> = { active: true },
  ) {
    const seen: string[] = [];
    const { call } = server({
      hooks: {
        onDeactivate: (event: HookEvent) => void seen.push(String(event.resource.userName)),
      },
    });
    const id = (await call('POST', '/Users', { ...bj, ...start })).body.id as string;
    await change(call, id);
    return seen;
  }

  it('PATCH remove active is a deactivation', async () => {
    expect(
      await deactivations((call, id) =>
        call('PATCH', `/Users/${id}`, {
          schemas: [PO],
          Operations: [{ op: 'remove', path: 'active' }],
        }),
      ),
    ).toEqual(['bjensen']);
  });

  it('PUT without active is a deactivation: the replaced resource no longer says it is active', async () => {
    expect(
      await deactivations((call, id) =>
        call('PUT', `/Users/${id}`, { schemas: [U], userName: 'bjensen' }),
      ),
    ).toEqual(['bjensen']);
  });

  it('false on a user that never said it was active is a deactivation', async () => {
    expect(
      await deactivations(
        (call, id) =>
          call('PATCH', `/Users/${id}`, {
            schemas: [PO],
            Operations: [{ op: 'replace', path: 'active', value: false }],
          }),
        {},
      ),
    ).toEqual(['bjensen']);
  });

  it('a user who stays inactive, or becomes active, is not deactivated again', async () => {
    expect(
      await deactivations(
        async (call, id) => {
          await call('PATCH', `/Users/${id}`, {
            schemas: [PO],
            Operations: [{ op: 'remove', path: 'active' }],
          });
          await call('PATCH', `/Users/${id}`, {
            schemas: [PO],
            Operations: [{ op: 'replace', path: 'active', value: true }],
          });
        },
        { active: false },
      ),
    ).toEqual([]);
  });
});

describe('queries across resource types (RFC 7644 §3.4.2.1, §3.4.3)', () => {
  it('GET / without a filter lists every resource type', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const reply = await call('GET', '/');
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(2);
    expect(
      reply.body.Resources?.map((r) => (r.meta as { resourceType: string }).resourceType).sort(),
    ).toEqual(['Group', 'User']);
  });

  it('POST /.search without a filter lists every resource type', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const reply = await call('POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      attributes: ['id'],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(2);
  });

  it('without a filter, more resources than maxScan is tooMany rather than an unbounded answer', async () => {
    const { call } = server({ limits: { maxScan: 2 } });
    await call('POST', '/Users', bj);
    await call('POST', '/Users', { ...bj, userName: 'other' });
    await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    expectError(await call('GET', '/'), 400, 'tooMany');
  });
});

describe('group members (RFC 7643 §4.2)', () => {
  it('a member whose type label disagrees with what its id refers to is told so, not "does not exist"', async () => {
    const { call } = server();
    const user = (await call('POST', '/Users', bj)).body.id as string;
    const reply = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: user, type: 'Group' }],
    });
    expectError(reply, 400, 'invalidValue');
    expect(reply.body.detail).toBe(`Member ${user} is a User, but its type says Group`);
  });

  it('a type label in another case is the same type', async () => {
    const { call } = server();
    const user = (await call('POST', '/Users', bj)).body.id as string;
    const reply = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: user, type: 'user' }],
    });
    expect(reply.status).toBe(201);
    expect(reply.body.members).toEqual([expect.objectContaining({ value: user, type: 'User' })]);
  });

  it('a type label that names no resource type is refused as such', async () => {
    const { call } = server();
    const user = (await call('POST', '/Users', bj)).body.id as string;
    const reply = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: user, type: 'Robot' }],
    });
    expectError(reply, 400, 'invalidValue');
    expect(reply.body.detail).toMatch(/"Robot", which is no resource type here/);
  });
});

describe('ids (RFC 7643 §3.1)', () => {
  it('a generated id with a control character is a 500 reported to onError, never stored', async () => {
    const errors: unknown[] = [];
    const { call } = server({
      generateId: () => 'a\u0007b',
      onError: (error) => errors.push(error),
    });
    expectError(await call('POST', '/Users', bj), 500);
    expect(String(errors[0])).toMatch(/control characters/);
    expect((await call('GET', '/Users')).body.totalResults).toBe(0);
  });
});

describe('request bodies', () => {
  it('a body nested deeper than 64 levels is 400 invalidSyntax, whatever the endpoint', async () => {
    const { call } = server();
    let deep: unknown = 'x';
    for (let i = 0; i < 3000; i++) deep = [deep];
    for (const [method, path] of [
      ['POST', '/Users'],
      ['POST', '/Bulk'],
      ['POST', '/.search'],
    ] as const)
      expectError(
        await call(method, path, { schemas: [U], userName: 'deep', x: deep }),
        400,
        'invalidSyntax',
      );
  });
});

describe('string values (issue 11: a configurable maximum length, control characters refused)', () => {
  it('limits.maxStringLength bounds POST, PUT and PATCH values alike', async () => {
    const { call } = server({ limits: { maxStringLength: 10 } });
    expectError(
      await call('POST', '/Users', { schemas: [U], userName: 'a'.repeat(11) }),
      400,
      'invalidValue',
    );
    const id = (await call('POST', '/Users', { schemas: [U], userName: 'a'.repeat(10) })).body
      .id as string;
    expectError(
      await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'a', title: 'b'.repeat(11) }),
      400,
      'invalidValue',
    );
    expectError(
      await call('PATCH', `/Users/${id}`, {
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'title', value: 'c'.repeat(11) }],
      }),
      400,
      'invalidValue',
    );
  });

  it('the default bound is generous: 65,536 characters pass, one more does not', async () => {
    const { call } = server();
    expect((await call('POST', '/Users', { ...bj, title: 'x'.repeat(65_536) })).status).toBe(201);
    expectError(
      await call('POST', '/Users', { ...bj, userName: 'other', title: 'x'.repeat(65_537) }),
      400,
      'invalidValue',
    );
  });

  it('control characters other than tab and newline are refused in userName and externalId', async () => {
    const { call } = server();
    expectError(
      await call('POST', '/Users', { schemas: [U], userName: 'bj\u0000' }),
      400,
      'invalidValue',
    );
    expectError(
      await call('POST', '/Users', { schemas: [U], userName: 'bj', externalId: 'x\u001b[31m' }),
      400,
      'invalidValue',
    );
    expect((await call('GET', '/Users')).body.totalResults).toBe(0);
  });
});

describe('filter syntax the default preset accepts (docs/compatibility.md)', () => {
  const harmless = [
    `emails[type eq "work"].value eq "bjensen@example.com"`, // Entra, checklist X-ENTRA-05
    `userName eq 'bjensen'`, // RFC 7644's own examples (D-06)
    'active eq TRUE', // Microsoft's Postman collection
  ];

  it('single quotes, literals in any case and Entra value-path sub-attributes are read by default', async () => {
    const { call } = server();
    await call('POST', '/Users', { ...bj, active: true });
    for (const filter of harmless) {
      const reply = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect([filter, reply.body.totalResults]).toEqual([filter, 1]);
    }
  });

  it('the rfc preset refuses them, and bare words stay entra-only', async () => {
    const strict = server({ compatibility: 'rfc' });
    for (const filter of harmless)
      expectError(
        await strict.call('GET', `/Users?filter=${encodeURIComponent(filter)}`),
        400,
        'invalidFilter',
      );
    const { call } = server();
    expectError(await call('GET', '/Users?filter=externalId%20eq%20jyoung'), 400, 'invalidFilter');
  });
});

describe('PATCH paths read filters in the preset dialect', () => {
  it('a value filter in single quotes works in a PATCH path as it does in a GET filter (default preset)', async () => {
    const { call } = server();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const reply = await call('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [
        { op: 'replace', path: "emails[type eq 'work'].value", value: 'new@example.com' },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.emails).toContainEqual(
      expect.objectContaining({ type: 'work', value: 'new@example.com' }),
    );
    expectError(
      await server({ compatibility: 'rfc' }).call('PATCH', `/Users/${id}`, {
        schemas: [PO],
        Operations: [
          { op: 'replace', path: "emails[type eq 'work'].value", value: 'x@example.com' },
        ],
      }),
      400,
      'invalidPath',
    );
  });
});
