/**
 * The last known state, kept on this device so the dashboard still says something useful offline
 * (issue 8: "an offline shell that shows the last known state and says it is stale"). Every GET
 * reply a screen shows is remembered with when it was fetched; sign-out forgets all of it.
 */
const PREFIX = 'homeward.last-known:';

export interface Remembered<T> {
  value: T;
  fetchedAt: number;
}

export function remember<T>(url: string, value: T, fetchedAt = Date.now()): void {
  try {
    localStorage.setItem(PREFIX + url, JSON.stringify({ value, fetchedAt }));
  } catch {
    // A full or disabled storage only costs the offline view, never the live one.
  }
}

export function recall<T>(url: string): Remembered<T> | undefined {
  const text = localStorage.getItem(PREFIX + url);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Remembered<T>;
  } catch {
    return undefined;
  }
}

export function forgetLastKnown(): void {
  for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
}
