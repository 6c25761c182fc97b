import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../../src/notify/channel.js';
import { pushPayload } from '../../src/notify/web-push/push-payload.js';
import { nightExitMessage } from './night-exit-message.js';

/**
 * The service worker (issue 7, item 5), run in Node: its pure decisions, and its listeners driven with
 * stand-ins for the browser's objects (registration, clients, fetch). The push data is what the hub's
 * push-payload.ts makes, so the two cannot drift apart unnoticed.
 */
const source = readFileSync(path.join(import.meta.dirname, '../../dashboard/public/service-worker.js'), 'utf8');
const ORIGIN = 'https://mum.example.org';

interface Shown {
  title: string;
  options: { body: string; tag: string; renotify?: boolean; requireInteraction?: boolean; actions: Array<{ action: string; title: string }>; data: { url: string; acknowledge: { alertId: string; token: string } | null } };
}

type Listener = (event: unknown) => void;

/** Loads the worker into a fresh context whose `self` records what it shows, fetches and opens. */
function loadWorker(options: { fetchStatus?: number | 'network-error'; windows?: string[] } = {}) {
  const listeners = new Map<string, Listener>();
  const shown: Shown[] = [];
  const fetched: Array<{ url: string; init: { method: string; headers: Record<string, string>; body: string; credentials: string } }> = [];
  const opened: string[] = [];
  const focused: string[] = [];
  const windows = (options.windows ?? []).map((url) => ({
    url,
    navigate: async (to: string) => ({ url: to, focus: async () => void focused.push(to) }),
    focus: async () => void focused.push(url),
  }));
  const context: Record<string, unknown> = {
    URL,
    JSON,
    Promise,
    location: { origin: ORIGIN },
    addEventListener: (type: string, listener: Listener) => listeners.set(type, listener),
    registration: { showNotification: async (title: string, shownOptions: Shown['options']) => void shown.push({ title, options: shownOptions }) },
    clients: { matchAll: async () => windows, openWindow: async (url: string) => void opened.push(url) },
    fetch: async (url: string, init: (typeof fetched)[number]['init']) => {
      fetched.push({ url, init });
      if (options.fetchStatus === 'network-error') throw new TypeError('Failed to fetch');
      return { status: options.fetchStatus ?? 200 };
    },
  };
  context.self = context;
  vm.createContext(context);
  vm.runInContext(source, context, { filename: 'service-worker.js' });

  /** Dispatches an event and waits for what it handed to waitUntil. */
  async function dispatch(type: string, event: Record<string, unknown>): Promise<void> {
    let pending: Promise<unknown> = Promise.resolve();
    (listeners.get(type) as Listener)({ ...event, waitUntil: (work: Promise<unknown>) => (pending = work) });
    await pending;
  }
  const worker = context.homewardServiceWorker as {
    readPush(data: unknown): unknown;
    clickPlan(action: string, data: unknown): unknown;
    dashboardPath(url: unknown): string;
    afterAcknowledge(status: number): { title: string; body: string; open: boolean };
  };
  return { worker, shown, fetched, opened, focused, dispatch, listeners };
}

const nightExit = nightExitMessage;
const TOKEN = 'v1.claims.signature';

/** A PushEvent's data, as the browser hands the decrypted bytes over. */
const pushData = (bytes: Buffer | string) => ({ json: () => JSON.parse(bytes.toString()) as unknown });

/** A notificationclick on what the worker showed. */
const clickOn = (shown: Shown, action: string) => ({ action, notification: { data: shown.options.data, tag: shown.options.tag, close: () => undefined } });

