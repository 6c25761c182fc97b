/**
 * Light, dark (for 2 a.m.) or following the device. Stored on this device only; applied before the
 * first paint by main.tsx so a dark room is not lit up by a white flash.
 */
export type Theme = 'auto' | 'light' | 'dark';
const KEY = 'homeward.theme';

export function currentTheme(): Theme {
  const stored = localStorage.getItem(KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'auto';
}

export function applyTheme(theme: Theme): void {
  if (theme === 'auto') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, theme);
    document.documentElement.dataset.theme = theme;
  }
}
