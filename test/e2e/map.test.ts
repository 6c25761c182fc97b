import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../support/mqtt-clients.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs, type Watched } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

type Zone = { id: string; name: string; lat: number; lon: number; radiusM?: number };

/**
 * Issue 8, screen 3: positions and zones on a Leaflet map with no tiles configured (the test hub has
 * none, as a home without internet), and the zones edited by the owner through the form that every
 * map edit can also be made in.
 */
describe('map screen', () => {
  const env = useDashboardHub();
  const opened: Watched[] = [];

  beforeAll(async () => {
    // A short walk from home, published by the tracker as a DIY device does (devices/native/README.md).
    const credential = env.hub.credential('mum-phone');
    const tracker = await connectClient(env.hub.mqttUrl, { username: credential.username, password: credential.password, clientId: 'mum-phone' });
    const now = Math.floor(Date.now() / 1000);
    const walk = [
      [51.5072, -0.1276],
      [51.5074, -0.1272],
      [51.5077, -0.1268],
      [51.5079, -0.1265],
    ];
    for (const [index, [lat, lon]] of walk.entries()) {
      await tracker.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat, lon, acc: 10, ts: now - (walk.length - index) * 60 }), { qos: 1 });
    }
    await tracker.endAsync();
  });
  afterAll(async () => {
    for (const watched of opened) await watched.context.close().catch(() => undefined);
  });

  async function openAs(role: Parameters<typeof signInAs>[2], options: Parameters<typeof openPage>[2] = {}): Promise<Watched> {
    const watched = await openPage(env.browser, env.hub, options);
    opened.push(watched);
    watched.page.setDefaultTimeout(8_000);
    await signInAs(watched, env.hub, role);
    await watched.page.goto('/map');
    return watched;
  }

  async function savedZones(watched: Watched): Promise<Zone[]> {
    const response = await watched.context.request.get('/api/household');
    expect(response.status()).toBe(200);
    return ((await response.json()) as { household: { zones?: Zone[] } }).household.zones ?? [];
  }

  it('draws the track and the zones without tiles, and says that views are recorded', async () => {
    const family = await openAs('family');
    const { page } = family;
    await page.getByRole('heading', { level: 1, name: 'Map' }).waitFor();
    await page.getByText('Views of her location are recorded').waitFor();
    await expect.poll(() => page.locator('[data-track-summary]').textContent()).toMatch(/^4 positions in the last 24 hours/);
    const map = page.getByRole('region', { name: 'Map of her positions and the safe zones' });
    await expect.poll(() => map.locator('path.map-track').count()).toBe(1);
    expect(await map.locator('path.map-zone.leaflet-interactive').count()).toBe(1);
    expect(await map.locator('path.map-fix').count()).toBe(1);
    expect(await page.locator('img.leaflet-tile').count()).toBe(0);
    expect(await map.locator('.map-zone-label').textContent()).toBe('Home');
    expect(await page.locator('[data-tracker="mum-phone"]').textContent()).toContain('Margaret is at home');

    // Family may see the zones but not change them.
    await page.locator('[data-zone="home"]').waitFor();
    expect(await page.getByRole('button', { name: 'Save zones' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add a zone' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add a zone by tapping the map' }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);

    // A shorter period asks the hub again, and fewer fixes are drawn.
    await page.getByLabel('Show where she went in').selectOption('1h');
    await expect.poll(() => page.locator('[data-track-summary]').textContent()).toMatch(/^4 positions in the last hour/);
    expect(family.problems).toEqual([]);
  });

  it('lets the owner add and edit zones through the form, refuses bad ones, and draws what is saved', async () => {
    const owner = await openAs('owner');
    const { page } = owner;
    const map = page.getByRole('region', { name: 'Map of her positions and the safe zones' });
    await page.getByRole('group', { name: 'Home' }).waitFor();
    expect(await map.locator('path.map-zone').count()).toBe(1);

    // A zone with no name and a radius of 0 is refused here; nothing reaches the hub.
    await page.getByRole('button', { name: 'Add a zone', exact: true }).click();
    const added = page.locator('fieldset[data-zone="new"]');
    expect(await added.locator('legend').textContent()).toBe('New zone 2');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id ?? '')).toMatch(/-name$/);
    await added.getByLabel('Radius in metres').fill('0');
    await page.getByRole('button', { name: 'Save zones' }).click();
    await page.locator('[data-zone-refusal]').getByText('Nothing was saved').waitFor();
    await added.getByText('Give the zone a name').waitFor();
    await added.getByText('The radius must be more than 0 metres').waitFor();
    expect(await added.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.closest('fieldset')?.querySelector('legend')?.textContent)).toBe('New zone 2');
    expect((await savedZones(owner)).map((zone) => zone.id)).toEqual(['home']);

    // Corrected, it is saved, drawn, and the home zone's edit goes with it.
    await added.getByLabel('Name').fill('Day centre');
    await added.getByLabel('Latitude').fill('51.5101');
    await added.getByLabel('Longitude').fill('-0.1337');
    await added.getByLabel('Radius in metres').fill('120');
    await page.getByRole('group', { name: 'Home' }).getByLabel('Radius in metres').fill('200');
    await page.getByRole('button', { name: 'Save zones' }).click();
    await page.getByText('Zones saved.').waitFor();
    await expect
      .poll(() => savedZones(owner))
      .toEqual([
        { id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 200 },
        { id: 'day-centre', name: 'Day centre', lat: 51.5101, lon: -0.1337, radiusM: 120 },
      ]);
    await expect.poll(() => map.locator('path.map-zone').count()).toBe(2);
    expect(await map.locator('.map-zone-label').allTextContents()).toEqual(['Home', 'Day centre']);

    // Renamed and then removed, by keyboard-reachable controls only.
    await page.getByRole('group', { name: 'Day centre' }).getByLabel('Name').fill('Library');
    await page.getByRole('button', { name: 'Save zones' }).click();
    await page.getByText('Zones saved.').waitFor();
    await expect.poll(async () => (await savedZones(owner)).map((zone) => `${zone.id}:${zone.name}`)).toEqual(['home:Home', 'day-centre:Library']);
    await page.getByRole('button', { name: 'Remove Library' }).click();
    await page.getByRole('button', { name: 'Save zones' }).click();
    await page.getByText('Zones saved.').waitFor();
    await expect.poll(async () => (await savedZones(owner)).map((zone) => zone.id)).toEqual(['home']);
    await expect.poll(() => map.locator('path.map-zone').count()).toBe(1);

    // Someone else changed the zones meanwhile: the stale edit is refused, not written over theirs.
    await page.getByRole('group', { name: 'Home' }).getByLabel('Radius in metres').fill('250');
    const csrf = ((await (await owner.context.request.get('/api/auth/session')).json()) as { csrfToken: string }).csrfToken;
    const current = await owner.context.request.get('/api/household');
    const elsewhere = await owner.context.request.put('/api/household/zones', {
      headers: { origin: env.hub.baseUrl, 'x-csrf-token': csrf, 'if-match': current.headers().etag ?? '' },
      data: { zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 180 }] },
    });
    expect(elsewhere.status()).toBe(200);
    await page.getByRole('button', { name: 'Save zones' }).click();
    await page.locator('[data-zone-refusal]').getByText('Someone else changed the zones meanwhile, so nothing was saved').waitFor();
    expect((await savedZones(owner))[0]?.radiusM).toBe(180);
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await expect.poll(() => page.getByRole('group', { name: 'Home' }).getByLabel('Radius in metres').inputValue()).toBe('180');
    expect(owner.problems).toEqual([]);
  });

  it('adds a zone by tapping the map and moves it by dragging its centre', async () => {
    const owner = await openAs('owner');
    const { page } = owner;
    const map = page.getByRole('region', { name: 'Map of her positions and the safe zones' });
    await page.getByRole('group', { name: 'Home' }).waitFor();
    await page.getByRole('button', { name: 'Add a zone by tapping the map' }).click();
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    if (box === null) throw new Error('the map has no size');
    await page.mouse.click(box.x + 60, box.y + box.height - 80);
    const added = page.locator('fieldset[data-zone="new"]');
    await page.getByRole('group', { name: 'New zone 2' }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('id') ?? '')).toMatch(/-name$/);
    await expect.poll(() => map.locator('path.map-zone').count()).toBe(2);
    expect(await map.locator('path.map-zone-selected').count()).toBe(1);
    const lat = Number(await added.getByLabel('Latitude').inputValue());
    const lon = Number(await added.getByLabel('Longitude').inputValue());
    // South-west of the view's centre, near home.
    expect(Math.abs(lat - 51.5075)).toBeLessThan(0.02);
    expect(Math.abs(lon + 0.127)).toBeLessThan(0.03);
    await page.keyboard.type('Corner shop');

    // The chosen zone's centre handle drags it: east on the screen is a larger longitude.
    const handles = map.locator('.map-handle');
    await expect.poll(() => handles.count()).toBe(2);
    const before = Number(await added.getByLabel('Longitude').inputValue());
    await map.scrollIntoViewIfNeeded();
    const handle = await handles.first().boundingBox();
    if (handle === null) throw new Error('the handle has no size');
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2 + 20, handle.y + handle.height / 2, { steps: 4 });
    await page.mouse.move(handle.x + handle.width / 2 + 40, handle.y + handle.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Number(await added.getByLabel('Longitude').inputValue())).toBeGreaterThan(before);
    await page.getByRole('button', { name: 'Save zones' }).click();
    await page.getByText('Zones saved.').waitFor();
    await expect.poll(async () => (await savedZones(owner)).map((zone) => zone.id)).toContain('corner-shop');
    expect(owner.problems).toEqual([]);
  });

  it('is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openAs('owner', { ...(viewport ? { viewport } : {}), colorScheme });
        const { page } = watched;
        await expect.poll(() => page.locator('path.map-track').count()).toBe(1);
        await page.getByRole('button', { name: 'Save zones' }).waitFor();
        expect(await accessibilityViolations(page), `${size} ${colorScheme}`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await keepScreenshot(page, `map-${size}-${colorScheme}`);
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
    const family = await openAs('family');
    await family.page.locator('[data-zone="home"]').waitFor();
    expect(await accessibilityViolations(family.page), 'family').toEqual([]);
  });
});
