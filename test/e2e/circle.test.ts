import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/accounts/roles.js';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs, type Watched } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';
import { PASSWORD } from './support/dashboard-hub.js';

/**
 * Issue 8, screen 7: the circle. The owner invites someone by a link that works in a fresh browser,
 * changes a role, arranges the rota; each member keeps their own quiet hours; an installer sees only
 * their own notifications.
 */
describe('circle', () => {
  const env = useDashboardHub();

  const open = async (role: Role, options: Parameters<typeof openPage>[2] = {}): Promise<Watched> => {
    const watched = await openPage(env.browser, env.hub, options);
    await signInAs(watched, env.hub, role);
    await watched.page.goto('/circle');
    await watched.page.getByRole('heading', { level: 2, name: 'My notifications' }).waitFor();
    return watched;
  };
  const apiGet = async (watched: Watched, path: string) => (await watched.context.request.get(path)).json() as Promise<Record<string, unknown>>;

  it('the owner invites someone; the link, opened in a fresh browser, signs them in with that role', async () => {
    const owner = await open('owner');
    await owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.hub.baseUrl });
    await owner.page.getByLabel('Their role').selectOption('carer');
    await owner.page.getByLabel('Their name (optional)').fill('Priya');
    await owner.page.getByRole('button', { name: 'Create an invitation link' }).click();
    const linkBox = owner.page.getByLabel('Invitation link', { exact: true });
    await linkBox.waitFor();
    const link = await linkBox.inputValue();
    expect(link).toMatch(/\/invite\?token=[\w-]+$/);
    await owner.page.getByRole('button', { name: 'Copy', exact: true }).click();
    await owner.page.getByText('Copied.').waitFor();
    expect(await owner.page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    const pending = owner.page.locator('[data-invitation]').filter({ hasText: 'Priya' });
    await expect.poll(() => pending.textContent()).toContain('Waiting to be used');

    // The hub's link names its configured port (0 in tests): open the same path on the real one.
    const { pathname, search } = new URL(link);
    const newcomer = await openPage(env.browser, env.hub);
    await newcomer.page.goto(`${pathname}${search}`);
    await newcomer.page.getByRole('heading', { name: 'Join the care circle' }).waitFor();
    expect(await newcomer.page.getByLabel('Your name').inputValue()).toBe('Priya');
    await newcomer.page.getByLabel('Email').fill('priya@example.org');
    await newcomer.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await newcomer.page.getByLabel('Password again').fill(PASSWORD);
    await newcomer.page.getByRole('button', { name: 'Join' }).click();
    await newcomer.page.getByRole('heading', { level: 1, name: 'How is Margaret?' }).waitFor();
    expect(await newcomer.page.locator('footer').textContent()).toContain('Priya (carer)');
    expect(await apiGet(newcomer, '/api/me')).toMatchObject({ name: 'Priya', role: 'carer', email: 'priya@example.org' });

    // The owner's open page hears of it (live), and the link cannot be used twice.
    await expect.poll(() => pending.textContent(), { timeout: 10_000 }).toContain('Joined');
    await owner.page.locator('[data-member]').filter({ hasText: 'Priya' }).waitFor();
    expect(owner.problems).toEqual([]);
    expect(newcomer.problems).toEqual([]);
    await owner.context.close();
    await newcomer.context.close();
  });

  it('the owner changes a role, and adds a shift to the rota', async () => {
    const owner = await open('owner');
    const vera = owner.page.locator(`[data-member="${env.hub.members.viewer.id}"]`);
    await vera.getByLabel('Role').selectOption('family');
    await vera.getByRole('button', { name: 'Change Vera’s role' }).click();
    await expect.poll(() => vera.textContent()).toContain('Family:');
    const members = (await apiGet(owner, '/api/members')).members as Array<{ id: number; role: string }>;
    expect(members.find((member) => member.id === env.hub.members.viewer.id)?.role).toBe('family');

    await owner.page.getByRole('button', { name: 'Add a shift' }).click();
    const form = owner.page.locator('form').filter({ has: owner.page.getByRole('button', { name: 'Add the shift' }) });
    await form.getByLabel('Who is on call').selectOption({ label: 'Anna' });
    await form.getByLabel('From', { exact: true }).fill('21:30');
    await form.getByLabel('Until', { exact: true }).fill('07:00');
    await form.getByLabel('Saturday').uncheck();
    await form.getByLabel('Sunday').uncheck();
    await form.getByRole('button', { name: 'Add the shift' }).click();
    const shift = owner.page.locator('[data-shift]').filter({ hasText: 'Anna' });
    await shift.waitFor();
    expect(await shift.textContent()).toContain('Weekdays, 21:30–07:00 (overnight)');
    const rota = (await apiGet(owner, '/api/rota')) as { shifts: Array<Record<string, unknown>> };
    expect(rota.shifts).toEqual([expect.objectContaining({ userId: env.hub.members.family.id, start: '21:30', end: '07:00', tier: 1, days: ['mon', 'tue', 'wed', 'thu', 'fri'], overnight: true })]);
    expect(owner.problems).toEqual([]);
    await owner.context.close();
  });

  it('quiet hours and the digest time are saved and read back', async () => {
    const family = await open('family');
    await family.page.getByLabel('Keep quiet hours').check();
    await family.page.getByLabel('Quiet from').fill('23:00');
    await family.page.getByLabel('Until', { exact: true }).fill('06:30');
    await family.page.getByLabel('Send me a short summary of each day').check();
    await family.page.locator('#digest-at').fill('19:15');
    await family.page.getByRole('button', { name: 'Save my preferences' }).click();
    await family.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    await family.page.reload();
    await family.page.getByRole('heading', { level: 2, name: 'My notifications' }).waitFor();
    await expect.poll(() => family.page.getByLabel('Quiet from').inputValue()).toBe('23:00');
    expect(await family.page.getByLabel('Until', { exact: true }).inputValue()).toBe('06:30');
    expect(await family.page.getByLabel('Keep quiet hours').isChecked()).toBe(true);
    expect(await family.page.locator('#digest-at').inputValue()).toBe('19:15');
    expect(await apiGet(family, '/api/me/preferences')).toMatchObject({ preferences: { quietHours: { start: '23:00', end: '06:30' }, digest: { enabled: true, at: '19:15' } } });
    expect(family.problems).toEqual([]);
    await family.context.close();
  });

  it('an installer sees only their own notifications', async () => {
    const installer = await open('installer');
    await installer.page.getByRole('heading', { level: 1, name: 'My notifications' }).waitFor();
    await installer.page.getByRole('button', { name: 'Save my preferences' }).waitFor();
    const sections = await installer.page.getByRole('heading', { level: 2 }).allTextContents();
    expect(sections).toEqual(['My notifications']);
    expect(await installer.page.getByText('Who is in the circle').count()).toBe(0);
    // Told of sensor faults only, and never on call: no choices about her, no "I'm away".
    await installer.page.getByLabel('A sensor stops reporting').waitFor();
    expect(await installer.page.getByLabel('A door opens at night').count()).toBe(0);
    expect(await installer.page.getByRole('button', { name: 'I’m away' }).count()).toBe(0);
    expect(installer.problems).toEqual([]);
    await installer.context.close();
  });

  it('each section is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        // The installer's page is the owner's last section alone: one size and scheme is enough for it.
        for (const role of size === 'phone' && colorScheme === 'light' ? (['owner', 'installer'] as const) : (['owner'] as const)) {
          const watched = await open(role, { ...(viewport ? { viewport } : {}), colorScheme });
          if (role === 'owner') {
            await watched.page.locator('[data-shift]').first().waitFor();
            await watched.page.getByText('Who was woken this week').waitFor();
            // The forms that open in place are checked too.
            await watched.page.getByRole('button', { name: /^Cover a turn/ }).first().click();
            await watched.page.getByRole('button', { name: 'Cover this turn' }).waitFor();
          }
          await watched.page.getByRole('button', { name: 'Save my preferences' }).waitFor();
          expect(await accessibilityViolations(watched.page), `${role} ${size} ${colorScheme}`).toEqual([]);
          const width = await watched.page.evaluate(() => document.documentElement.scrollWidth);
          expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
          await keepScreenshot(watched.page, `circle-${role}-${size}-${colorScheme}`);
          expect(watched.problems).toEqual([]);
          await watched.context.close();
        }
      }
    }
  }, 90_000);
});
