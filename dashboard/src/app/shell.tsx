import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLiveState } from './live';
import { useLocation } from './router';
import { SCREENS } from './screens';
import { may, signOut, type User } from './session';
import { applyTheme, currentTheme, type Theme } from './theme';

/**
 * The frame around every signed-in screen: a skip link, the navigation this role may use, whether
 * the dashboard is live, the theme, and signing out.
 */
export function Shell(props: { user: User; offline: boolean; children: ComponentChildren }) {
  const location = useLocation();
  const live = useLiveState();
  const [theme, setTheme] = useState<Theme>(currentTheme());
  const nav = SCREENS.filter((entry) => entry.nav && may(props.user, entry.needs));
  const state = props.offline ? 'offline' : live;
  const nextTheme: Theme = theme === 'dark' ? 'light' : theme === 'light' ? 'auto' : 'dark';
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a href={nav[0]?.path ?? '/'} class="brand" aria-label="Homeward, start">
          <img src="/icons/icon.svg" alt="" width="28" height="28" />
          <span>Homeward</span>
        </a>
        <span class={`live live-${state}`} role="status" aria-live="polite">
          {state === 'live' ? 'Live' : state === 'connecting' ? 'Reconnecting…' : 'Offline: showing last known state'}
        </span>
        <div class="topbar-actions">
          <button
            type="button"
            class="button button-plain"
            aria-label={`Theme: ${theme}. Switch to ${nextTheme}`}
            onClick={() => {
              applyTheme(nextTheme);
              setTheme(nextTheme);
            }}
          >
            {theme === 'dark' ? 'Dark' : theme === 'light' ? 'Light' : 'Auto'}
          </button>
          <button type="button" class="button button-plain" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="nav" aria-label="Screens">
        <ul>
          {nav.map((entry) => {
            const current = entry.path === '/' ? location.path === '/' || location.path.startsWith('/incidents/') : location.path.startsWith(entry.path);
            return (
              <li key={entry.path}>
                <a href={entry.path} aria-current={current ? 'page' : undefined}>
                  {entry.title}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" class="main">
        {props.children}
      </main>
      <footer class="footer">
        Signed in as {props.user.name || props.user.email} ({props.user.role})
      </footer>
    </div>
  );
}
