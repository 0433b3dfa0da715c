// The lifecycle view in a real browser: the row of an asynchronous request's completion (RFC 9967
// §2.5.1) names the compatibility rules its work relied on after the 202 (issue 17), as text.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsyncFixture, patchedAsynchronously } from './async-fixture.ts';
import {
  browserTitle,
  chromiumMissing,
  logIn,
  openInChromium,
  type ConsoleInChromium,
} from './chromium.ts';
import type { Fixture } from './fixture.ts';

describe.skipIf(chromiumMissing)(
  browserTitle('compatibility rules on the lifecycle view'),
  { timeout: 60_000 },
  () => {
    let fixture: Fixture;
    let server: ConsoleInChromium;
    let page: Page;

    beforeAll(async () => {
      fixture = await createAsyncFixture('http://127.0.0.1');
      server = await openInChromium(fixture);
      page = server.page;
    });
    afterAll(() => server?.close());

    it('§3.1 items 1 and 2 answered 202: the asyncCompleted row lists caseInsensitiveOp and booleanStrings', async () => {
      const completion = await patchedAsynchronously(fixture, 'entra', server.url);
      await logIn(page, server.url);
      await page.click('button.tab[data-view="outbox"]');
      const row = page.locator(`#outbox tbody tr[data-id="${completion.id}"]`);
      await row.waitFor();
      const rules = row.locator('ul.rules li');
      expect(await rules.allTextContents()).toEqual([
        'caseInsensitiveOp at Operations[0].op (patch)',
        'booleanStrings at active (patch)',
      ]);
      // Every other row relied on nothing after a 202: no list at all.
      expect(await page.locator('#outbox tbody ul.rules').count()).toBe(1);
    });
  },
);
