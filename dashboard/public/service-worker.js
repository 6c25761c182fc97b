// @ts-check
/// <reference lib="webworker" />
/* global self, fetch, URL, caches, Response */
'use strict';

/**
 * Homeward's service worker (issue 7, item 5): shows each push message from the hub, with "I'm on it"
 * (only when the message offers it) and "Open"; "I'm on it" acknowledges from the lock screen with
 * the action token the message carried, without signing in; "Open" (or a tap) opens the alert's page.
 *
 * Plain JavaScript, served by the hub at /service-worker.js. Its decisions are pure functions, kept
 * on `homewardServiceWorker` so test/notify/service-worker.test.ts can run them (and the listeners,
 * with stand-ins for the browser's objects) in Node.
 */

/**
 * The JSON the hub sends (src/notify/web-push/push-payload.ts).
 * @typedef {{ v: 1, kind: string, title: string, body: string, url: string, tag: string, severity: string, acknowledge?: { alertId: string, token: string } }} HomewardPush
 */

/**
 * What a notification remembers for its click.
 * @typedef {{ url: string, acknowledge: { alertId: string, token: string } | null }} ClickData
 */

const ACKNOWLEDGE_PATH = '/api/push/actions/acknowledge';

/**
 * A path within the dashboard, or '/' for anything else (never another site).
 * @param {unknown} url
 * @returns {string}
 */
function dashboardPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') && !url.includes('\\') ? url : '/';
}

/**
 * The hub's message, or null if the push carried something else (or nothing readable).
 * @param {unknown} data
 * @returns {HomewardPush | null}
 */
function readPush(data) {
  if (typeof data !== 'object' || data === null) return null;
  const push = /** @type {Record<string, unknown>} */ (data);
  if (push.v !== 1 || typeof push.title !== 'string' || typeof push.body !== 'string' || typeof push.tag !== 'string') return null;
  const acknowledge = /** @type {Record<string, unknown> | undefined} */ (push.acknowledge);
  const usable = typeof acknowledge === 'object' && acknowledge !== null && typeof acknowledge.token === 'string' && typeof acknowledge.alertId === 'string';
  return {
    v: 1,
    kind: String(push.kind),
    title: push.title,
    body: push.body,
    url: dashboardPath(push.url),
    tag: push.tag,
    severity: String(push.severity),
    ...(usable ? { acknowledge: { alertId: String(acknowledge.alertId), token: String(acknowledge.token) } } : {}),
  };
}

/**
 * The notification for a push: an urgent alarm stays until dealt with, and each step of the ladder
 * sounds again; one alert's messages share a tag, so "Anna is on it" replaces the alarm.
 * @param {HomewardPush | null} push
 * @returns {{ title: string, options: NotificationOptions & { actions: Array<{ action: string, title: string }>, renotify: boolean, data: ClickData } }}
 */
function notificationFor(push) {
  if (push === null) {
    // A push must show something (userVisibleOnly); say where to look rather than nothing.
    return { title: 'Homeward', options: { body: 'Something needs your attention: open Homeward.', tag: 'homeward', renotify: false, actions: [{ action: 'open', title: 'Open' }], data: { url: '/', acknowledge: null } } };
  }
  const alarm = push.kind === 'alert' || push.kind === 'escalation';
  const actions = push.acknowledge ? [{ action: 'acknowledge', title: 'I’m on it' }, { action: 'open', title: 'Open' }] : [{ action: 'open', title: 'Open' }];
  return {
    title: push.title,
    options: {
      body: push.body,
      tag: push.tag,
      renotify: alarm,
      requireInteraction: alarm && push.severity === 'urgent',
      actions,
      data: { url: push.url, acknowledge: push.acknowledge ?? null },
    },
  };
}

/**
 * What a click asks for: "I'm on it" (with its token) or opening the page.
 * @param {string} action
 * @param {unknown} data
 * @returns {{ kind: 'acknowledge', token: string, url: string } | { kind: 'open', url: string }}
 */
function clickPlan(action, data) {
  const click = /** @type {Partial<ClickData> | null} */ (typeof data === 'object' ? data : null);
  const url = dashboardPath(click?.url);
  const token = click?.acknowledge?.token;
  if (action === 'acknowledge' && typeof token === 'string') return { kind: 'acknowledge', token, url };
  return { kind: 'open', url };
}

/**
 * The request that says "I'm on it": the token is the only credential (no cookie).
 * @param {string} token
 * @returns {{ url: string, init: RequestInit }}
 */
function acknowledgeRequest(token) {
  return { url: ACKNOWLEDGE_PATH, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }), credentials: 'omit' } };
}

/**
 * What to show once the hub has answered (0: it could not be reached); `open` when the person must
 * go to the page to respond.
 * @param {number} status
 * @returns {{ title: string, body: string, open: boolean }}
 */
