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

  it('never lets a late answer to an earlier refetch put older data back on screen', async () => {
    const { page, context, problems } = await openPage(env.browser, env.hub);
    await signInAs({ page, context, problems }, env.hub, 'family');
    await page.goto('/');
    await page.locator('.live-live').waitFor();
    const door = page.locator('[data-door="back-door"]');
    await door.waitFor();

    // The refetch after the door opens is answered by the hub at once, but its answer is held back...
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let refetches = 0;
    let firstSeen = () => undefined as void;
    const firstAsked = new Promise<void>((resolve) => (firstSeen = resolve));
    await page.route('**/api/devices', async (route) => {
      refetches += 1;
      if (refetches > 1) return route.continue();
      const answer = await route.fetch();
      firstSeen();
      await held;
      await route.fulfill({ response: answer });
    });
    const credential = env.hub.credential('back-door');
    const device = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: 'back-door' });
    await device.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: true, battery: 90 }), { qos: 1 });
    await firstAsked;
    // ...until the refetch after it closes has been shown.
    await device.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: false, battery: 90 }), { qos: 1 });
    await expect.poll(() => refetches, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => door.textContent(), { timeout: 10_000 }).toContain('Closed');
    const lateAnswer = page.waitForResponse('**/api/devices');
    release();
    await (await lateAnswer).finished();
    // Two frames: long enough for the page to have read the answer and drawn it, had it used it.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await device.endAsync();
    expect(await door.textContent()).toContain('Closed');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('works from the keyboard alone: skip to the content, move between screens with focus on each heading, focus always visible', async () => {
    const watched = await openPage(env.browser, env.hub);
    const { page } = watched;
    await signInAs(watched, env.hub, 'family');
    await page.goto('/');
    await page.getByText('All calm').waitFor();
    const focused = () => page.evaluate(() => ({ text: document.activeElement?.textContent?.trim() ?? '', tag: document.activeElement?.tagName ?? '', inMain: document.getElementById('main')?.contains(document.activeElement) ?? false, outline: getComputedStyle(document.activeElement as Element).outlineStyle }));

    // A screen opens with focus on its heading, so Tab goes on into the content.
    expect(await focused()).toMatchObject({ tag: 'H1', text: 'How is Margaret?', inMain: true });
    await page.keyboard.press('Tab');
    expect((await focused()).inMain).toBe(true);

    // Backwards from there, through the navigation and the top bar, is the skip link.
    for (let step = 0; step < 20 && (await focused()).text !== 'Skip to content'; step++) await page.keyboard.press('Shift+Tab');
    expect(await focused()).toMatchObject({ text: 'Skip to content', tag: 'A' });
    expect((await focused()).outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect((await focused()).inMain, 'the next stop after skipping is inside the content').toBe(true);
    expect((await focused()).outline).not.toBe('none');

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Care log' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/care-log');
    await expect.poll(async () => (await focused()).tag).toBe('H1');
    expect((await focused()).text).toBe('Care log');
    expect(watched.problems).toEqual([]);
    await watched.context.close();
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
