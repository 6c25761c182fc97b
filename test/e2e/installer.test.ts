import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/core/alerts.js';
import { connectClient } from '../support/mqtt-clients.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs, type Watched } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

/**
 * Issue 8, screen 8: the Devices screen. An installer sees every device's health, adds what the
 * broker has heard, reads credentials, walks the home with the walk-test, and never sees a location,
 * a note or a dose; the owner also exports and imports the household document.
 */
describe('the devices screen', () => {
  const env = useDashboardHub();

  /** Signs in and opens /installer, noting every API path the page asks for. */
  async function openDevices(role: 'installer' | 'owner' | 'family', options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}) {
    const watched = await openPage(env.browser, env.hub, options);
    const asked: string[] = [];
    watched.page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) asked.push(url.pathname);
    });
    await signInAs(watched, env.hub, role);
    await watched.page.goto('/installer');
    await watched.page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
    await watched.page.locator('[data-device="front-door"]').waitFor();
    return { ...watched, asked };
  }

  async function publish(id: string, kind: string, payload: unknown): Promise<void> {
    const credential = env.hub.credential(id);
    const client = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: `${id}-test` });
    await client.publishAsync(`homeward/devices/${id}/${kind}`, JSON.stringify(payload), { qos: 1 });
    await client.endAsync();
  }

  function raiseFault(draft: Partial<AlertDraft> & Pick<AlertDraft, 'type' | 'key' | 'title'>): string {
    env.hub.hub.alerts.commit({ raise: [{ severity: 'fault', at: Date.now(), details: {}, ...draft }], clear: [], doses: [] });
    const row = env.hub.hub.store.alerts.byKey(draft.key);
    if (row === undefined) throw new Error(`fault ${draft.key} was not raised`);
    return row.id;
  }

  it('shows the installer each device’s health, live, and nothing of location, notes or medication', async () => {
    const { page, context, problems, asked } = await openDevices('installer');
    await page.locator('.live-live').waitFor();
    const pillbox = page.locator('[data-device="pillbox"]');
    expect(await pillbox.textContent()).toContain('Never heard from yet');
    expect(await pillbox.textContent()).toContain('no message from it since it was added');

    await publish('pillbox', 'pillbox', { compartment: 1, open: false, battery: 64, rssi: -61 });
    await expect.poll(() => pillbox.textContent(), { timeout: 10_000 }).toContain('battery 64 %');
    const text = (await pillbox.textContent()) ?? '';
    expect(text).toContain('signal -61 dBm');
    expect(text).toContain('Online');
    expect(text).toMatch(/Last heard just now/);
    expect(text).not.toContain('never-heard');

    // Household document: the installer may neither read nor write it.
    expect(await page.getByRole('heading', { name: 'Household document' }).count()).toBe(0);
    expect(asked.filter((path) => /^\/api\/(positions|care-log|medication|household)/.test(path))).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists sensor faults with a link to each alert', async () => {
    const id = raiseFault({ type: 'low-battery', key: 'low-battery:front-door:installer-test', deviceId: 'front-door', title: 'Front door battery is low' });
    const { page, context, problems } = await openDevices('installer');
    const link = page.locator('#faults').getByRole('link', { name: 'Front door battery is low' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/alerts/${id}`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('adds a bridge, shows its credentials, and adds a sensor it has heard with the form filled in', async () => {
    const { page, context, problems } = await openDevices('installer');
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);

    await page.getByRole('button', { name: 'Add a bridge' }).click();
    await page.getByLabel('Bridge id').fill('zigbee');
    await page.getByLabel('Source', { exact: true }).last().selectOption('zigbee2mqtt');
    await page.getByLabel('Base topic').fill('zigbee2mqtt');
    await page.getByRole('button', { name: 'Add the bridge' }).click();
    const bridge = page.locator('[data-bridge="zigbee"]');
    await bridge.waitFor();

    await bridge.getByRole('button', { name: 'Show credentials for zigbee' }).click();
    const password = bridge.getByRole('textbox', { name: 'Password' });
    await password.waitFor();
    const credential = env.hub.credential('zigbee');
    expect(await bridge.getByRole('textbox', { name: 'Username' }).inputValue()).toBe(credential.username);
    expect(await password.inputValue()).toBe(credential.password);
    expect(await bridge.textContent()).toContain('configuration.yaml');
    await bridge.getByRole('button', { name: 'Copy password' }).click();
    await bridge.getByText('Password copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(credential.password);
    // Each look at a credential is on the audit record.
    expect(env.hub.hub.store.audit.recent(20).some((entry) => entry.action === 'credentials.viewed' && entry.target === 'bridge:zigbee' && entry.userId === env.hub.members.installer.id)).toBe(true);

    // Zigbee2MQTT reports a sensor the household does not have yet.
    const z2m = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: 'z2m-test' });
    await z2m.publishAsync('zigbee2mqtt/Kitchen Door', JSON.stringify({ contact: true, battery: 90, linkquality: 80 }), { qos: 1 });
    await z2m.endAsync();
    const found = page.locator('[data-discovered="zigbee2mqtt/Kitchen Door"]');
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Look again' }).click();
        return found.count();
      }, { timeout: 10_000 })
      .toBe(1);
    await found.getByRole('button', { name: 'Add Kitchen Door' }).click();

    const form = page.locator('form.device-form');
    await form.getByRole('heading', { name: 'Add a device' }).waitFor();
    expect(await form.getByLabel('Id', { exact: true }).inputValue()).toBe('kitchen-door');
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('Kitchen Door');
    expect(await form.getByLabel('Source').inputValue()).toBe('zigbee2mqtt');
    expect(await form.getByLabel('Bridge').inputValue()).toBe('zigbee');
    expect(await form.getByLabel('Topic (optional)').inputValue()).toBe('zigbee2mqtt/Kitchen Door');
    await form.getByLabel('Name', { exact: true }).fill('Kitchen door');
    await form.getByLabel('Heartbeat (optional)').fill('26h');
    await form.getByRole('button', { name: 'Add the device' }).click();

    const added = page.locator('[data-device="kitchen-door"]');
    await added.waitFor();
    expect(await added.textContent()).toContain('It uses the credentials of its bridge, zigbee.');
    expect(env.hub.hub.household.view().devicesById.get('kitchen-door')).toMatchObject({ source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Kitchen Door', heartbeat: '26h' });
    await expect.poll(() => found.count()).toBe(0);
    await page.locator('#discover').getByText('Nothing new heard').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a native device’s credentials and setup hint, changes a device and removes one, with the hub’s refusals next to the field', async () => {
    const { page, context, problems } = await openDevices('installer');
    const front = page.locator('[data-device="front-door"]');
    await front.getByRole('button', { name: 'Show credentials for Front door' }).click();
    await front.getByRole('textbox', { name: 'Password' }).waitFor();
    expect(await front.getByRole('textbox', { name: 'Password' }).inputValue()).toBe(env.hub.credential('front-door').password);
    expect(await front.textContent()).toContain('homeward/devices/front-door/door');
    await front.getByRole('button', { name: 'Hide credentials for Front door' }).click();
    expect(await front.getByRole('textbox', { name: 'Password' }).count()).toBe(0);

    await front.getByRole('button', { name: 'Change Front door' }).click();
    const form = page.locator('form.device-form');
    await form.getByLabel('Heartbeat (optional)').fill('soon');
    await form.getByRole('button', { name: 'Save changes' }).click();
    const heartbeat = form.getByLabel('Heartbeat (optional)');
    await expect.poll(() => heartbeat.getAttribute('aria-invalid')).toBe('true');
    const errorId = ((await heartbeat.getAttribute('aria-describedby')) ?? '').split(' ').find((id) => id.endsWith('-error'));
    expect(errorId).toBeDefined();
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/pattern|match|duration/i);
    expect(env.hub.hub.household.view().devicesById.get('front-door')?.heartbeat).toBe('26h');

    await form.getByLabel('Heartbeat (optional)').fill('26h');
    await form.getByLabel('Name', { exact: true }).fill('Front door (hall)');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-device="front-door"]').getByRole('heading', { name: /Front door \(hall\)/ }).waitFor();
    expect(env.hub.hub.household.view().devicesById.get('front-door')).toMatchObject({ name: 'Front door (hall)', exit: true, heartbeat: '26h' });

    const back = page.locator('[data-device="back-door"]');
    await back.getByRole('button', { name: 'Remove Back door' }).click();
    await back.getByRole('button', { name: 'Yes, remove Back door' }).click();
    await expect.poll(() => back.count()).toBe(0);
    expect(env.hub.hub.household.view().devicesById.has('back-door')).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('runs a walk-test: each door opening and closing and each tracker report as it arrives, no coordinates', async () => {
    const { page, context, problems, asked } = await openDevices('installer');
    await page.locator('.live-live').waitFor();
    await page.getByRole('button', { name: 'Start walk-test' }).click();
    const card = page.locator('#walk-test');
    const door = card.locator('[data-walk="front-door"]');
    await door.getByText('waiting: open and close it').waitFor();

    await publish('front-door', 'door', { open: true, battery: 88 });
    await card.locator('.walk-events').getByText(/Front door.* opened/).waitFor({ timeout: 10_000 });
    await door.getByText('seen open; now close it').waitFor();
    await publish('front-door', 'door', { open: false, battery: 88 });
    await card.locator('.walk-events').getByText(/Front door.* closed/).waitFor({ timeout: 10_000 });
    await door.getByText('seen open and closed').waitFor();

    const tracker = card.locator('[data-walk="mum-phone"]');
    expect(await tracker.textContent()).toContain('waiting for a report');
    await publish('mum-phone', 'tracker', { lat: 51.5101, lon: -0.1301, acc: 9, battery: 77 });
    await tracker.getByText('1 report').waitFor({ timeout: 10_000 });
    await card.locator('.walk-events').getByText("Margaret's phone report received").waitFor();

    const everything = (await page.locator('body').textContent()) ?? '';
    expect(everything).not.toMatch(/51\.51|0\.130|-0\.13/);
    expect(asked.filter((path) => /^\/api\/(positions|care-log|medication)/.test(path))).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await keepScreenshot(page, 'installer-walk-test-phone');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lets the owner export the household document and import one, refusing a bad one with the hub’s reasons', async () => {
    const { page, context, problems } = await openDevices('owner');
    const card = page.locator('#household-file');
    await card.getByRole('heading', { name: 'Household document' }).waitFor();
    await card.getByText(/Revision \d+/).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Export the household document' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^household-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as ReturnType<typeof env.hub.hub.household.view>['household'];
    expect(exported).toEqual(env.hub.hub.household.view().household);

    const before = env.hub.hub.household.view().revision;
    const misspelt = { ...exported, devices: (exported.devices ?? []).map((d) => (d.id === 'pillbox' ? { ...d, exti: true } : d)) };
    await card.getByLabel('Household document to import').setInputFiles({ name: 'misspelt.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(misspelt)) });
    await card.getByRole('button', { name: 'Replace the household document with misspelt.json' }).click();
    const refusal = card.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('Nothing was changed.');
    expect(await refusal.textContent()).toMatch(/exti/);
    expect(env.hub.hub.household.view().revision).toBe(before);

    await card.getByLabel('Household document to import').setInputFiles({ name: 'not-json.json', mimeType: 'application/json', buffer: Buffer.from('{ "home": ') });
    await card.getByText('not-json.json is not a JSON file').waitFor();

    const renamed = { ...exported, person: { ...exported.person, name: 'Maggie' } };
    await card.getByLabel('Household document to import').setInputFiles({ name: 'renamed.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(renamed)) });
    await card.getByRole('button', { name: 'Replace the household document with renamed.json' }).click();
    await card.getByText(`Imported renamed.json: the household document is now revision ${before + 1}.`).waitFor();
    expect(env.hub.hub.household.view().household.person.name).toBe('Maggie');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the rest of the circle the devices’ health without setting-up tools', async () => {
    const { page, context, problems, asked } = await openDevices('family');
    expect(await page.getByRole('button', { name: 'Add a device' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Show credentials/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Start walk-test' }).count()).toBe(0);
    expect(await page.getByLabel('Household document to import').count()).toBe(0);
    await page.getByRole('button', { name: 'Export the household document' }).waitFor();
    expect(asked).not.toContain('/api/devices/discovered');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched: Watched & { asked: string[] } = await openDevices('installer', { ...(viewport ? { viewport } : {}), colorScheme });
        const page: Page = watched.page;
        await page.locator('[data-device="front-door"]').getByRole('button', { name: /Show credentials/ }).click();
        await page.locator('[data-device="front-door"]').getByRole('textbox', { name: 'Password' }).waitFor();
        await page.getByRole('button', { name: 'Add a device' }).click();
        await page.locator('#faults').getByText(/No sensor problems|battery is low/).first().waitFor();
        expect(await accessibilityViolations(page), `${size} ${colorScheme}`).toEqual([]);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await keepScreenshot(page, `installer-${size}-${colorScheme}`);
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });
});
