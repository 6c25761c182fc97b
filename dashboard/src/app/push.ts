import { api, ApiError } from '../api/client';
import type { Reply } from '../api/types';

/**
 * "Enable notifications on this device" (issue 8, screen 7; issue 7): the browser's half of Web Push.
 * The hub keeps one subscription per endpoint; this device remembers which one is its own (the list
 * the hub gives never shows endpoints), so the circle screen can say "this device" and turn it off.
 */
export type Support =
  | { supported: true }
  | { supported: false; reason: string };

export type DeviceSubscription = Reply<'/api/push/subscriptions', 'post'>;

const KEY = 'homeward.push';
const READY_WITHIN_MS = 10_000;

interface Remembered {
  id: number;
  endpoint: string;
}

/** iPhone and iPad (iPadOS says it is a Mac, but has touch). */
function isAppleMobile(): boolean {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.userAgent.includes('Macintosh') && navigator.maxTouchPoints > 1);
}

function isInstalled(): boolean {
  return window.matchMedia?.('(display-mode: standalone)').matches || (navigator as Navigator & { standalone?: boolean }).standalone === true;
}

/** Whether this browser, here and now, can receive Homeward's notifications; if not, what to do. */
export function pushSupport(): Support {
  // iOS offers Web Push only to a web app opened from the home screen (Safari 16.4+).
  if (isAppleMobile() && !isInstalled()) {
    return { supported: false, reason: 'On an iPhone or iPad, notifications work once Homeward is on the home screen: tap Share, then “Add to Home Screen”, and open Homeward from there.' };
  }
  if (!window.isSecureContext) return { supported: false, reason: 'Notifications need a secure (https) address for the hub. Ask whoever set up Homeward for its https address.' };
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return { supported: false, reason: 'This browser cannot receive notifications. A current Chrome, Firefox, Edge or Safari can.' };
  }
  if (Notification.permission === 'denied') {
    return { supported: false, reason: 'Notifications from Homeward are blocked in this browser’s site settings. Allow them there, then come back.' };
  }
  return { supported: true };
}

/** "Anna’s phone"-like default: the kind of device and browser, without anything identifying. */
export function defaultDeviceLabel(): string {
  const agent = navigator.userAgent;
  const device = /iPhone/.test(agent) ? 'iPhone' : /iPad/.test(agent) ? 'iPad' : /Android/.test(agent) ? (/Mobile/.test(agent) ? 'Android phone' : 'Android tablet') : /Mac/.test(agent) ? 'Mac' : /Windows/.test(agent) ? 'Windows computer' : /Linux/.test(agent) ? 'Linux computer' : 'This device';
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox' : /Chrome\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : '';
  return browser === '' ? device : `${device}, ${browser}`;
}

/** base64url (as the hub gives its VAPID key) to the bytes PushManager.subscribe wants. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function remembered(): Remembered | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Remembered | null;
    return value !== null && typeof value.id === 'number' && typeof value.endpoint === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function forget(): void {
  localStorage.removeItem(KEY);
}

/** The service worker's registration; it never comes when the worker failed to install, so wait a while only. */
async function registration(): Promise<ServiceWorkerRegistration> {
  let timer: number | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error('The notification helper of this page has not started. Reload the page and try again.')), READY_WITHIN_MS);
  });
  try {
    return await Promise.race([navigator.serviceWorker.ready, late]);
  } finally {
    window.clearTimeout(timer);
  }
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((byte, i) => byte === b[i]);
}

/** This browser's subscription, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushSupport().supported === false || !('serviceWorker' in navigator)) return null;
  const ready = await navigator.serviceWorker.getRegistration('/');
  return ready ? ready.pushManager.getSubscription() : null;
}

/** The hub's id of this device's subscription, when this browser still holds it. */
export async function thisDeviceId(): Promise<number | undefined> {
  const mine = remembered();
  if (mine === undefined) return undefined;
  const subscription = await currentSubscription().catch(() => null);
  return subscription?.endpoint === mine.endpoint ? mine.id : undefined;
}

export interface Enabled {
  subscription: DeviceSubscription;
  /** Set when the hub keeps the subscription but cannot send yet (no VAPID subject configured). */
  hubNotSending: string | undefined;
}

/** Asks permission, subscribes with the hub's key, and gives the hub the subscription. */
export async function enablePush(label: string): Promise<Enabled> {
  const support = pushSupport();
  if (!support.supported) throw new Error(support.reason);
  if (Notification.permission !== 'granted') {
    const answer = await Notification.requestPermission();
    if (answer !== 'granted') throw new Error('Notifications were not allowed, so this device will not be told of alerts. You can allow them in the browser’s site settings.');
  }
  const vapid = await api.get('/api/push/vapid-public-key');
  const key = base64UrlToBytes(vapid.publicKey);
  const { pushManager } = await registration();
  let subscription = await pushManager.getSubscription();
  // A subscription made with another key (the hub's key changed) cannot be reused.
  if (subscription !== null && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const json = subscription.toJSON();
  if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth) throw new Error('This browser gave an incomplete subscription. Try again, or try another browser.');
  const saved = await api.post('/api/push/subscriptions', {
    body: { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth }, ...(label.trim() === '' ? {} : { label: label.trim().slice(0, 100) }) },
  });
  localStorage.setItem(KEY, JSON.stringify({ id: saved.id, endpoint: json.endpoint } satisfies Remembered));
  return { subscription: saved, hubNotSending: vapid.sending ? undefined : (vapid.detail ?? 'The hub cannot send notifications yet.') };
}

/** Stops notifications to this device: the hub forgets it, and the browser drops the subscription. */
export async function disablePush(): Promise<void> {
  const mine = remembered();
  const subscription = await currentSubscription().catch(() => null);
  if (mine !== undefined) {
    try {
      await api.delete('/api/push/subscriptions/{id}', { params: { id: mine.id } });
    } catch (error) {
      // Already gone on the hub (removed from another device, or after the push service said 410).
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  await subscription?.unsubscribe();
  forget();
}

/** Removes one of my devices; when it is this one, the browser's subscription goes too. */
export async function removeDevice(id: number): Promise<void> {
  if (remembered()?.id === id) return disablePush();
  await api.delete('/api/push/subscriptions/{id}', { params: { id } });
}
