import { render } from 'preact';
import { App } from './app/app';
import { applyTheme, currentTheme } from './app/theme';
import './styles.css';

applyTheme(currentTheme());
render(<App />, document.getElementById('app') as HTMLElement);

// The service worker shows notifications and keeps the shell for offline use (public/service-worker.js).
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/service-worker.js', { scope: '/' }).catch(() => {
      // Without it the dashboard still works online; notifications on this device will say why they cannot be enabled.
    });
  });
}
