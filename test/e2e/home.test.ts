import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/mqtt-clients.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';
import { PASSWORD } from './support/dashboard-hub.js';

/** Issue 8, screen 1 and screen 9: signing in, and the home screen kept live over server-sent events. */
describe('home screen', () => {
  const env = useDashboardHub();

  it('signs in through the form and answers "how is she?" at once', async () => {
    const { page, context, problems } = await openPage(env.browser, env.hub);
    await page.goto('/');
    await page.getByLabel('Email').fill(env.hub.members.family.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password|sign in|incorrect/i);

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'How is Margaret?' }).waitFor();
    await page.getByText('All calm: nothing needs anyone right now.').waitFor();
    expect(await page.locator('[data-door="front-door"]').textContent()).toContain('Front door');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a door opening published over MQTT without a reload', async () => {
    const { page, context, problems } = await openPage(env.browser, env.hub);
    await signInAs({ page, context, problems }, env.hub, 'carer');
    await page.goto('/');
    await page.locator('.live-live').waitFor();
    const door = page.locator('[data-door="back-door"]');
    await door.waitFor();
    await page.evaluate(() => ((window as unknown as { stillThisPage: boolean }).stillThisPage = true));

    const credential = env.hub.credential('back-door');
    const device = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: 'back-door' });
    await device.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: true, battery: 91 }), { qos: 1 });
    await expect.poll(() => door.textContent(), { timeout: 10_000 }).toContain('Open');

    await device.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: false, battery: 91 }), { qos: 1 });
    await expect.poll(() => door.textContent(), { timeout: 10_000 }).toContain('Closed');
    await device.endAsync();

    expect(await page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openPage(env.browser, env.hub, { ...(viewport ? { viewport } : {}), colorScheme });
        await signInAs(watched, env.hub, 'owner');
        await watched.page.goto('/');
        await watched.page.getByText('All calm').waitFor();
        expect(await accessibilityViolations(watched.page), `${size} ${colorScheme}`).toEqual([]);
        const width = await watched.page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await keepScreenshot(watched.page, `home-${size}-${colorScheme}`);
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });
});
