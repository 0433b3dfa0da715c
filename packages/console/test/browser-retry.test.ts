// A refused Retry in a real browser: the console API answers 409 with why, and the page says so in
// a status message beside the row, as text, re-enables the button and keeps the message (and the
// keyboard focus) through the polls that rebuild the table. Two refusals: an outbox event another
// operator retried a moment before, and a SET whose replay would arrive after a newer one.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleDeliveries, ConsoleDelivery, ConsoleOutbox } from '../src/index.ts';
import {
  browserTitle,
  chromiumMissing,
  logIn,
  openInChromium,
  type ConsoleInChromium,
  screenshot,
} from './chromium.ts';
import { createFixture, type Fixture, deactivateAsEntra } from './fixture.ts';

const EVENT = 'urn:ietf:params:SCIM:event:prov';

type Delivery = ConsoleDelivery & { state: string; subject: string; seq: number };

/**
 * A `SetQueue`'s `list` and `retry` over an array, with the memory queue's ordering rule: a dead SET
 * is not replayed once a newer SET of its subject was delivered.
 */
function orderedQueue(sets: Delivery[]): ConsoleDeliveries {
  return {
    list: () => Promise.resolve(sets),
    retry: (streamId, jti) => {
      const set = sets.find((one) => one.streamId === streamId && one.jti === jti);
      if (set?.state !== 'dead') return Promise.resolve(false);
      const newerDelivered = sets.some(
        (one) => one.subject === set.subject && one.seq > set.seq && one.state === 'delivered',
      );
      if (newerDelivered) return Promise.resolve(false);
      set.state = 'pending';
      return Promise.resolve(true);
    },
  };
}

describe.skipIf(chromiumMissing)(
  browserTitle('console: a refused Retry in a browser'),
  { timeout: 60_000 },
  () => {
    const sets: Delivery[] = [];
    let fixture: Fixture;
    let server: ConsoleInChromium;
    let page: Page;

    beforeAll(async () => {
      // `handler.outbox`, but another operator's retry lands first: the console's own is refused.
      const outbox: ConsoleOutbox = {
        list: (filter) => fixture.handler.outbox.list(filter),
        retry: async (id) => {
          await fixture.handler.outbox.retry(id);
          return fixture.handler.outbox.retry(id);
        },
      };
      fixture = await createFixture({ outbox, deliveries: orderedQueue(sets) }, 'http://127.0.0.1');
      server = await openInChromium(fixture);
      page = server.page;
    });
    afterAll(() => server?.close());

    it('RFC 7644 §3.5: Retry on an outbox event retried meanwhile shows 409 and why beside its row', async () => {
      fixture.failHook = true;
      await deactivateAsEntra(fixture, 'leaver@example.com', server.url);
      await logIn(page, server.url);
      await page.click('button.tab[data-view="outbox"]');
      const row = page.locator('#outbox tbody tr', { hasText: 'deactivated' });
      await row.locator('td.state-dead').waitFor();
      await row.locator('button.retry').click();

      const message = row.getByRole('status');
      await message.getByText(/^Retry refused \(409\): /).waitFor();
      expect(await message.textContent()).toBe(
        'Retry refused (409): This event is pending again, not dead: it was retried already and waits for its next delivery attempt',
      );
      // The row shows what the other retry did: pending, so no button is left to press.
      await row.locator('td.state-pending').waitFor();
      expect(await row.locator('button.retry').count()).toBe(0);
    });

    it('RFC 8935 §2: Retry on a dead SET whose subject had a newer SET delivered shows the refusal, re-enables the button and keeps both through the next poll', async () => {
      const now = Date.now();
      const base = { streamId: 'okta', subject: ' /Users/2819c223', attempts: 0 };
      sets.push(
        {
          ...base,
          jti: 'activate-old',
          seq: 1,
          eventUris: [`${EVENT}:activate`],
          state: 'dead',
          attempts: 8,
          queuedAt: new Date(now - 2000).toISOString(),
          lastError: 'the receiver answered 503: a server error',
        },
        {
          ...base,
          jti: 'deactivate-new',
          seq: 2,
          eventUris: [`${EVENT}:deactivate`],
          state: 'delivered',
          queuedAt: new Date(now - 1000).toISOString(),
        },
      );
      const row = page.locator('#deliveries tbody tr[data-id="okta/activate-old"]');
      await row.locator('td.state-dead').waitFor();
      const button = row.locator('button.retry');
      // Pressed from the keyboard, so that where the focus ends up is part of the test.
      await button.focus();
      await page.keyboard.press('Enter');

      const message = row.getByRole('status');
      await message.getByText(/^Retry refused \(409\): Replay refused/).waitFor();
      const text =
        'Retry refused (409): Replay refused: a newer SET of the same subject was delivered ' +
        'already, and replaying this older one would undo that change at the receiver';
      expect(await message.textContent()).toBe(text);
      // Text only: the detail is never parsed as HTML.
      expect(await message.locator('*').count()).toBe(0);
      expect(await button.isEnabled()).toBe(true);
      const id = await message.getAttribute('id');
      expect(await button.getAttribute('aria-describedby')).toBe(id);
      const focused = () =>
        page.evaluate(() => document.activeElement?.getAttribute('data-route') ?? null);
      expect(await focused()).toBe('/api/deliveries/okta/activate-old/retry');

      // The table is rebuilt every three seconds; the message, its link and the focus stay.
      await page.waitForTimeout(3500);
      expect(await message.textContent()).toBe(text);
      expect(await message.getAttribute('id')).toBe(id);
      expect(await button.getAttribute('aria-describedby')).toBe(id);
      expect(await focused()).toBe('/api/deliveries/okta/activate-old/retry');
      expect(sets.find((set) => set.jti === 'activate-old')?.state).toBe('dead');
      await row.scrollIntoViewIfNeeded();
      await screenshot(page, 'refusal');
    });
  },
);
