import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { roles, type Role } from '../../src/accounts/roles.js';
import type { AlertDraft } from '../../src/core/alerts.js';
import { isPermission, roleMay, type Permission } from '../../src/http/permissions.js';
import { accessibilityViolations, keepScreenshot, openPage, signInAs, type AxeViolation } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

/**
 * Issue 8, "Each role sees only what it may", and "an axe-core accessibility check of every screen".
 * The expectation is read off the dashboard's own route table (dashboard/src/app/screens.ts) and the
 * hub's permission table (src/http/permissions.ts), so a screen added to either is checked here too.
 */
interface ScreenRow {
  path: string;
  title: string;
  needs: Permission;
  nav: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The route table, read from its source (importing it would pull the whole dashboard into Node). */
function routeTable(): ScreenRow[] {
  const source = readFileSync(path.join(here, '../../dashboard/src/app/screens.ts'), 'utf8');
  const table = source.slice(source.indexOf('export const SCREENS'));
  const rows: ScreenRow[] = [];
  for (const match of table.matchAll(/\{\s*path:\s*'([^']+)',\s*title:\s*'([^']+)',\s*needs:\s*'([^']+)',\s*screen:\s*\w+\s*(?:,\s*nav:\s*(true|false)\s*)?,?\s*\}/g)) {
    const [, routePath, title, needs, nav] = match as unknown as [string, string, string, string, string | undefined];
    if (!isPermission(needs)) throw new Error(`screens.ts: ${routePath} needs unknown permission ${needs}`);
    rows.push({ path: routePath, title, needs, nav: nav === 'true' });
  }
  // Every entry must have been read: a row in a shape this reader misses would silently go unchecked.
  expect(rows.length, 'rows read from screens.ts').toBe((table.match(/\bpath:\s*'/g) ?? []).length);
  expect(rows.length).toBeGreaterThan(0);
  return rows;
}

const SCREENS = routeTable();
/** What an installer must never be sent (DESIGN.md, "Roles": no location, notes or medication). */
const NEVER_FOR_INSTALLER = /^\/api\/(positions|care-log|medication)(\/|$)/;

function localDate(at = new Date()): string {
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
}

describe('each role’s view of the dashboard', () => {
  const env = useDashboardHub();
  let incidentId: string;
  let faultId: string;

  beforeAll(async () => {
    const raise = (draft: Pick<AlertDraft, 'type' | 'key' | 'severity' | 'title'> & Partial<AlertDraft>) => {
      env.hub.hub.alerts.commit({ raise: [{ at: Date.now(), details: {}, ...draft }], clear: [], doses: [] });
      const row = env.hub.hub.store.alerts.byKey(draft.key);
      if (row === undefined) throw new Error(`${draft.key} was not raised`);
      return row;
    };
    const exit = raise({ type: 'night-exit', key: 'night-exit:front-door:roles-test', severity: 'urgent', deviceId: 'front-door', title: 'Front door opened at night' });
    if (exit.incidentId === null) throw new Error('the night exit opened no incident');
    incidentId = exit.incidentId;
    faultId = raise({ type: 'sensor-silent', key: 'sensor-silent:pillbox:roles-test', severity: 'fault', deviceId: 'pillbox', title: 'The pill box has gone quiet' }).id;
  });

  /** A concrete address for each route: ids of a raised incident and fault, today's digest. */
  function addressOf(screen: ScreenRow): string {
    return screen.path
      .replace(':id', screen.path.startsWith('/incidents/') ? incidentId : faultId)
      .concat(screen.path === '/digest' ? `?date=${localDate()}` : '');
  }

  /** Opens an address and waits until the screen has stopped loading. */
  async function visit(page: Page, address: string): Promise<void> {
    await page.goto(address);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await expect.poll(() => page.locator('.loading, [aria-busy="true"]').count(), { timeout: 10_000, message: `${address} still loading` }).toBe(0);
  }

  it('reads a route table that covers every screen in the navigation', () => {
    expect(SCREENS.filter((s) => s.nav).map((s) => s.path)).toContain('/installer');
    expect(SCREENS.map((s) => s.path)).toEqual(expect.arrayContaining(['/', '/incidents/:id', '/alerts/:id', '/digest']));
  });

  for (const role of roles) {
    it(`shows ${role} exactly the screens the role may use, and only reads it may make`, async () => {
      const watched = await openPage(env.browser, env.hub);
      const { page, context, problems } = watched;
      const refused: string[] = [];
      const asked: string[] = [];
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (url.pathname.startsWith('/api/') && response.status() === 403) refused.push(`${response.request().method()} ${url.pathname}`);
      });
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/api/')) asked.push(url.pathname);
      });
      await signInAs(watched, env.hub, role as Role);

      const allowed = SCREENS.filter((s) => roleMay(role, s.needs));
      const expectedNav = SCREENS.filter((s) => s.nav && roleMay(role, s.needs)).map((s) => s.title);
      await page.goto('/');
      const nav = page.getByRole('navigation', { name: 'Screens' });
      await nav.getByRole('link').first().waitFor();
      expect(await nav.getByRole('link').allTextContents()).toEqual(expectedNav);
      // Each role starts on the first screen it may use.
      const start = SCREENS.find((s) => s.nav && roleMay(role, s.needs))?.path;
      await expect.poll(() => new URL(page.url()).pathname).toBe(start);

      for (const screen of SCREENS) {
        const address = addressOf(screen);
        refused.length = 0;
        await visit(page, address);
        const heading = (await page.getByRole('heading', { level: 1 }).first().textContent()) ?? '';
        if (allowed.includes(screen)) expect(heading, `${role} at ${address}`).not.toBe('Not for your role');
        // The start address sends a role that may not use Home to its own first screen instead.
        else if (screen.path === '/') expect(new URL(page.url()).pathname, `${role} at /`).toBe(start);
        else expect(heading, `${role} at ${address}`).toBe('Not for your role');
        expect(refused, `${role} at ${address}: refused reads`).toEqual([]);
      }

      if (role === 'installer') {
        expect(asked.filter((p) => NEVER_FOR_INSTALLER.test(p)), 'installer asked for location, notes or medication').toEqual([]);
        const text = (await page.locator('body').textContent()) ?? '';
        expect(text).not.toMatch(/51\.50|-0\.127/);
      }
      expect(problems, role).toEqual([]);
      await context.close();
    });
  }

  it('passes axe on every screen, as the owner on a phone', async () => {
    const watched = await openPage(env.browser, env.hub);
    await signInAs(watched, env.hub, 'owner');
    const found: Record<string, AxeViolation[]> = {};
    for (const screen of SCREENS) {
      const address = addressOf(screen);
      await visit(watched.page, address);
      const violations = await accessibilityViolations(watched.page);
      if (violations.length > 0) found[address] = violations;
      await keepScreenshot(watched.page, `every-screen-owner-phone${screen.path.replace(/[/:]+/g, '-').replace(/-$/, '') || '-home'}`);
    }
    expect(found).toEqual({});
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });
});
