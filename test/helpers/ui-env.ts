/**
 * For the browser tests: the usual test environment (test-env.ts) with the dev server's Web UI, plus headless
 * Chromium.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { startTestEnv, type TestEnv, type TestEnvOptions } from './test-env';

export interface UiTestEnv extends TestEnv {
  browser: Browser;
}

export async function startUiTestEnv(name: string, ui: NonNullable<TestEnvOptions['ui']> = {}): Promise<UiTestEnv> {
  const env = await startTestEnv(name, { ui });
  const browser = await launchBrowser();
  return {
    ...env,
    browser,
    async stop() {
      await browser.close();
      await env.stop();
    },
  };
}
