// The console without a mouse: the rows that open a detail (a request, a found resource) are in the
// Tab order, and Enter or Space opens them, as a click does (WCAG 2.1.1, keyboard). Skipped, saying
// why, where /usr/bin/chromium is missing.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserTitle,
  chromiumMissing,
  logIn,
  openInChromium,
  type ConsoleInChromium,
} from './chromium.ts';
import { createFixture, entraUser, PATCH_SCHEMA, serve, type Fixture } from './fixture.ts';

describe.skipIf(chromiumMissing)(
  browserTitle('console: rows open from the keyboard'),
  { timeout: 60_000 },
  () => {
    let fixture: Fixture;
    let server: ConsoleInChromium;
    let page: Page;

    /**
     * Presses Tab until the focus is on an element matching `selector` whose text holds `text`;
     * fails after 40 presses.
     */
    const tabTo = async (selector: string, text = ''): Promise<void> => {
      for (let presses = 0; presses < 40; presses++) {
        await page.keyboard.press('Tab');
        const reached = await page.evaluate(
          ([css, part]) => {
            const focused = document.activeElement;
            return focused?.matches(css) === true && (focused.textContent ?? '').includes(part);
          },
          [selector, text] as const,
        );
        if (reached) return;
      }
      throw new Error(`Tab never reached ${selector} with ${text}`);
    };

    beforeAll(async () => {
      fixture = await createFixture({}, 'http://127.0.0.1');
      server = await openInChromium(fixture);
      page = server.page;
    });
    afterAll(() => server?.close());

    it('a request row is reached with Tab and opens its detail with Enter', async () => {
      const created = (await (
        await fixture.scim('POST', '/Users', entraUser('kb@example.com'), server.url)
      ).json()) as { id: string };
      await fixture.scim(
        'PATCH',
        `/Users/${created.id}`,
        {
          schemas: [PATCH_SCHEMA],
          Operations: [{ op: 'Replace', path: 'name.givenName', value: 'Kay' }],
        },
        server.url,
      );
      await logIn(page, server.url);
      await page.locator('#requests tbody tr', { hasText: 'PATCH' }).waitFor();
      // Past the page's controls and any newer rows (the browser's own favicon request).
      await tabTo('#requests tbody tr', 'PATCH');
      expect(await page.isHidden('#detail')).toBe(true);
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.textContent('#detail-title'))
        .toMatch(/^PATCH \/scim\/v2\/Users\//);
      expect(await page.isVisible('#detail')).toBe(true);
      const line = page.locator('table.diff tr', { hasText: 'name.givenName' });
      await line.waitFor();
      expect(await line.locator('td.after').textContent()).toBe('"Kay"');
    });

    it('a found resource is reached with Tab and opens with Space', async () => {
      await page.click('button.tab[data-view="resources"]');
      await page.fill('#resource-filter', 'userName eq "kb@example.com"');
      await page.press('#resource-filter', 'Enter');
      await expect.poll(() => page.locator('#resources tbody tr').count()).toBe(1);
      expect(await page.isHidden('#resource-detail')).toBe(true);
      // A page short enough to scroll: Space opens the row rather than scrolling the page.
      await page.setViewportSize({ width: 1360, height: 160 });
      await tabTo('#resources tbody tr');
      // Focus reaching the row scrolled the page to it; back at the top, there is room to scroll.
      await page.evaluate(() => window.scrollTo(0, 0));
      const scrolled = await page.evaluate(() => window.scrollY);
      await page.keyboard.press(' ');
      await expect.poll(() => page.textContent('#resource-title')).toBe('User kb@example.com');
      // A scroll, were there one, may be smooth: given time to happen before it is looked for.
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
      expect(await page.textContent('#resource-json')).toContain('"givenName": "Kay"');
    });

    it('a focused request row that leaves the history hands the focus to the oldest row left', async () => {
      const small = await createFixture({ historySize: 3 }, 'http://127.0.0.1');
      const smallServer = await serve(small);
      try {
        await page.setViewportSize({ width: 1360, height: 820 });
        for (let index = 0; index < 3; index++)
          await small.scim('GET', `/Users?count=${index}`, undefined, smallServer.url);
        await logIn(page, smallServer.url);
        const rows = page.locator('#requests tbody tr');
        await expect.poll(() => rows.count()).toBe(3);
        const oldest = rows.last();
        const seq = await oldest.getAttribute('data-seq');
        await oldest.focus();
        for (let index = 3; index < 6; index++)
          await small.scim('GET', `/Users?count=${index}`, undefined, smallServer.url);
        await page.locator(`#requests tbody tr[data-seq="${seq}"]`).waitFor({ state: 'detached' });
        const focused = () =>
          page.evaluate(() => {
            const active = document.activeElement;
            const all = [...document.querySelectorAll('#requests tbody tr')];
            return active === null ? -1 : all.indexOf(active);
          });
        expect(await focused()).toBe((await rows.count()) - 1);
        await page.keyboard.press('Enter');
        await expect.poll(() => page.isVisible('#detail')).toBe(true);
      } finally {
        await smallServer.close();
      }
    });
  },
);
