// Debian's Chromium, headless, driven by playwright-core.
import { chromium, type Browser, type Page } from 'playwright-core';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A new page of `browser`, signed in at the platform as `who` (their name shown on the page). */
export async function signedInPage(
  browser: Browser,
  url: string,
  who: { login: string; password: string; name: string },
): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.getByTestId('login-input').fill(who.login);
  await page.getByTestId('password-input').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('agent-name').filter({ hasText: who.name }).waitFor();
  return page;
}
