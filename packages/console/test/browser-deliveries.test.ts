// The lifecycle view's event-stream deliveries in a real browser: a user's deactivation whose SET
// died at the receiver shows its error and attempts, its Retry button makes it pending again, and
// the SET itself (its claims) is never in the page or its traffic. The deliveries come from a
// `SetQueue`-shaped fake, as in deliveries.test.ts: the console does not depend on `@scim/events`.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleDeliveries, ConsoleDelivery } from '../src/index.ts';
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
/** A claim value of the SETs only: it must never reach the page. */
const TXN = 'txn-7f3a9c1e-claims-only';
const AUDIENCE = 'https://receiver.example.com/ssf/okta';

interface QueuedSet extends ConsoleDelivery {
  state: string;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  readonly queuedAt: string;
  readonly payload: string;
}

/**
 * A `SetQueue`'s `list` and `retry` over an array. Its retry changes a dead SET as the memory queue's
 * does; the queue's ordering check (no replay once a newer SET of the subject was delivered) is left
 * out, as the SET retried here is its subject's newest.
 */
function fakeQueue(sets: QueuedSet[]): ConsoleDeliveries {
  return {
    list: () => Promise.resolve(sets),
    retry: (streamId, jti) => {
      const set = sets.find((one) => one.streamId === streamId && one.jti === jti);
      if (set?.state !== 'dead') return Promise.resolve(false);
      // As createMemorySetQueue: a replay gets its attempts back, and keeps its last error until
      // the next attempt, so the log still says why it died.
      Object.assign(set, {
        state: 'pending',
        attempts: 0,
        nextAttemptAt: new Date().toISOString(),
      });
      return Promise.resolve(true);
    },
  };
}

function queuedSet(
  jti: string,
  subject: string,
  events: readonly string[],
  msAgo: number,
): QueuedSet {
  const queuedAt = new Date(Date.now() - msAgo).toISOString();
  const claims = {
    iss: 'https://scim.example.com',
    aud: AUDIENCE,
    iat: Math.floor(Date.parse(queuedAt) / 1000),
    jti,
    txn: TXN,
    sub_id: { format: 'scim', uri: subject.slice(subject.indexOf(' ') + 1) },
    events: Object.fromEntries(events.map((uri) => [uri, {}])),
  };
  return {
    streamId: 'okta',
    jti,
    subject,
    eventUris: events,
    state: 'pending',
    attempts: 0,
    queuedAt,
    nextAttemptAt: queuedAt,
    payload: JSON.stringify(claims),
  };
}

describe.skipIf(chromiumMissing)(
  browserTitle('console deliveries in a browser'),
  { timeout: 60_000 },
  () => {
    const sets: QueuedSet[] = [];
    let fixture: Fixture;
    let server: ConsoleInChromium;
    let page: Page;
    /** The bodies of every console response after login. */
    const received: string[] = [];

    beforeAll(async () => {
      fixture = await createFixture({ deliveries: fakeQueue(sets) }, 'http://127.0.0.1');
      server = await openInChromium(fixture);
      page = server.page;
      page.on('response', (response) => {
        response.text().then(
          (text) => received.push(text),
          () => undefined,
        );
      });
    });
    afterAll(() => server?.close());

    it('RFC 8935 §2: a dead SET of a deactivation shows its error and attempts, and Retry makes it pending', async () => {
      const userId = await deactivateAsEntra(fixture, 'leaver@example.com', server.url);
      await fixture.handler.deliverDue();
      // What a push stream queued for these two writes: the create reached the receiver; the
      // deactivation (RFC 9967 §2.1: a full patch and prov:deactivate in one SET) died there.
      // The subject is the publisher's ordering key: the tenant (none here) and the resource's path.
      const subject = ` /Users/${userId}`;
      const delivered = queuedSet(
        '4d3559ec67504aaba65d40b0363faad8',
        subject,
        [`${EVENT}:create:full`],
        1000,
      );
      const dead = queuedSet(
        '9a1f2e7c0b6d4c35a8e4f1d2c3b4a596',
        subject,
        [`${EVENT}:patch:full`, `${EVENT}:deactivate`],
        0,
      );
      sets.push(
        // Attempts count the failed ones, as in createMemorySetQueue: none for this one.
        { ...delivered, state: 'delivered', deliveredAt: delivered.queuedAt },
        {
          ...dead,
          state: 'dead',
          attempts: 8,
          lastError: 'the receiver answered 503: a server error',
        },
      );

      await logIn(page, server.url);
      await page.click('button.tab[data-view="outbox"]');
      await page.locator('#outbox tbody tr', { hasText: 'deactivated' }).waitFor();
      const row = page.locator(`#deliveries tbody tr[data-id="okta/${dead.jti}"]`);
      await row.locator('td.state-dead').waitFor();
      const cells = row.locator('td');
      expect(await cells.nth(1).textContent()).toBe('okta');
      expect(await cells.nth(2).textContent()).toBe('prov:patch:full prov:deactivate');
      expect(await cells.nth(3).textContent()).toBe(subject);
      expect(await cells.nth(5).textContent()).toBe('8');
      expect(await cells.nth(6).textContent()).toBe('the receiver answered 503: a server error');
      const done = page.locator(`#deliveries tbody tr[data-id="okta/${delivered.jti}"]`);
      expect(await done.locator('td.state-delivered').textContent()).toBe('delivered');
      expect(await done.locator('button.retry').count()).toBe(0);
      await screenshot(page, 'deliveries');

      await row.locator('button.retry').click();
      await row.locator('td.state-pending').waitFor();
      expect(await cells.nth(5).textContent()).toBe('0');
      expect(await cells.nth(6).textContent()).toBe('the receiver answered 503: a server error');
      expect(await row.locator('button.retry').count()).toBe(0);
      expect(sets.find((set) => set.jti === dead.jti)?.state).toBe('pending');
    });

    it('RFC 8417 §2.2: no SET claim is in the page or anything it received', async () => {
      await page.waitForTimeout(1200);
      const everything = [await page.content(), ...received].join('\n');
      expect(received.some((text) => text.includes('"entries"'))).toBe(true);
      for (const set of sets) expect(everything).not.toContain(set.payload);
      expect(everything).not.toContain(TXN);
      expect(everything).not.toContain(AUDIENCE);
      expect(everything).not.toContain('sub_id');
    });
  },
);
