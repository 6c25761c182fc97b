import { describe, expect, it } from 'vitest';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

/** Issue 8: the page the daily digest notification opens. */
describe('digest page', () => {
  const env = useDashboardHub();

  it('shows the day under way, the days either side and who was woken', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openPage(env.browser, env.hub, { ...(viewport ? { viewport } : {}), colorScheme });
        const { page } = watched;
        await signInAs(watched, env.hub, 'family');
        // The day under way, as the hub counts days (it runs from the end of one night to the end of the next).
        const current = (await (await watched.context.request.get('/api/digest')).json()) as { date: string; line: string };
        await page.goto(`/digest?date=${current.date}`);
        await page.getByRole('heading', { level: 1, name: 'Daily digest' }).waitFor();
        await page.getByText(current.line).waitFor();
        await page.getByText('The day is under way').waitFor();
        await page.getByRole('heading', { name: 'Who was woken at night this week' }).waitFor();
        await page.locator('#woken').getByText(/Nobody was woken|woken/).first().waitFor();
        expect(await page.locator('#digest-day').textContent()).toContain('Night exits');
        expect(await accessibilityViolations(page), `${size} ${colorScheme}`).toEqual([]);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await keepScreenshot(page, `digest-${size}-${colorScheme}`);

        // The day before opens from its link, and has a way forward again.
        await page.getByRole('navigation', { name: 'Other days' }).getByRole('link').first().click();
        await expect.poll(() => page.url()).not.toContain(current.date);
        await page.getByRole('navigation', { name: 'Other days' }).getByRole('link').nth(1).waitFor();
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });
});
