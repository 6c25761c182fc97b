import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/core/readings.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const londonHour = (at: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(at));
const londonDate = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(at);

/** The night (22:00–07:00 in the test household) an opening belongs to, named by the London date it began; undefined by day. */
const nightOf = (at: number): string | undefined => {
  const hour = londonHour(at);
  if (hour >= 22) return londonDate(at);
  return hour < 7 ? londonDate(at - DAY_MS) : undefined;
};

/** Issue 8, screen 5: door openings by hour, night-time activity over weeks, time out of the home. */
describe('activity screen', () => {
  const env = useDashboardHub();
  /** Openings per hour of the home's clock, as committed. */
  const expected = new Map<number, number>();
  /** The nights with a door opening, and how many openings in all. */
  const restlessNights = new Set<string>();
  let openingCount = 0;

  beforeAll(async () => {
    // Door openings at chosen past times (each closed a minute later), committed as ingest commits them.
    const base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const openings = [2, 3, 4].map((days) => base - days * DAY_MS - 20 * 60_000).concat([5, 6, 9, 12, 20].map((days) => base - days * DAY_MS - 7 * HOUR_MS - 5 * 60_000));
    // And three at night whatever the hour now: 02:00 and 23:10 UTC are night in London in winter and summer alike.
    const midnightUtc = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    openings.push(midnightUtc - 10 * DAY_MS + 2 * HOUR_MS, midnightUtc - 15 * DAY_MS + 23 * HOUR_MS + 10 * 60_000, midnightUtc - 14 * DAY_MS + 2 * HOUR_MS);
    openingCount = openings.length;
    const readings: Reading[] = [];
    for (const at of openings) {
      expected.set(londonHour(at), (expected.get(londonHour(at)) ?? 0) + 1);
      const night = nightOf(at);
      if (night !== undefined) restlessNights.add(night);
      readings.push({ kind: 'door', deviceId: 'front-door', at, atFromDevice: true, open: true }, { kind: 'door', deviceId: 'front-door', at: at + 60_000, atFromDevice: true, open: false });
    }
    // And a walk three days ago: out of the home zone (600 m north) at 10:00 and 10:20 UTC, back at 10:40, so 40 minutes out.
    const walkDay = midnightUtc - 3 * DAY_MS;
    for (const [minutes, lat] of [[600, 51.5126], [620, 51.5126], [640, 51.5072]] as const) {
      readings.push({ kind: 'position', deviceId: 'mum-phone', at: walkDay + minutes * 60_000, atFromDevice: true, lat, lon: -0.1276, accuracyM: 10 });
    }
    await new Promise<void>((resolve, reject) => {
      env.hub.hub.commit.enqueue({ readings, receivedAt: Date.now(), done: (error) => (error ? reject(error) : resolve()) });
      env.hub.hub.commit.flush();
    });
  });

  it('draws the charts and lists the openings per hour in the table', async () => {
    const watched = await openPage(env.browser, env.hub, { viewport: DESKTOP });
    const { page } = watched;
    await signInAs(watched, env.hub, 'family');
    await page.goto('/activity');
    const byHour = page.locator('#by-hour');
    await byHour.locator('canvas').waitFor();
    await page.locator('#nights canvas').waitFor();
    await page.locator('#time-out').getByText(/No tracker has reported|Out of the home|stayed home/).waitFor();
    expect(await page.locator('#time-out figcaption').textContent()).toMatch(/Out of the home on average 40 min a day over 1 day; longest 40 min on /);
    expect(await byHour.locator('figcaption').textContent()).toContain(`the doors opened ${openingCount} times`);
    expect(await page.locator('#nights figcaption').textContent()).toContain(`A door opened at night (22:00–07:00) on ${restlessNights.size} of the last 56 nights`);

    await byHour.getByText('Show as a table').click();
    for (let hour = 0; hour < 24; hour++) {
      const row = byHour.getByRole('row', { name: new RegExp(`^${String(hour).padStart(2, '0')}:00 `) });
      expect(await row.getByRole('cell').textContent(), `hour ${hour}`).toBe(String(expected.get(hour) ?? 0));
    }
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openPage(env.browser, env.hub, { ...(viewport ? { viewport } : {}), colorScheme });
        await signInAs(watched, env.hub, 'viewer');
        await watched.page.goto('/activity');
        await watched.page.locator('#nights canvas').waitFor();
        await watched.page.locator('#time-out').getByText(/No tracker has reported|Out of the home|stayed home/).waitFor();
        await watched.page.locator('#nights').getByText('Show as a table').click();
        expect(await accessibilityViolations(watched.page), `${size} ${colorScheme}`).toEqual([]);
        const width = await watched.page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await watched.page.locator('#nights').getByText('Show as a table').click();
        await keepScreenshot(watched.page, `activity-${size}-${colorScheme}`);
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });
});
