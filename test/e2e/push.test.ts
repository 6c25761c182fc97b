import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Weekday } from '../../src/circle/clock-times.js';
import type { PushPayload } from '../../src/notify/web-push/push-payload.js';
import { startLocalPushService, type LocalPushService, type TestBrowser } from '../notify/local-push-service.js';
import { keepScreenshot, launchBrowser, openPage, signInAs } from './support/browser.js';
import type { DashboardHub } from './support/dashboard-hub.js';
import { startPushDashboardHub } from './support/push-hub.js';

/**
 * Issue 8, screen 7, and issue 7: "Enable notifications on this device" in a real browser, to a real
 * encrypted Web Push. Headless Chromium cannot reach a push service, so before the page loads its
 * PushManager is given the subscription of a "browser" of the local push service (a real P-256 key
 * pair and auth secret): everything else is real — the dashboard's permission request, the
 * service worker it waits for, the hub's VAPID key, the hub storing the subscription, the alert,
 * the encryption, and the HTTPS request that the push service decrypts.
 */
const everyDay: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe('notifications on this device', () => {
  let service: LocalPushService;
  let hub: DashboardHub;
  let browser: Browser;
  beforeAll(async () => {
    service = await startLocalPushService();
    [hub, browser] = await Promise.all([startPushDashboardHub(service), launchBrowser()]);
    // Anna answers first at any hour, so an urgent alert goes to her devices.
    hub.hub.api.circle.routes.rota.addShift(hub.members.owner.id, { userId: hub.members.family.id, days: everyDay, start: '00:00', end: '00:00', tier: 1 });
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await service?.close();
  });

  it('enables push from the circle screen, receives an encrypted alert, and disables it', async () => {
    const phone: TestBrowser = service.browser();
    const watched = await openPage(browser, hub);
    const { page, context } = watched;
    await context.grantPermissions(['notifications'], { origin: hub.baseUrl });
    await page.addInitScript((subscription: TestBrowser['subscription']) => {
      const spy = window as unknown as { pushKey?: string; unsubscribed?: number };
      let current: PushSubscription | null = null;
      const toBase64Url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
        const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer | Uint8Array);
        spy.pushKey = toBase64Url(key);
        const made = {
          endpoint: subscription.endpoint,
          expirationTime: null,
          options: { applicationServerKey: key.slice().buffer, userVisibleOnly: options?.userVisibleOnly ?? false },
          toJSON: () => subscription,
          getKey: () => null,
          unsubscribe: async () => {
            current = null;
            spy.unsubscribed = (spy.unsubscribed ?? 0) + 1;
            return true;
          },
        };
        current = made as unknown as PushSubscription;
        return current;
      };
      PushManager.prototype.getSubscription = async function () {
        return current;
      };
    }, phone.subscription);
    await signInAs(watched, hub, 'family');
    await page.goto('/circle');

    await page.getByLabel('Name for this device').fill('Anna’s phone');
    await page.getByRole('button', { name: 'Enable notifications on this device' }).click();
    await page.getByText('Notifications are on for this device.').waitFor();
    // The page subscribed with the hub's own VAPID key, read from base64url into bytes.
    expect(await page.evaluate(() => (window as unknown as { pushKey?: string }).pushKey)).toBe(hub.hub.webPush.publicKey);
    const listed = await (await context.request.get('/api/push/subscriptions')).json() as { subscriptions: Array<{ id: number; label: string; service: string }> };
    expect(listed.subscriptions).toEqual([expect.objectContaining({ label: 'Anna’s phone', service: new URL(service.origin).host })]);
    await page.locator(`[data-device="${listed.subscriptions[0]?.id}"]`).getByText('Anna’s phone (this device)').waitFor();
    await keepScreenshot(page, 'push-enabled-phone');

    // An urgent alert: the local push service receives it, encrypted for this subscription only.
    const at = Date.now();
    const key = `night-exit:push-e2e:${at}`;
    hub.hub.alerts.commit({ raise: [{ type: 'night-exit', key, severity: 'urgent', at, title: 'Front door opened at night', details: {}, deviceId: 'front-door' }], clear: [], doses: [] });
    const alert = hub.hub.store.alerts.byKey(key);
    expect(alert).toBeDefined();
    await expect.poll(() => service.requests.filter((request) => request.browser === phone.id).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const delivered = service.requests.find((request) => request.browser === phone.id);
    expect(delivered?.decryptError).toBeUndefined();
    expect(delivered?.vapid).toMatchObject({ signatureValid: true, key: hub.hub.webPush.publicKey, claims: { sub: 'mailto:olive@example.org' } });
    const payload = JSON.parse((delivered?.plaintext as Buffer).toString('utf8')) as PushPayload;
    expect(payload).toMatchObject({ v: 1, kind: 'alert', severity: 'urgent', tag: `alert:${alert?.id}`, acknowledge: { alertId: alert?.id } });
    expect(`${payload.title} ${payload.body}`).toMatch(/door/i);

    // Off again: the hub forgets it and the browser drops its subscription.
    await page.getByRole('button', { name: 'Turn off notifications on this device' }).click();
    await page.getByText('Notifications are off on this device.').waitFor();
    const after = await (await context.request.get('/api/push/subscriptions')).json() as { subscriptions: unknown[] };
    expect(after.subscriptions).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { unsubscribed?: number }).unsubscribed)).toBe(1);
    await page.getByRole('button', { name: 'Enable notifications on this device' }).waitFor();
    expect(watched.problems).toEqual([]);
    await context.close();
  });
});
