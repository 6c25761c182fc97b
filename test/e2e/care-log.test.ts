import { describe, expect, it } from 'vitest';
import { accessibilityViolations, DESKTOP, keepScreenshot, openPage, signInAs, type Watched } from './support/browser.js';
import { useDashboardHub } from './support/use-dashboard-hub.js';

/**
 * Issue 8, screen 6: the care log. A carer's handover reaches the family's open page live, and the
 * family's thanks comes back the same way; one edits one's own notes; an empty note and a viewer's
 * note are refused.
 */
describe('care log', () => {
  const env = useDashboardHub();
  const HANDOVER = 'Margaret ate a good lunch and slept after. Her left knee is sore: keep the stick by her chair.';

  const open = async (role: 'carer' | 'family' | 'viewer' | 'owner', options: Parameters<typeof openPage>[2] = {}): Promise<Watched> => {
    const watched = await openPage(env.browser, env.hub, options);
    await signInAs(watched, env.hub, role);
    await watched.page.goto('/care-log');
    await watched.page.getByRole('heading', { level: 1, name: 'Care log' }).waitFor();
    return watched;
  };

  it('a handover reaches the family without a reload, and their thanks reaches the carer', async () => {
    const carer = await open('carer');
    const family = await open('family');
    await family.page.getByText('Nothing written yet.').waitFor();
    await family.page.locator('.live-live').waitFor();
    await carer.page.locator('.live-live').waitFor();
    await family.page.evaluate(() => ((window as unknown as { stillThisPage: boolean }).stillThisPage = true));

    // Nothing written: refused here, with a sentence next to the box.
    await carer.page.getByRole('button', { name: 'Hand over' }).click();
    const box = carer.page.getByLabel('What the next person should know');
    await expect.poll(() => carer.page.getByRole('alert').textContent()).toMatch(/handover is empty/);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await box.getAttribute('aria-describedby')).toContain('care-text-error');

    await box.fill(HANDOVER);
    await carer.page.getByRole('button', { name: 'Hand over' }).click();
    await carer.page.getByRole('status').filter({ hasText: 'Handed over' }).waitFor();
    expect(await box.inputValue()).toBe('');

    const atFamily = family.page.locator('[data-note]').filter({ hasText: HANDOVER });
    await atFamily.waitFor({ timeout: 10_000 });
    expect(await atFamily.textContent()).toMatch(/Handover.*Carol/);
    expect(await family.page.locator('#latest-handover').textContent()).toContain(HANDOVER);
    // Family may not edit Carol's words.
    expect(await atFamily.getByRole('button', { name: /^Edit/ }).count()).toBe(0);

    const thanks = atFamily.getByRole('button', { name: /^Thanks for Carol’s handover/ });
    expect(await thanks.getAttribute('aria-pressed')).toBe('false');
    await thanks.click();
    await expect.poll(() => thanks.getAttribute('aria-pressed')).toBe('true');
    const atCarer = carer.page.locator('[data-note]').filter({ hasText: HANDOVER });
    await expect.poll(() => atCarer.textContent(), { timeout: 10_000 }).toContain('Thanks from Anna');

    expect(await family.page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);
    await keepScreenshot(family.page, 'care-log-family-phone');
    expect(carer.problems).toEqual([]);
    expect(family.problems).toEqual([]);
    await carer.context.close();
    await family.context.close();
  });

  it('the author edits their own note; an emptied note is refused', async () => {
    const carer = await open('carer');
    await carer.page.getByLabel('Visit', { exact: true }).check();
    await carer.page.getByLabel('About the visit').fill('Came at 10, we did the crossword.');
    await carer.page.getByRole('button', { name: 'Record the visit' }).click();
    const written = carer.page.locator('[data-note]').filter({ hasText: 'we did the crossword' });
    await written.waitFor();
    // The words move into a text box while editing: find the entry by its id from here on.
    const visit = carer.page.locator(`[data-note="${await written.getAttribute('data-note')}"]`);

    await visit.getByRole('button', { name: 'Edit your visit' }).click();
    const words = visit.getByLabel('Your words');
    await words.fill('   ');
    await visit.getByRole('button', { name: 'Save the change' }).click();
    await expect.poll(() => visit.getByRole('alert').textContent()).toMatch(/empty/);

    await words.fill('Came at 10, we did the crossword and walked to the shop.');
    await visit.getByRole('button', { name: 'Save the change' }).click();
    const edited = carer.page.locator('[data-note]').filter({ hasText: 'walked to the shop' });
    await edited.waitFor();
    expect(await edited.textContent()).toMatch(/edited/);
    const stored = (await env.hub.hub.api.care.careLog.list({ limit: 10 })).notes.find((note) => note.text.includes('walked to the shop'));
    expect(stored).toMatchObject({ kind: 'visit', author: { name: 'Carol' } });
    expect(carer.problems).toEqual([]);
    await carer.context.close();
  });

  it('a viewer reads the log but is offered no way to write, and the hub refuses them', async () => {
    const viewer = await open('viewer');
    await viewer.page.locator('[data-note]').filter({ hasText: HANDOVER }).waitFor();
    expect(await viewer.page.getByRole('button', { name: 'Hand over' }).count()).toBe(0);
    expect(await viewer.page.locator('textarea').count()).toBe(0);
    expect(await viewer.page.getByRole('button', { name: /^(Thanks|Seen|Edit|Delete)/ }).count()).toBe(0);
    // Reactions are still shown to the viewer, as words.
    expect(await viewer.page.locator('[data-note]').filter({ hasText: HANDOVER }).textContent()).toContain('Thanks from Anna');

    const session = await (await viewer.context.request.get('/api/auth/session')).json() as { csrfToken: string };
    const refused = await viewer.context.request.post('/api/care-log', { data: { kind: 'note', text: 'hello' }, headers: { origin: env.hub.baseUrl, 'x-csrf-token': session.csrfToken } });
    expect(refused.status()).toBe(403);
    expect(viewer.problems).toEqual([]);
    await viewer.context.close();
  });

  it('a carer keeps her profile current; the family sees it without a reload; a viewer only reads', async () => {
    const carer = await openPage(env.browser, env.hub);
    await signInAs(carer, env.hub, 'carer');
    await carer.page.goto('/profile');
    const family = await openPage(env.browser, env.hub);
    await signInAs(family, env.hub, 'family');
    await family.page.goto('/profile');
    await family.page.getByRole('heading', { level: 1, name: 'About Margaret' }).waitFor();
    await family.page.locator('.live-live').waitFor();
    expect(await family.page.locator('#profile-likelyPlaces-view').textContent()).toContain("St Mary's church");

    await carer.page.getByRole('button', { name: 'Edit the profile' }).click();
    await carer.page.getByRole('button', { name: 'Add a routine' }).click();
    // The new line takes focus, so typing starts at once.
    await expect.poll(() => carer.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Her day, line 1');
    await carer.page.keyboard.type('Tea and a biscuit at 4');
    await carer.page.getByRole('button', { name: 'Add something that calms her' }).click();
    await carer.page.getByLabel('What calms her, line 1').fill('Talk about her garden');
    await carer.page.getByRole('button', { name: 'Remove line 1 of Places she may go' }).click();
    await carer.page.getByLabel('What she looks like').fill('5\'4", grey coat, walks with a stick');
    await carer.page.getByRole('button', { name: 'Save the profile' }).click();
    await carer.page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    await expect.poll(() => family.page.locator('#profile-routines-view').textContent(), { timeout: 10_000 }).toContain('Tea and a biscuit at 4');
    expect(await family.page.locator('#profile-calming-view').textContent()).toContain('Talk about her garden');
    expect(await family.page.locator('#profile-likelyPlaces-view').textContent()).toContain('No places written down yet.');
    expect(env.hub.hub.household.view().household.person).toMatchObject({ routines: ['Tea and a biscuit at 4'], calming: ['Talk about her garden'], likelyPlaces: [], description: '5\'4", grey coat, walks with a stick' });

    const viewer = await openPage(env.browser, env.hub);
    await signInAs(viewer, env.hub, 'viewer');
    await viewer.page.goto('/profile');
    await viewer.page.getByText('Tea and a biscuit at 4').waitFor();
    expect(await viewer.page.getByRole('button', { name: 'Edit the profile' }).count()).toBe(0);
    expect(await accessibilityViolations(family.page)).toEqual([]);
    await keepScreenshot(family.page, 'profile-phone-light');
    await carer.page.getByRole('button', { name: 'Edit the profile' }).click();
    expect(await accessibilityViolations(carer.page)).toEqual([]);
    await keepScreenshot(carer.page, 'profile-edit-phone-light');
    for (const watched of [carer, family, viewer]) {
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    }
  });

  it('is accessible and fits a phone and a desktop, in light and dark', async () => {
    for (const [size, viewport] of [['phone', undefined], ['desktop', DESKTOP]] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await open('owner', { ...(viewport ? { viewport } : {}), colorScheme });
        await watched.page.locator('[data-note]').first().waitFor();
        // The delete question open too, so it is checked as well.
        await watched.page.locator('[data-note]').first().getByRole('button', { name: /^Delete/ }).click();
        expect(await accessibilityViolations(watched.page), `${size} ${colorScheme}`).toEqual([]);
        const width = await watched.page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'no sideways scrolling').toBeLessThanOrEqual(viewport?.width ?? 360);
        await keepScreenshot(watched.page, `care-log-${size}-${colorScheme}`);
        expect(watched.problems).toEqual([]);
        await watched.context.close();
      }
    }
  });
});
