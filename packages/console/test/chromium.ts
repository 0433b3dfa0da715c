// What the browser tests share: headless Chromium (Debian's package) launched through playwright-core,
// one page of the size the screenshots in docs/images/ have, and the folder those screenshots go to.
// With SCIM_UPDATE_SCREENSHOTS=1 they replace docs/images/console-*.png (docs/console.md); otherwise
// they go to a temporary folder, so a test run leaves the working tree as it was.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_TOKEN, serve, type Fixture } from './fixture.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Where Chromium is missing the browser tests are skipped, saying why in their title. */
export const chromiumMissing = !existsSync(CHROMIUM);
const IMAGES =
  process.env.SCIM_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../docs/images/', import.meta.url))
    : join(tmpdir(), 'scim-console-screenshots/');

/** The describe title: what is tested, or why it is skipped. */
export function browserTitle(what: string): string {
  return chromiumMissing
    ? `${what}: SKIPPED because ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`
    : `${what} (headless Chromium)`;
}

export function launchChromium(): Promise<Browser> {
  mkdirSync(IMAGES, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page of the screenshots' size, in the light scheme, so every docs image looks alike. */
export async function newConsolePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1360, height: 820 },
    colorScheme: 'light',
  });
  return context.newPage();
}

/** Saves what the page shows as docs/images/console-<name>.png (or its temporary twin). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${IMAGES}console-${name}.png`, fullPage: false });
}

/** Logs in through the form with the console token and waits for the live requests. */
export async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.fill('#credential', CONSOLE_TOKEN);
  await page.click('button[type="submit"]');
  await page.waitForSelector('#requests');
}

/** A fixture served on loopback and a console page open on it in headless Chromium. */
export interface ConsoleInChromium {
  readonly url: string;
  readonly page: Page;
  /** Closes Chromium, then the server. */
  close(): Promise<void>;
}

/** Serves `fixture`, launches Chromium and opens a page of the screenshots' size: each file's set-up. */
export async function openInChromium(fixture: Fixture): Promise<ConsoleInChromium> {
  const server = await serve(fixture);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await newConsolePage(browser);
    const opened = browser;
    return {
      url: server.url,
      page,
      async close() {
        await opened.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}
