// The console in a real browser: headless Chromium (Debian's package) driven by playwright-core. It
// finds a failing Entra request's error and body, a PATCH's diff, retries a failed hook from the
// page, and checks that no secret is in the page or its traffic. Screenshots of each view are taken
// every run (see chromium.ts for where they go). Skipped, saying why, where /usr/bin/chromium is
// missing.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserTitle,
  chromiumMissing,
  openInChromium,
  type ConsoleInChromium,
  screenshot,
} from './chromium.ts';
import {
  CONSOLE_TOKEN,
  createFixture,
  entraUser,
  PATCH_SCHEMA,
  type Fixture,
  deactivateAsEntra,
} from './fixture.ts';

describe.skipIf(chromiumMissing)(browserTitle('console in a browser'), { timeout: 60_000 }, () => {
  let fixture: Fixture;
  let server: ConsoleInChromium;
  let page: Page;
  /** Everything that crossed the wire after the login form was posted. */
  const traffic: string[] = [];

  const shot = (name: string) => screenshot(page, name);
  const tab = (name: string) => page.click(`button.tab[data-view="${name}"]`);

  beforeAll(async () => {
    fixture = await createFixture({}, 'http://127.0.0.1');
    server = await openInChromium(fixture);
    page = server.page;
    page.on('request', (request) => {
      // The login form's own post carries the credential: that is the user typing it.
      if (request.url().endsWith('/console/login') && request.method() === 'POST') return;
      traffic.push(request.url(), JSON.stringify(request.headers()), request.postData() ?? '');
    });
    page.on('response', (response) => {
      traffic.push(JSON.stringify(response.headers()));
      response.text().then(
        (text) => traffic.push(text),
        () => undefined,
      );
    });
  });
  afterAll(() => server?.close());

  it('logs in with the console token through the form', async () => {
    await page.goto(`${server.url}/console/`);
    expect(page.url()).toMatch(/\/console\/login$/);
    await shot('login');
    await page.fill('#credential', CONSOLE_TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#requests');
    expect(page.url()).toBe(`${server.url}/console/`);
  });

  it('Entra ID: a refused create shows its scimType, detail and request body on the page', async () => {
    await fixture.scim('POST', '/Users', entraUser('bjensen@example.com'), server.url);
    await fixture.scim(
      'GET',
      '/Users?filter=userName%20eq%20%22bjensen%40example.com%22',
      undefined,
      server.url,
    );
    const refused = await fixture.scim(
      'POST',
      '/Users',
      entraUser('bjensen@example.com'),
      server.url,
    );
    expect(refused.status).toBe(409);
    const row = page.locator('#requests tbody tr', { hasText: '409' }).first();
    await row.waitFor();
    await row.click();
    await expect.poll(() => page.textContent('#detail-scimtype')).toBe('uniqueness');
    expect(await page.textContent('#detail-message')).toMatch(/userName/);
    expect(await page.textContent('#detail-request')).toContain('bjensen@example.com');
    expect(await page.textContent('#detail-request')).toContain('[redacted]');
    await shot('requests');
  });

  it('RFC 7644 §3.5.2: a PATCH opens to its before/after diff', async () => {
    const created = (await (
      await fixture.scim('POST', '/Users', entraUser('pat@example.com'), server.url)
    ).json()) as { id: string };
    await fixture.scim(
      'PATCH',
      `/Users/${created.id}`,
      {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'Replace', path: 'name.givenName', value: 'Patricia' }],
      },
      server.url,
    );
    const row = page.locator('#requests tbody tr', { hasText: 'PATCH' }).first();
    await row.waitFor();
    await row.click();
    const line = page.locator('table.diff tr', { hasText: 'name.givenName' });
    await line.waitFor();
    expect(await line.locator('td.before').textContent()).toBe('"Barbara"');
    expect(await line.locator('td.after').textContent()).toBe('"Patricia"');
    await shot('diff');
  });

  it('idp-quirks §3.1 items 2 and 13: an Entra-style request shows the compatibility rule that applied', async () => {
    const created = (await (
      await fixture.scim('POST', '/Users', entraUser('quirky@example.com'), server.url)
    ).json()) as { id: string };
    // "True" for a boolean (Entra's default PATCH shape); the user stays active, so no hook fires.
    await fixture.scim(
      'PATCH',
      `/Users/${created.id}`,
      { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: 'True' }] },
      server.url,
    );
    // This PATCH's own row: the one of the diff test above is also a PATCH.
    const patchRow = page
      .locator('#requests tbody tr', { hasText: `/Users/${created.id}` })
      .filter({ hasText: 'PATCH' });
    await patchRow.waitFor();
    await patchRow.click();
    const boolean = page.locator('#detail-rules-list li', { hasText: 'booleanStrings' });
    await boolean.waitFor();
    expect(await boolean.textContent()).toBe('booleanStrings at active (patch)');
    expect(await page.locator('#detail-facts').textContent()).toContain('entra');

    // A bare word in a filter (Entra's docs: externalId eq jyoung), accepted by the entra preset.
    const listed = await fixture.scim(
      'GET',
      '/Users?filter=externalId%20eq%20quirky',
      undefined,
      server.url,
    );
    expect(listed.status).toBe(200);
    const getRow = page.locator('#requests tbody tr', { hasText: 'externalId eq quirky' }).first();
    await getRow.waitFor();
    await getRow.click();
    const bareWord = page.locator('#detail-rules-list li', { hasText: 'bareWordValues' });
    await bareWord.waitFor();
    expect(await bareWord.textContent()).toBe('bareWordValues at externalId (filter)');
    expect(await page.locator('#detail-rules-list li').count()).toBe(1);
  });

  it('RFC 7644 §3.5: a failed hook is dead in the lifecycle view and its Retry button delivers it', async () => {
    fixture.failHook = true;
    await deactivateAsEntra(fixture, 'leaver@example.com', server.url);
    await tab('outbox');
    const dead = page.locator('#outbox tbody tr', { hasText: 'deactivated' });
    await dead.locator('td.state-dead').waitFor();
    expect(await dead.textContent()).toContain('session service unavailable');
    await shot('lifecycle');
    fixture.failHook = false;
    await dead.locator('button.retry').click();
    await dead.locator('td.state-pending, td.state-delivered').waitFor();
    await fixture.handler.deliverDue();
    await dead.locator('td.state-delivered').waitFor({ timeout: 10_000 });
  });

  it('shows tenants with token labels and the activity charts', async () => {
    await tab('tenants');
    await page.locator('#tenants .card', { hasText: 'entra-prod' }).waitFor();
    await shot('tenants');
    await tab('activity');
    await page.locator('#charts svg.chart rect').first().waitFor();
    await shot('activity');
  });

  it("RFC 7644 §3.4.2.2: the resources view finds a user by filter, shows a bad filter's error, and a group's members", async () => {
    const users = (await (
      await fixture.scim('GET', '/Users?count=10', undefined, server.url)
    ).json()) as { Resources: { id: string; userName: string }[] };
    const group = await fixture.scim(
      'POST',
      '/Groups',
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Sales',
        members: users.Resources.slice(0, 2).map((user) => ({ value: user.id })),
      },
      server.url,
    );
    expect(group.status).toBe(201);
    await tab('resources');
    await page.fill('#resource-filter', 'userName eq "pat@example.com"');
    await page.click('#resource-search button[type="submit"]');
    await expect.poll(() => page.locator('#resources tbody tr').count()).toBe(1);
    expect(await page.textContent('#resources tbody tr')).toContain('pat@example.com');

    await page.fill('#resource-filter', 'userName eq');
    await page.click('#resource-search button[type="submit"]');
    await page.locator('#resource-error').waitFor({ state: 'visible' });
    expect(await page.textContent('#resource-scimtype')).toBe('invalidFilter');
    expect((await page.textContent('#resource-message'))?.length).toBeGreaterThan(0);

    await page.selectOption('#resource-type', 'Group');
    await page.fill('#resource-filter', 'displayName eq "Sales"');
    await page.click('#resource-search button[type="submit"]');
    const row = page.locator('#resources tbody tr', { hasText: 'Sales' });
    await row.waitFor();
    await row.click();
    const members = page.locator('#resource-members li.member');
    await expect.poll(() => members.count()).toBe(2);
    const text = await page.textContent('#resource-members');
    expect(text).toContain(users.Resources[0]?.id ?? '?');
    expect(text).toContain(users.Resources[0]?.userName ?? '?');
    await shot('resources');
  });

  it('RFC 6750 §5.3 and RFC 7643 §4.1.1: no token, password or hash in the page or anything it sent or received', async () => {
    await tab('requests');
    await page.waitForTimeout(1200);
    const everything = [await page.content(), ...traffic].join('\n');
    expect(traffic.length).toBeGreaterThan(10);
    for (const secret of fixture.secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/pbkdf2/i);
  });
});
