/**
 * Headless Chromium for end-to-end checks: Debian's `chromium`, driven by playwright-core (which cannot download a
 * browser here). As root and without a network it needs these flags.
 */
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright's launch() already gives each browser a fresh, temporary profile (--user-data-dir).
  });
}

/** Screenshots go under test-output/ (git-ignored), to look at after a run. */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');
