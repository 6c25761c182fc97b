import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { startTestHub } from '../support/test-hub.js';

/**
 * `npm run bench:dashboard` (issue 8's budget: "the home screen usable within 1 s on the home
 * network"). A real hub on loopback and Debian's Chromium with a phone's view: the network slowed to
 * home Wi-Fi (20 Mbit/s, 10 ms round trip) and the CPU slowed 4× (a mid-range phone). "Usable" is the
 * moment the home screen shows its incidents, doors and doses from the hub, not just a frame.
 * Cold: a new browser profile (nothing cached). Warm: the same profile again (cache and service worker).
 * Measured, never asserted: the figures are printed for the README and the notes.
 */
const RUNS = Number(process.env.RUNS ?? 7);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const t = await startTestHub({ log: pino({ level: 'silent' }), config: (config) => (config.map = { tiles: '', attribution: '' }) });
  await t.hub.home.accounts.create({ email: 'anna@example.org', role: 'family', password: 'kettle on the windowsill 7', name: 'Anna' });
  const browser = await chromium.launch({ executablePath: process.env.HOMEWARD_CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
  const base = `http://127.0.0.1:${t.httpPort}`;
  const results: Record<'cold' | 'warm', number[]> = { cold: [], warm: [] };
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 780 } });
      await context.request.post('/api/auth/login', { data: { email: 'anna@example.org', password: 'kettle on the windowsill 7' }, headers: { origin: base } });
      for (const kind of ['cold', 'warm'] as const) {
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 10, downloadThroughput: (20e6 / 8), uploadThroughput: (10e6 / 8) });
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        await page.goto('/');
        // Strings, not functions: they run in the page, and this file is built without the DOM's types.
        await page.waitForFunction("document.querySelector('#incidents .headline, #incidents .list') && document.querySelector('#doors .list') && document.querySelector('#doses .list, #doses .empty')");
        results[kind].push(Number(await page.evaluate('performance.now()')));
        await page.close();
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await t.stop();
  }
  const line = (kind: 'cold' | 'warm') => `${kind.padEnd(5)} median ${median(results[kind]).toFixed(0)} ms, worst ${Math.max(...results[kind]).toFixed(0)} ms over ${RUNS} loads`;
  process.stdout.write(`Home screen usable (360 px, 20 Mbit/s + 10 ms, CPU 4× slower; hub on this machine):\n  ${line('cold')}\n  ${line('warm')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
