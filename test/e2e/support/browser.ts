/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser: they are typed against the DOM.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Role } from '../../../src/accounts/roles.js';
import { PASSWORD, type DashboardHub } from './dashboard-hub.js';

/**
 * Debian's Chromium driven by playwright-core (DEVELOPERS.md: no browser download). Each page
 * records console errors, failed scripts and CSP violations, so a test fails on them rather than
 * passing over a broken screen.
 */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export const PHONE = { width: 360, height: 780 } as const;
export const DESKTOP = { width: 1280, height: 860 } as const;

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, '..', 'artifacts');

export const CHROMIUM = process.env.HOMEWARD_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
}

/** A fresh browser profile (its own cookies and storage) with one page, watched for errors. */
export async function openPage(browser: Browser, hub: DashboardHub, options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<Watched> {
  const context = await browser.newContext({ baseURL: hub.baseUrl, viewport: options.viewport ?? PHONE, colorScheme: options.colorScheme ?? 'light', serviceWorkers: 'allow' });
  // Playwright's actions wait for ever by default; a test that waits for something that never comes should say what.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // A refused request (401 before sign-in, 403 for a role) is logged by Chromium as a console error; the test checks those answers itself.
    if (/Failed to load resource: the server responded with a status of (400|401|403|404|409|412|422|429)/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, context, problems };
}

/** Signs in through the API, as the sign-in form does; the browser profile keeps the cookie. */
export async function signInAs(watched: Watched, hub: DashboardHub, role: Role): Promise<void> {
  const response = await watched.context.request.post('/api/auth/login', { data: { email: hub.members[role].email, password: PASSWORD }, headers: { origin: hub.baseUrl } });
  if (!response.ok()) throw new Error(`sign-in as ${role} failed: ${response.status()} ${await response.text()}`);
}

/** A screenshot kept as a test artifact (test/e2e/artifacts/, not committed). */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG 2.x A and AA checks on the page as it is now. Run through the DevTools protocol
 * (page.evaluate), so the dashboard's CSP need not allow an injected script.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => JSON.stringify(node.target)) }));
  });
}
