/**
 * Light, dark (for 2 a.m.) or following the device. Stored on this device only; applied before the
 * first paint by main.tsx so a dark room is not lit up by a white flash. The page always carries the
 * theme in force (html[data-theme]), so the style sheet and the charts read one thing.
 */
export type Theme = 'auto' | 'light' | 'dark';
const KEY = 'homeward.theme';
const deviceDark = window.matchMedia('(prefers-color-scheme: dark)');
let chosen: Theme = 'auto';

function paint(): void {
  document.documentElement.dataset.theme = chosen === 'auto' ? (deviceDark.matches ? 'dark' : 'light') : chosen;
}

deviceDark.addEventListener('change', () => {
  if (chosen === 'auto') paint();
});

export function currentTheme(): Theme {
  const stored = localStorage.getItem(KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'auto';
}

export function applyTheme(theme: Theme): void {
  chosen = theme;
  if (theme === 'auto') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
  paint();
}
