import { beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../support/mqtt-clients.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs, type Watched } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

interface Overview {
  date: string;
  schedule: Array<{ dose: string; name: string; at: string }>;
  today: Array<{ dose: string; name: string; status: string }>;
}

/** The home's clock now (the test household is in Europe/London), as the schedule takes it. */
function londonClock(): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now());
}

async function csrf(watched: Watched): Promise<string> {
  const reply = await watched.context.request.get('/api/auth/session');
  return ((await reply.json()) as { csrfToken: string }).csrfToken;
}

async function overview(watched: Watched): Promise<Overview> {
  const reply = await watched.context.request.get('/api/medication');
  expect(reply.status()).toBe(200);
  return (await reply.json()) as Overview;
}

/** Issue 8, screen 4: today's doses live from the pill box, a dose by hand, editing the schedule, the calendar and the GP's report. */
describe('medication screen', () => {
  const env = useDashboardHub();
  const now = londonClock();

  beforeAll(async () => {
    // Both doses are due now, so a pill-box opening and a dose by hand both land in their windows.
    const owner = await openPage(env.browser, env.hub);
    await signInAs(owner, env.hub, 'owner');
    const put = await owner.context.request.put('/api/medication', {
      headers: { origin: env.hub.baseUrl, 'x-csrf-token': await csrf(owner) },
      data: {
        medication: [
          { name: 'Morning tablets', at: now, window: '60m', compartment: 1 },
          { name: 'Heart tablet', at: now, window: '60m', compartment: 2 },
        ],
      },
    });
    expect(put.status(), await put.text()).toBe(200);
    await owner.context.close();
  });

  it('shows a pill-box opening as taken without a reload, and records a dose given by hand', async () => {
    const watched = await openPage(env.browser, env.hub);
    const { page } = watched;
    await signInAs(watched, env.hub, 'carer');
    const slugs = Object.fromEntries((await overview(watched)).schedule.map((d) => [d.name, d.dose]));
    await page.goto('/medication');
    await page.locator('.live-live').waitFor();
    const morning = page.locator(`[data-dose="${slugs['Morning tablets']}"]`);
    const heart = page.locator(`[data-dose="${slugs['Heart tablet']}"]`);
    await expect.poll(() => morning.textContent()).toContain('Due');
    await page.evaluate(() => ((window as unknown as { stillThisPage: boolean }).stillThisPage = true));

    const credential = env.hub.credential('pillbox');
    const box = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: 'pillbox' });
    await box.publishAsync('homeward/devices/pillbox/pillbox', JSON.stringify({ compartment: 1, open: true }), { qos: 1 });
    await box.publishAsync('homeward/devices/pillbox/pillbox', JSON.stringify({ compartment: 1, open: false }), { qos: 1 });
    await box.endAsync();
    await expect.poll(() => morning.textContent(), { timeout: 10_000 }).toContain('Taken');
    expect(await heart.textContent()).toContain('Due');
    expect(await page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);

    await page.getByRole('button', { name: 'Record a dose given by hand' }).click();
    await page.getByLabel('Which dose').selectOption(slugs['Heart tablet'] as string);
    await page.getByLabel('Given at').fill('99:00');
    await page.getByRole('button', { name: 'Record this dose' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('HH:MM');
    await page.getByLabel('Given at').fill(londonClock());
    await page.getByLabel('Note (optional)').fill('Given from the blister pack');
    await page.getByRole('button', { name: 'Record this dose' }).click();
    await page.getByRole('status').filter({ hasText: 'Recorded: Heart tablet' }).waitFor();
    await expect.poll(() => heart.textContent()).toContain('Taken');
    const after = await overview(watched);
    expect(after.today.find((d) => d.name === 'Heart tablet')?.status).toBe('taken');

    // The calendar marks today with both doses on time.
    const today = page.locator(`.med-calendar [data-date="${after.date}"]`);
    await expect.poll(() => today.getAttribute('aria-label')).toContain('2 on time');
    await today.click();
    await page.getByRole('region', { name: /Doses on/ }).getByText('Heart tablet').waitFor();
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('edits a dose’s time, and refuses a time that is not one without saving anything', async () => {
    const watched = await openPage(env.browser, env.hub, { viewport: DESKTOP });
    const { page } = watched;
    await signInAs(watched, env.hub, 'owner');
    await page.goto('/medication');
    await page.getByRole('button', { name: 'Edit the schedule' }).click();
    const heart = page.getByRole('group', { name: 'Heart tablet' });
    const time = heart.getByLabel('Time', { exact: true });
    await time.fill('25:99');
    await page.getByRole('button', { name: 'Save the schedule' }).click();
    await expect.poll(() => heart.getByRole('alert').textContent()).toContain('“25:99” is not a time');
    await page.getByText('Nothing was saved').waitFor();
    expect((await overview(watched)).schedule.find((d) => d.name === 'Heart tablet')?.at).toBe(now);
    await keepScreenshot(page, 'medication-edit-error-desktop');

    await time.fill('20:30');
    await page.getByRole('button', { name: 'Save the schedule' }).click();
    await page.getByRole('status').filter({ hasText: 'Schedule saved' }).waitFor();
    const saved = (await overview(watched)).schedule;
    expect(saved.find((d) => d.name === 'Heart tablet')?.at).toBe('20:30');
    expect(saved.find((d) => d.name === 'Morning tablets')?.at).toBe(now);
    await page.locator('[data-schedule]').filter({ hasText: 'Heart tablet' }).getByText('20:30').waitFor();
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('shows a viewer the doses and schedule with no way to change them', async () => {
    const watched = await openPage(env.browser, env.hub);
    const { page } = watched;
    await signInAs(watched, env.hub, 'viewer');
    await page.goto('/medication');
    await page.locator('[data-schedule]').first().waitFor();
    await page.locator('.med-calendar').waitFor();
    expect(await page.getByRole('button', { name: 'Edit the schedule' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Record a dose given by hand' }).count()).toBe(0);
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('prints a report for the GP with a table per day and dose', async () => {
    const watched = await openPage(env.browser, env.hub, { viewport: DESKTOP });
    const { page } = watched;
    await signInAs(watched, env.hub, 'family');
    await page.goto('/medication');
    await page.getByRole('link', { name: 'Printable report' }).click();
    await page.getByRole('heading', { level: 1, name: 'Medication report' }).waitFor();
    await page.getByText('For Margaret').waitFor();
    const rows = page.locator('.med-report-table tbody tr');
    await rows.filter({ hasText: 'Morning tablets' }).filter({ hasText: 'On time' }).waitFor();
    await rows.filter({ hasText: 'Heart tablet' }).filter({ hasText: 'On time' }).waitFor();
    expect(await page.locator('.med-totals tbody tr').filter({ hasText: 'On time' }).textContent()).toMatch(/On time\s*2\s*100 %/);
    await page.getByLabel('Period').selectOption('7');
    await expect.poll(() => page.url()).toContain('days=7');
    await expect.poll(() => rows.count()).toBe(8); // today's two doses, and six days with nothing recorded
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await keepScreenshot(page, 'medication-report-desktop');
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openPage(env.browser, env.hub, { ...(viewport ? { viewport } : {}), colorScheme });
        await signInAs(watched, env.hub, 'carer');
        await watched.page.goto('/medication');
        await watched.page.locator('.med-calendar').waitFor();
        await watched.page.locator('[data-schedule]').first().waitFor();
        expect(await accessibilityViolations(watched.page), `${size} ${colorScheme}`).toEqual([]);
        await watched.page.getByRole('button', { name: 'Edit the schedule' }).click();
        await watched.page.getByRole('button', { name: 'Add a dose' }).waitFor();
        expect(await accessibilityViolations(watched.page), `${size} ${colorScheme} editing`).toEqual([]);
        const width = await watched.page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await watched.page.getByRole('button', { name: 'Cancel' }).click();
        await keepScreenshot(watched.page, `medication-${size}-${colorScheme}`);
        await watched.page.goto('/medication/report');
        await watched.page.locator('.med-report-table').waitFor();
        expect(await accessibilityViolations(watched.page), `report ${size} ${colorScheme}`).toEqual([]);
        if (size === 'phone') await keepScreenshot(watched.page, `medication-report-phone-${colorScheme}`);
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });
});
