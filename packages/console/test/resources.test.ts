// The resources view's endpoint: users and groups read through the SCIM handler, searched with a
// SCIM filter, a refused filter's error as the handler wrote it, and never a password.
import { describe, expect, it } from 'vitest';
import { createScimConsole } from '../src/index.ts';
import { CONSOLE_TOKEN, createFixture, entraUser, PASSWORD, type Fixture } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

async function resources(fixture: Fixture, query: string) {
  const reply = await fixture.page(`/api/resources?${query}`, { headers: bearer });
  return {
    status: reply.status,
    body: (await reply.json()) as {
      configured?: boolean;
      totalResults?: number;
      resources?: Record<string, unknown>[];
      error?: { status: number; scimType: string | null; detail: string };
      detail?: string;
    },
  };
}

async function seeded() {
  const fixture = await createFixture();
  const ids: string[] = [];
  for (const name of ['bjensen@example.com', 'jsmith@example.com']) {
    const created = (await (await fixture.scim('POST', '/Users', entraUser(name))).json()) as {
      id: string;
    };
    ids.push(created.id);
  }
  const group = await fixture.scim('POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'Sales',
    members: ids.map((value) => ({ value })),
  });
  expect(group.status).toBe(201);
  return { fixture, ids };
}

describe('console resources', () => {
  it('RFC 7644 §3.4.2.2 (filtering): a userName eq filter finds the one user, through the handler', async () => {
    const { fixture } = await seeded();
    const { status, body } = await resources(
      fixture,
      `type=User&filter=${encodeURIComponent('userName eq "jsmith@example.com"')}`,
    );
    expect(status).toBe(200);
    expect(body.totalResults).toBe(1);
    expect(body.resources?.map((user) => user.userName)).toEqual(['jsmith@example.com']);
  });

  it('RFC 7643 §4.2 (members): each group comes with its members', async () => {
    const { fixture, ids } = await seeded();
    const { body } = await resources(fixture, 'type=Group');
    const sales = body.resources?.find((group) => group.displayName === 'Sales');
    const members = (sales?.members ?? []) as { value: string }[];
    expect(members.map((member) => member.value).sort()).toEqual([...ids].sort());
    // Members are named by their userName, looked up through the same search.
    const userNames = (body as { userNames?: Record<string, string> }).userNames ?? {};
    expect(Object.values(userNames).sort()).toEqual(['bjensen@example.com', 'jsmith@example.com']);
  });

  it('RFC 7644 §3.4.2.2: a bad filter shows the server 400 invalidFilter with its detail', async () => {
    const { fixture } = await seeded();
    const { status, body } = await resources(
      fixture,
      `type=User&filter=${encodeURIComponent('userName eq')}`,
    );
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect(body.error?.detail.length).toBeGreaterThan(0);
  });

  it('refuses a type other than User or Group, and counts out of bounds, before asking the handler', async () => {
    let asked = 0;
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      resources: {
        search: () => {
          asked++;
          return Promise.resolve(Response.json({ Resources: [], totalResults: 0 }));
        },
      },
    });
    for (const query of ['type=Schemas', 'count=0', 'count=101', 'startIndex=0', 'count=1.5']) {
      const reply = await scimConsole.fetch(
        new Request(`https://x.example/c/api/resources?${query}`, { headers: bearer }),
      );
      expect(reply.status, query).toBe(400);
    }
    expect(asked).toBe(0);
  });

  it('RFC 7643 §4.1.1 (password returned never): a password in a search answer is redacted all the same', async () => {
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      resources: {
        search: () =>
          Promise.resolve(
            Response.json({
              totalResults: 1,
              Resources: [{ id: '1', userName: 'leaky', password: PASSWORD }],
            }),
          ),
      },
    });
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/resources?type=User', { headers: bearer }),
    );
    const text = await reply.text();
    expect(text).toContain('leaky');
    expect(text).not.toContain(PASSWORD);
  });

  it('says when no resource search is configured, and needs the console credential', async () => {
    const scimConsole = createScimConsole({ basePath: '/c', credential: CONSOLE_TOKEN });
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/resources', { headers: bearer }),
    );
    expect(await reply.json()).toMatchObject({ configured: false });
    const anonymous = await scimConsole.fetch(new Request('https://x.example/c/api/resources'));
    expect(anonymous.status).toBe(401);
  });
});
