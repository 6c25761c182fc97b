import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort, spawnHub, waitForPort, type HubProcess } from '../support/hub-process.js';
import { keepScreenshot, launchBrowser } from './support/browser.js';

/** Issue 8: `npm start -- --demo` shows a lively dashboard straight away, to whoever reads the sign-in it prints. */
describe('npm start -- --demo', () => {
  let hub: HubProcess;
  let browser: Browser;
  let httpPort: number;
  beforeAll(async () => {
    httpPort = await freePort();
    const mqttPort = await freePort();
    hub = spawnHub({ HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort), HOMEWARD_LOG_LEVEL: 'info', HOMEWARD_MAP_TILES: 'https://tiles.invalid/{z}/{x}/{y}.png' }, ['--demo']);
    [browser] = await Promise.all([launchBrowser(), waitForPort(httpPort, undefined, hub)]);
  });
  afterAll(async () => {
    await browser?.close();
    hub?.child.kill('SIGTERM');
    await hub?.exited;
  });

  it('prints a fresh sign-in, and behind it a circle at work and a home whose sensors report', async () => {
    await expect.poll(() => /"demoSignIn":\{"email":"([^"]+)","password":"([^"]+)"\}/.test(hub.output()), { timeout: 15_000 }).toBe(true);
    const [, email, password] = /"demoSignIn":\{"email":"([^"]+)","password":"([^"]+)"\}/.exec(hub.output()) as RegExpExecArray;
    expect(hub.output()).not.toContain('/setup?token=');

    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${httpPort}`, viewport: { width: 360, height: 780 } });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Email').fill(email as string);
    await page.getByLabel('Password').fill(password as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'How is Margaret?' }).waitFor();
    await page.locator('.live-live').waitFor();
    // The simulated day (a minute a second) reports at once: the phone has been heard from, the doses are set.
    await expect.poll(() => page.locator('[data-tracker="mum-phone"]').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('#doses').textContent()).toContain('Morning tablets');
    await keepScreenshot(page, 'demo-home-phone');
    const notes = await context.request.get('/api/care-log');
    expect(((await notes.json()) as { notes: unknown[] }).notes.length).toBeGreaterThanOrEqual(3);
    await context.close();
  });
});
