import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/core/alerts.js';
import { localClock } from '../../src/core/local-time.js';
import { localDateTime } from '../../src/rules/night-window.js';
import { connectClient } from '../support/mqtt-clients.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs, type Watched } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

/**
 * Issue 8, screen 2: the incident page someone opens from a 2 a.m. notification, and the alert page
 * of a sensor fault. The hub runs on the real clock, so the night exit is committed as the rule
 * would raise it (src/rules/night-exit.ts) rather than waiting for a night.
 */
describe('incident screen', () => {
  const env = useDashboardHub();
  let raised = 0;
  const opened: Watched[] = [];

  afterAll(async () => {
    for (const watched of opened) await watched.context.close().catch(() => undefined);
  });

  /** A night exit at the front door, exactly as the rule raises it; answers its incident's id. */
  function raiseNightExit(at = Date.now() - 60_000): string {
    const timezone = 'Europe/London';
    const key = `night-exit:front-door:${at}:${++raised}`;
    const localTime = localClock(at, timezone);
    const draft: AlertDraft = {
      type: 'night-exit',
      key,
      severity: 'urgent',
      deviceId: 'front-door',
      at,
      title: `Front door opened at ${localTime}`,
      details: { door: 'Front door', openedAt: at, localTime, localDateTime: localDateTime(at, timezone) },
    };
    env.hub.hub.alerts.commit({ raise: [draft], clear: [], doses: [] });
    const incidentId = env.hub.hub.store.alerts.byKey(key)?.incidentId;
    if (!incidentId) throw new Error('the night exit opened no incident');
    return incidentId;
  }

  async function publish(deviceId: string, kind: string, payload: object): Promise<void> {
    const credential = env.hub.credential(deviceId);
    const device = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: `${deviceId}-${kind}-${Date.now()}` });
    await device.publishAsync(`homeward/devices/${deviceId}/${kind}`, JSON.stringify(payload), { qos: 1 });
    await device.endAsync();
  }

  async function openAs(role: Parameters<typeof signInAs>[2], path: string, options: Parameters<typeof openPage>[2] = {}): Promise<Watched> {
    const watched = await openPage(env.browser, env.hub, options);
    opened.push(watched);
    // A failure names the locator it waited for, within the test's own time limit.
    watched.page.setDefaultTimeout(8_000);
    await signInAs(watched, env.hub, role);
    await watched.page.goto(path);
    return watched;
  }

  async function incidentStatus(watched: Watched, id: string): Promise<{ status: string; resolution: string | null; acknowledgedBy: { name: string } | null }> {
    const response = await watched.context.request.get(`/api/incidents/${id}`);
    expect(response.status()).toBe(200);
    return ((await response.json()) as { incident: { status: string; resolution: string | null; acknowledgedBy: { name: string } | null } }).incident;
  }

  const timeline = (page: Page) => page.locator('[data-timeline]');
  const standing = (page: Page) => page.locator('[data-standing]');

  it('shows what happened, is acknowledged live for everyone, refuses an empty note, and resolves with one', async () => {
    const id = raiseNightExit();
    await publish('front-door', 'door', { open: true, battery: 90 });
    await publish('mum-phone', 'tracker', { lat: 51.5074, lon: -0.1273, acc: 12 });

    const family = await openAs('family', `/incidents/${id}`);
    const carer = await openAs('carer', `/incidents/${id}`);
    const viewer = await openAs('viewer', `/incidents/${id}`);
    const { page } = family;
    await page.getByRole('heading', { level: 1, name: 'Margaret may have gone out' }).waitFor();
    expect(await page.locator('[data-description]').textContent()).toBe('grey coat');
    await page.getByText('St Mary’s church').or(page.getByText("St Mary's church")).waitFor();
    await expect.poll(() => timeline(page).textContent()).toMatch(/Alert: Front door opened at \d\d:\d\d/);
    await expect.poll(() => timeline(page).textContent()).toContain('Front door opened');
    expect(await page.locator('[data-last-fix]').textContent()).toContain('from home');
    expect(await page.locator('#track path.map-track').count()).toBe(1);
    await standing(carer.page).getByText('Nobody is on it yet').waitFor();
    await carer.page.evaluate(() => ((window as unknown as { stillThisPage: boolean }).stillThisPage = true));

    // A viewer reads everything and changes nothing.
    await standing(viewer.page).getByText('Nobody is on it yet').waitFor();
    expect(await viewer.page.getByRole('button', { name: /I’m on it/ }).count()).toBe(0);
    expect(await viewer.page.getByRole('button', { name: 'Resolve with a note' }).count()).toBe(0);
    expect(await viewer.page.getByLabel('Add a care note about this incident').count()).toBe(0);

    await page.getByRole('button', { name: 'I’m on it' }).click();
    await standing(page).getByText('Anna is on it').waitFor();
    expect(await page.getByRole('button', { name: /I’m on it/ }).count(), 'no second "I’m on it" for whoever is on it').toBe(0);
    // The carer's page follows without a reload, and offers to join in.
    await standing(carer.page).getByText('Anna is on it').waitFor({ timeout: 10_000 });
    await carer.page.getByRole('button', { name: 'I’m on it too' }).waitFor();
    await expect.poll(() => timeline(carer.page).textContent()).toContain('Anna is on it');
    expect(await carer.page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);
    expect((await incidentStatus(family, id)).acknowledgedBy?.name).toBe('Anna');

    // A care note about the incident joins its timeline, for everyone.
    await carer.page.getByRole('button', { name: 'Add note' }).click();
    await carer.page.getByText('Write the note first.').waitFor();
    await carer.page.getByLabel('Add a care note about this incident').fill('Checked the garden: not there. Walking to the church.');
    await carer.page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => timeline(page).textContent(), { timeout: 10_000 }).toContain('Carol wrote: “Checked the garden: not there. Walking to the church.”');

    // An empty note (or only spaces) is refused before anything is sent.
    await page.getByRole('button', { name: 'Resolve with a note' }).click();
    await page.getByLabel('What happened?').fill('   ');
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Write a few words about what happened before resolving' });
    await refusal.waitFor();
    expect(await page.getByLabel('What happened?').getAttribute('aria-invalid')).toBe('true');
    expect((await incidentStatus(family, id)).status).toBe('open');
    expect(await standing(page).textContent()).toContain('Open');

    const note = 'Found her at the church, home safe.';
    await page.getByLabel('What happened?').fill(note);
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await standing(page).getByText('Closed').waitFor();
    expect(await page.locator('[data-resolution]').textContent()).toMatch(new RegExp(`^Resolved by Anna at [^:]+:\\d\\d[^:]*: “${note}”$`));
    expect(await page.getByRole('button', { name: 'Resolve with a note' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /I’m on it/ }).count()).toBe(0);
    await expect.poll(() => timeline(page).textContent()).toContain(`Anna resolved it: “${note}”`);
    // Told once, although the incident's alerts were each resolved.
    expect((await timeline(page).textContent())?.split(`Anna resolved it: “${note}”`).length).toBe(2);
    await standing(carer.page).getByText('Closed').waitFor({ timeout: 10_000 });
    expect(await carer.page.getByRole('button', { name: /I’m on it/ }).count()).toBe(0);
    const stored = await incidentStatus(family, id);
    expect(stored.status).toBe('closed');
    expect(stored.resolution).toBe(note);

    for (const watched of [family, carer, viewer]) expect(watched.problems).toEqual([]);
  });

  it('is accessible and fits a phone and a desktop, in light and dark, with the resolve form open', async () => {
    const id = raiseNightExit();
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openAs('owner', `/incidents/${id}`, { ...(viewport ? { viewport } : {}), colorScheme });
        const { page } = watched;
        await page.getByRole('button', { name: 'I’m on it' }).waitFor();
        await expect.poll(() => timeline(page).textContent()).toContain('Alert: Front door opened');
        expect(await accessibilityViolations(page), `${size} ${colorScheme}`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await keepScreenshot(page, `incident-${size}-${colorScheme}`);
        if (size === 'phone' && colorScheme === 'light') {
          await page.getByRole('button', { name: 'Resolve with a note' }).click();
          await page.getByRole('button', { name: 'Resolve', exact: true }).click();
          await page.getByText('Write a few words about what happened before resolving').waitFor();
          expect(await accessibilityViolations(page), 'resolve form with its error').toEqual([]);
          await keepScreenshot(page, 'incident-phone-resolve-refused');
        }
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });

  it('shows a sensor fault on its own page: acted on by the owner, only read by the installer', async () => {
    // A battery reported low raises a low-battery fault outside any incident (src/rules/low-battery.ts).
    await publish('back-door', 'status', { online: true, battery: 12 });
    await expect.poll(() => env.hub.hub.alerts.openAlerts().find((alert) => alert.type === 'low-battery' && alert.deviceId === 'back-door')).toBeDefined();
    const fault = env.hub.hub.alerts.openAlerts().find((alert) => alert.type === 'low-battery' && alert.deviceId === 'back-door');
    const alertId = fault?.id ?? '';
    expect(fault?.incidentId).toBeNull();

    const owner = await openAs('owner', `/alerts/${alertId}`);
    const installer = await openAs('installer', `/alerts/${alertId}`);
    await owner.page.getByRole('heading', { level: 1, name: 'Back door: battery low (12 %)' }).waitFor();
    await standing(owner.page).getByText('Nobody is on it yet').waitFor();
    await expect.poll(() => timeline(owner.page).textContent()).toContain('Alert: Back door: battery low (12 %)');
    await owner.page.getByRole('button', { name: 'I’m on it' }).click();
    await standing(owner.page).getByText('Olive is on it').waitFor();
    await expect.poll(() => timeline(owner.page).textContent()).toContain('Olive is on it');
    // Those already told hear who is on it (src/alerts/escalation.ts), and the timeline says so.
    await expect.poll(() => timeline(owner.page).textContent(), { timeout: 10_000 }).toContain('Anna was told Olive is on it');
    expect(await accessibilityViolations(owner.page)).toEqual([]);
    await keepScreenshot(owner.page, 'alert-phone-light');

    // The installer may read faults (faults.read) but not act on alerts (alerts.act).
    await installer.page.getByRole('heading', { level: 1, name: 'Back door: battery low (12 %)' }).waitFor();
    await standing(installer.page).getByText('Olive is on it').waitFor({ timeout: 10_000 });
    expect(await installer.page.getByRole('button', { name: /I’m on it/ }).count()).toBe(0);
    expect(await installer.page.getByRole('button', { name: 'Resolve with a note' }).count()).toBe(0);
    expect(await accessibilityViolations(installer.page)).toEqual([]);

    await owner.page.getByRole('button', { name: 'Resolve with a note' }).click();
    await owner.page.getByLabel('What happened?').fill('New battery in the back door sensor.');
    await owner.page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await standing(owner.page).getByText('Closed').waitFor();
    expect(await owner.page.locator('[data-resolution]').textContent()).toContain('Resolved by Olive');
    expect(env.hub.hub.store.alerts.byKey(fault?.key ?? '')?.status).toBe('resolved');

    expect(owner.problems).toEqual([]);
    expect(installer.problems).toEqual([]);
  });
});
