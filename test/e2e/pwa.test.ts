import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/mqtt-clients.js';
import { CHROMIUM, CHROMIUM_FLAGS, openPage, signInAs } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

/**
 * Issue 8, "Qualities": installable (manifest, icons, service worker; iOS needs the home screen for
 * Web Push), and an offline shell that shows the last known state and says it is stale.
 */
describe('the dashboard as an installable app', () => {
  const env = useDashboardHub();

  it('has a manifest Chromium finds installable, with icons it can fetch, and the iOS home-screen tags', async () => {
    // Chromium never offers to install from an incognito profile, which every new context is: ask a real profile.
    const profile = mkdtempSync(path.join(os.tmpdir(), 'homeward-profile-'));
    const installing = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, baseURL: env.hub.baseUrl });
    try {
      const tab = installing.pages()[0] ?? (await installing.newPage());
      await tab.goto('/');
      await tab.evaluate(() => navigator.serviceWorker.ready);
      const cdp = await installing.newCDPSession(tab);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
      expect(installabilityErrors).toEqual([]);
    } finally {
      await installing.close();
      rmSync(profile, { recursive: true, force: true });
    }

    const { page, context, problems } = await openPage(env.browser, env.hub);
    await page.goto('/');

    const manifest = await (await context.request.get('/manifest.webmanifest')).json() as { display: string; start_url: string; icons: Array<{ src: string; sizes: string; purpose: string }> };
    expect(manifest).toMatchObject({ display: 'standalone', start_url: '/' });
    for (const icon of manifest.icons) {
      const response = await context.request.get(icon.src);
      expect(response.status(), icon.src).toBe(200);
      if (icon.sizes !== 'any') {
        // A PNG's width and height are in its IHDR chunk, bytes 16–23.
        const png = await response.body();
        expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
      }
    }
    expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true);
    expect(await page.locator('link[rel="apple-touch-icon"]').getAttribute('href')).toBe('/icons/apple-touch-icon.png');
    expect(await page.locator('meta[name="apple-mobile-web-app-capable"]').getAttribute('content')).toBe('yes');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens without the hub, showing the last known state and saying it is stale', async () => {
    const watched = await openPage(env.browser, env.hub);
    const { page, context } = watched;
    await signInAs(watched, env.hub, 'family');
    const credential = env.hub.credential('front-door');
    const door = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: 'front-door' });
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, battery: 80 }), { qos: 1 });
    await door.endAsync();

    await page.goto('/');
    await expect.poll(() => page.locator('[data-door="front-door"]').textContent()).toContain('Open');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The page is controlled once the worker has claimed it; a reload makes sure.
    await page.reload();
    await page.getByText('All calm').waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    await context.setOffline(true);
    await page.reload();
    await page.getByText('Offline: showing last known state').waitFor();
    await expect.poll(() => page.locator('[data-door="front-door"]').textContent()).toContain('Open');
    expect(await page.locator('.stale').count()).toBeGreaterThan(0);
    expect(await page.locator('.stale').first().textContent()).toMatch(/Not current: last updated/);

    await context.setOffline(false);
    await page.reload();
    await page.locator('.live-live').waitFor();
    expect(await page.locator('.stale').count()).toBe(0);
    await context.close();
  });
});