describe('service worker', () => {
  it('shows an urgent alert with "I\'m on it" and "Open", staying until dealt with, sounding at each step', async () => {
    const sw = loadWorker();
    await sw.dispatch('push', { data: pushData(pushPayload(nightExit, TOKEN)) });
    expect(sw.shown).toEqual([
      {
        title: 'Front door opened at night',
        options: {
          body: nightExit.body,
          tag: 'alert:a1',
          renotify: true,
          requireInteraction: true,
          actions: [
            { action: 'acknowledge', title: 'I’m on it' },
            { action: 'open', title: 'Open' },
          ],
          data: { url: '/incidents/i1', acknowledge: { alertId: 'a1', token: TOKEN } },
        },
      },
    ]);
  });

  it('offers only "Open" on a message that is not acknowledgeable, and replaces the alarm ("Anna is on it")', async () => {
    const sw = loadWorker();
    const onIt: NotificationMessage = { ...nightExit, kind: 'acknowledged', title: 'Anna is on it', acknowledgeable: false };
    await sw.dispatch('push', { data: pushData(pushPayload(onIt, TOKEN)) });
    expect(sw.shown[0]?.options).toMatchObject({ tag: 'alert:a1', renotify: false, requireInteraction: false, actions: [{ action: 'open', title: 'Open' }], data: { acknowledge: null } });
  });

  it('shows something even for a push it cannot read (a browser shows a worse one otherwise)', async () => {
    const sw = loadWorker();
    await sw.dispatch('push', { data: { json: () => JSON.parse('not json') as unknown } });
    await sw.dispatch('push', { data: null });
    await sw.dispatch('push', { data: pushData('{"v":2,"title":"from the future"}') });
    expect(sw.shown.map((shown) => [shown.title, shown.options.data.url])).toEqual([
      ['Homeward', '/'],
      ['Homeward', '/'],
      ['Homeward', '/'],
    ]);
  });

  it('"I\'m on it" posts the token (no cookie) and says so on the lock screen', async () => {
    const sw = loadWorker({ fetchStatus: 200 });
    await sw.dispatch('push', { data: pushData(pushPayload(nightExit, TOKEN)) });
    await sw.dispatch('notificationclick', clickOn(sw.shown[0] as Shown, 'acknowledge'));
    expect(sw.fetched).toEqual([
      { url: '/api/push/actions/acknowledge', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }), credentials: 'omit' } },
    ]);
    expect(sw.shown[1]).toMatchObject({ title: 'You’re on it', options: { body: 'Everyone else has been told.', tag: 'alert:a1', actions: [{ action: 'open' }] } });
    expect(sw.opened).toEqual([]);
  });

  it.each([
    [403, 'Could not say “I’m on it”', true],
    ['network-error', 'Could not say “I’m on it”', true],
    [409, 'Already over', false],
  ] as const)('when the hub answers %s, says so, and opens the page where the person must respond', async (fetchStatus, title, opens) => {
    const sw = loadWorker({ fetchStatus });
    await sw.dispatch('push', { data: pushData(pushPayload(nightExit, TOKEN)) });
    await sw.dispatch('notificationclick', clickOn(sw.shown[0] as Shown, 'acknowledge'));
    expect(sw.shown[1]?.title).toBe(title);
    expect(sw.opened).toEqual(opens ? ['/incidents/i1'] : []);
  });

  it('"Open" (or a tap) opens the page, or brings an open Homeward window to it', async () => {
    const fresh = loadWorker();
    await fresh.dispatch('push', { data: pushData(pushPayload(nightExit, TOKEN)) });
    await fresh.dispatch('notificationclick', clickOn(fresh.shown[0] as Shown, ''));
    expect(fresh.opened).toEqual(['/incidents/i1']);
    expect(fresh.fetched).toEqual([]);

    const running = loadWorker({ windows: ['https://other.example/', `${ORIGIN}/`] });
    await running.dispatch('push', { data: pushData(pushPayload(nightExit, TOKEN)) });
    await running.dispatch('notificationclick', clickOn(running.shown[0] as Shown, 'open'));
    expect(running.focused).toEqual(['/incidents/i1']);
    expect(running.opened).toEqual([]);
  });

  it('never opens another site, whatever a message says', () => {
    const { worker } = loadWorker();
    for (const url of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', 42, undefined]) expect(worker.dashboardPath(url)).toBe('/');
    expect(worker.dashboardPath('/alerts/a1')).toBe('/alerts/a1');
    expect(worker.clickPlan('acknowledge', { url: '//evil.example', acknowledge: null })).toEqual({ kind: 'open', url: '/' });
  });
});

describe('service worker: the offline shell', () => {
  const shell = () =>
    loadWorker().worker as unknown as {
      assetsOf(html: string): string[];
      fetchPlan(request: { method: string; mode: string; url: string }, origin: string): 'page' | 'asset' | 'network';
    };

  it('keeps the scripts and styles the built page loads', () => {
    const html = readFileSync(path.join(import.meta.dirname, '../../dashboard/dist/index.html'), 'utf8');
    const assets = shell().assetsOf(html);
    expect(assets.some((asset) => /^\/assets\/.+\.js$/.test(asset))).toBe(true);
    expect(assets.some((asset) => /^\/assets\/.+\.css$/.test(asset))).toBe(true);
    expect(shell().assetsOf('<script src="https://cdn.example/x.js"></script><link href="/assets/a.css?v=1">')).toEqual(['/assets/a.css']);
  });

  it('answers pages from the network first, hashed assets from the cache, and never caches the API', () => {
    const plan = (url: string, mode = 'cors', method = 'GET') => shell().fetchPlan({ url: `${ORIGIN}${url}`, mode, method }, ORIGIN);
    expect(plan('/incidents/i1', 'navigate')).toBe('page');
    expect(plan('/', 'navigate')).toBe('page');
    expect(plan('/assets/index-abc.js')).toBe('asset');
    expect(plan('/icons/icon.svg')).toBe('asset');
    for (const url of ['/api/incidents', '/api/events', '/api/positions/latest', '/ingest/osmand?id=1', '/metrics', '/service-worker.js']) expect(plan(url, 'navigate'), url).toBe('network');
    expect(plan('/assets/index-abc.js', 'cors', 'POST')).toBe('network');
    expect(shell().fetchPlan({ url: 'https://tile.openstreetmap.org/1/1/1.png', mode: 'no-cors', method: 'GET' }, ORIGIN)).toBe('network');
  });
});
