import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { startDashboardHub, type DashboardHub } from './dashboard-hub.js';

/**
 * The set-up nearly every browser test shares: a dashboard hub and a browser started together before
 * the tests of the enclosing describe, and both stopped after them. Call it inside the describe; read
 * `hub` and `browser` from what it answers only in hooks registered after it and in tests (before
 * then they are not started). Hooks registered after it run after it, and their afterAll before its.
 */
export function useDashboardHub(options: Parameters<typeof startDashboardHub>[0] = {}): { readonly hub: DashboardHub; readonly browser: Browser } {
  let hub: DashboardHub | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [hub, browser] = await Promise.all([startDashboardHub(options), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });
  return {
    get hub() {
      if (!hub) throw new Error('The dashboard hub is not started yet: use it in a test or a later hook.');
      return hub;
    },
    get browser() {
      if (!browser) throw new Error('The browser is not started yet: use it in a test or a later hook.');
      return browser;
    },
  };
}