function afterAcknowledge(status) {
  if (status >= 200 && status <= 299) return { title: 'You’re on it', body: 'Everyone else has been told.', open: false };
  if (status === 409) return { title: 'Already over', body: 'This alert has been resolved.', open: false };
  if (status === 403) return { title: 'Could not say “I’m on it”', body: 'This button has expired or was used already. Respond on the alert’s page.', open: true };
  return { title: 'Could not say “I’m on it”', body: 'Homeward could not be reached. Respond on the alert’s page.', open: true };
}

/*
 * The offline shell (issue 8): the page, its hashed scripts and styles, the icons and the manifest
 * are kept in one cache, so the dashboard opens without the hub and shows the last known state the
 * page itself keeps (dashboard/src/app/last-known.ts), marked stale. API answers are never cached
 * here: they are about a person, and the page decides what it remembers and forgets at sign-out.
 */
const SHELL_CACHE = 'homeward-shell-v1';
const SHELL_FILES = ['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', '/icons/apple-touch-icon.png'];

/**
 * The scripts and styles a page loads (Vite's hashed /assets/ files), read off its HTML.
 * @param {string} html
 * @returns {string[]}
 */
function assetsOf(html) {
  const found = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"?#]+)[^"]*"/g)) found.add(match[1]);
  return [...found];
}

/**
 * How a GET is answered: the shell for page navigations (network first, so an updated hub is
 * picked up), the cache first for hashed assets (their names change with their content), and the
 * network alone for everything else (the API, live events, ingest, the worker itself).
 * @param {{ method: string, mode: string, url: string }} request
 * @param {string} origin
 * @returns {'page' | 'asset' | 'network'}
 */
function fetchPlan(request, origin) {
  if (request.method !== 'GET') return 'network';
  const url = new URL(request.url);
  if (url.origin !== origin) return 'network';
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ingest/') || url.pathname === '/metrics' || url.pathname === '/service-worker.js') return 'network';
  if (request.mode === 'navigate') return 'page';
  if (url.pathname.startsWith('/assets/') || SHELL_FILES.includes(url.pathname)) return 'asset';
  return 'network';
}

const homewardServiceWorker = { dashboardPath, readPush, notificationFor, clickPlan, acknowledgeRequest, afterAcknowledge, assetsOf, fetchPlan, SHELL_CACHE };
/** @type {any} */ (globalThis).homewardServiceWorker = homewardServiceWorker;

const scope = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/**
 * Focuses a Homeward window on `url`, or opens one.
 * @param {string} url
 */
async function openPage(url) {
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === scope.location.origin);
  if (open !== undefined) {
    const moved = 'navigate' in open ? await open.navigate(url) : null;
    return (moved ?? open).focus();
  }
  return scope.clients.openWindow(url);
}

/** Fetches the page and everything it loads into the shell cache; the old shell's assets go. */
async function keepShell() {
  const cache = await caches.open(SHELL_CACHE);
  const page = await fetch('/', { cache: 'no-cache', credentials: 'omit' });
  if (!page.ok) return;
  const html = await page.clone().text();
  const assets = assetsOf(html);
  await cache.put('/', page);
  await cache.addAll([...SHELL_FILES.filter((file) => file !== '/'), ...assets]);
  const keep = new Set([...SHELL_FILES, ...assets]);
  for (const request of await cache.keys()) if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
}

scope.addEventListener('install', (event) => {
  // A shell that cannot be fetched now (hub restarting) is fetched again on the next page load.
  event.waitUntil(keepShell().catch(() => undefined).then(() => scope.skipWaiting()));
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(scope.clients.claim());
});

scope.addEventListener('fetch', (event) => {
  const plan = fetchPlan(event.request, scope.location.origin);
  if (plan === 'network') return;
  if (plan === 'asset') {
    event.respondWith(caches.match(event.request).then((hit) => hit ?? fetch(event.request)));
    return;
  }
  event.respondWith(
    fetch(event.request).then(
      (response) => {
        // A fresh page may name new assets: refresh the shell behind it.
        if (response.ok) event.waitUntil(keepShell().catch(() => undefined));
        return response;
      },
      async () => (await caches.match('/', { cacheName: SHELL_CACHE })) ?? Response.error(),
    ),
  );
});

scope.addEventListener('push', (event) => {
  /** @type {unknown} */
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch {
    data = null;
  }
  const { title, options } = notificationFor(readPush(data));
  event.waitUntil(scope.registration.showNotification(title, options));
});

scope.addEventListener('notificationclick', (event) => {
  const plan = clickPlan(event.action, event.notification.data);
  const tag = event.notification.tag;
  event.notification.close();
  if (plan.kind === 'open') {
    event.waitUntil(openPage(plan.url));
    return;
  }
  const request = acknowledgeRequest(plan.token);
  event.waitUntil(
    fetch(request.url, request.init)
      .then(
        (response) => response.status,
        () => 0,
      )
      .then((status) => {
        const shown = afterAcknowledge(status);
        const note = scope.registration.showNotification(shown.title, { body: shown.body, tag, actions: [{ action: 'open', title: 'Open' }], data: { url: plan.url, acknowledge: null } });
        return shown.open ? Promise.all([note, openPage(plan.url)]) : note;
      }),
  );
});
