import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/accounts/roles.js';
import { withDefaults, type Preferences } from '../src/circle/preferences.js';
import { openHome } from '../src/hub.js';
import { GOOD_PASSWORD, startAccountsHub } from './accounts/accounts-hub.js';
import { testHousehold } from './support/households.js';
import { runCli } from './support/hub-process.js';
import { testDataDir, testHubConfig } from './support/test-hub.js';

/**
 * `homeward preferences` and `homeward preferences set` (issue 6, item 10), run as the built command,
 * as a member over SSH or a script would: the same preferences GET|PUT /api/me/preferences serve,
 * the same refusals (exit 2, the flag and value named, nothing changed), unknown accounts exit 3, and
 * roles held to the permission table (me.preferences: everyone; another member's: people.manage).
 */
const homeward = (args: string[]) => runCli(args);

const NAMES: Record<Role, string> = { owner: 'Olive', family: 'Anna', carer: 'Carol', installer: 'Ian', viewer: 'Vera' };
const email = (role: Role) => `${role}@example.org`;
const roles: Role[] = ['owner', 'family', 'carer', 'installer', 'viewer'];
const DEFAULTS = withDefaults({});

interface Shown {
  userId: number;
  preferences: Preferences;
  away: { from: string; until: string } | null;
  updatedAt: string | null;
}

/** A data directory with the test household, one member of each role and one whose account is disabled. */
async function household(): Promise<{ dataDir: string; ids: Record<Role | 'former', number> }> {
  const dataDir = testDataDir();
  const home = openHome(testHubConfig(dataDir, 'silent'));
  try {
    home.household.import(testHousehold());
    const ids = {} as Record<Role | 'former', number>;
    for (const role of roles) ids[role] = (await home.accounts.create({ email: email(role), name: NAMES[role], role, password: GOOD_PASSWORD })).id;
    ids.former = (await home.accounts.create({ email: 'former@example.org', name: 'Fred', role: 'carer', password: GOOD_PASSWORD })).id;
    home.accounts.disable(ids.former);
    return { dataDir, ids };
  } finally {
    home.close();
  }
}

describe('homeward preferences', () => {
  let dataDir: string;
  let ids: Record<Role | 'former', number>;
  const at = (args: string[]) => homeward([...args, '--data-dir', dataDir]);
  const shown = async (args: string[]): Promise<Shown> => {
    const run = await at([...args, '--json']);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as Shown;
  };
  /** What is stored for a member, and how many preference changes the audit trail holds: the "nothing changed" check. */
  const stored = (userId: number) => {
    const home = openHome(testHubConfig(dataDir, 'silent'));
    try {
      return {
        row: home.store.memberProfiles.byUser(userId)?.preferences ?? null,
        audited: home.store.audit.recent(1000).filter((entry) => entry.action === 'preferences.changed').length,
      };
    } finally {
      home.close();
    }
  };

  beforeAll(async () => {
    ({ dataDir, ids } = await household());
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has --help on both commands (exit 0), is listed in homeward --help, and refuses what it does not know (exit 2)', async () => {
    for (const args of [['preferences'], ['preferences', 'set']]) {
      const run = await homeward([...args, '--help']);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(new RegExp(`^Usage: homeward ${args.join(' ')} --as EMAIL`));
    }
    const setHelp = (await homeward(['preferences', 'set', '--help'])).stdout;
    for (const flag of ['--push on|off', '--quiet HH:MM-HH:MM|off', '--digest HH:MM|off', '--mute TYPE', '--unmute TYPE', '--severity SEVERITY=on|off', 'inactivity']) expect(setHelp).toContain(flag);
    const main = await homeward(['--help']);
    expect(main.stdout).toContain('preferences --as EMAIL');
    expect(main.stdout).toContain('preferences set --as EMAIL');
    expect((await at(['preferences', 'reset', '--as', email('family')])).code).toBe(2);
    expect((await at(['preferences', '--as', email('family'), '--colour'])).code).toBe(2);
    const stray = await at(['preferences', '--as', email('family'), email('owner')]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--member');
  });

  it('shows one’s own, for every role: the defaults at first, in the API’s shape (--json) and in words', async () => {
    for (const role of roles) expect(await shown(['preferences', '--as', email(role)]), role).toEqual({ userId: ids[role], preferences: DEFAULTS, away: null, updatedAt: null });
    const text = await at(['preferences', '--as', email('carer')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Carol <carer@example.org>, carer');
    expect(text.stdout).toMatch(/push +on/);
    expect(text.stdout).toMatch(/quiet hours +none/);
    expect(text.stdout).toMatch(/daily digest +at 08:00/);

    const nobody = await at(['preferences']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('--as EMAIL');
    expect((await at(['preferences', '--as', 'nobody@example.org'])).code).toBe(3);
    const former = await at(['preferences', '--as', 'former@example.org']);
    expect(former.code).toBe(2);
    expect(former.stderr).toContain('disabled');
  });

  it('--member: the owner sees anyone’s (people.manage), nobody else does, and a refusal tells nothing of who has an account', async () => {
    expect((await shown(['preferences', '--as', email('owner'), '--member', email('family')])).userId).toBe(ids.family);
    expect((await shown(['preferences', '--as', email('family'), '--member', email('family')])).userId).toBe(ids.family); // oneself
    expect((await shown(['preferences', '--member', email('viewer')])).userId).toBe(ids.viewer); // the hub's console, as the other reading commands
    for (const role of ['family', 'carer', 'installer', 'viewer'] as const) {
      const refused = await at(['preferences', '--as', email(role), '--member', email('owner')]);
      expect(refused.code, role).toBe(2);
      expect(refused.stderr, role).toContain('people.manage');
      expect(refused.stdout, role).toBe('');
      // The same answer whether or not the account exists.
      expect((await at(['preferences', '--as', email(role), '--member', 'nobody@example.org'])).code, role).toBe(2);
    }
    expect((await at(['preferences', '--as', email('owner'), '--member', 'nobody@example.org'])).code).toBe(3);
    expect((await at(['preferences', '--as', email('owner'), '--member', 'former@example.org'])).code).toBe(3); // as GET /api/members/{id}/preferences: 404
  });

  it('set: each flag changes its part, what no flag names stays, and every change is audited', async () => {
    const before = stored(ids.family).audited;
    const first = await shown([
      'preferences', 'set', '--as', email('family'),
      '--push', 'off', '--quiet', '22:30-06:45', '--digest', '07:15',
      '--mute', 'low-battery,sensor-silent', '--mute', 'inactivity', '--severity', 'notice=off,fault=off',
    ]);
    expect(first.userId).toBe(ids.family);
    expect(first.updatedAt).toEqual(expect.any(String));
    expect(first.preferences).toEqual({
      ...DEFAULTS,
      channels: { ...DEFAULTS.channels, push: false },
      alertTypes: { ...DEFAULTS.alertTypes, 'low-battery': false, 'sensor-silent': false, inactivity: false },
      severities: { ...DEFAULTS.severities, notice: false, fault: false },
      quietHours: { start: '22:30', end: '06:45' },
      digest: { enabled: true, at: '07:15' },
    });
    expect(await shown(['preferences', '--as', email('family')])).toEqual(first);

    const second = await shown(['preferences', 'set', '--as', email('family'), '--unmute', 'sensor-silent', '--quiet', 'off', '--digest', 'off', '--severity', 'fault=on']);
    expect(second.preferences).toEqual({
      ...first.preferences,
      alertTypes: { ...first.preferences.alertTypes, 'sensor-silent': true },
      severities: { ...first.preferences.severities, fault: true },
      quietHours: null,
      digest: { enabled: false, at: '07:15' },
    });

    // Quiet hours as `homeward preferences` prints them (an en dash) are taken back as they are.
    const text = await at(['preferences', 'set', '--as', email('family'), '--quiet', '23:00–07:00', '--push', 'on']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("Saved Anna's preferences.");
    expect(text.stdout).toMatch(/quiet hours +23:00–07:00/);
    expect(text.stdout).toMatch(/alert types +all but low-battery, inactivity/);
    expect(text.stdout).toMatch(/severities +all but notice/);
    expect(text.stdout).toMatch(/daily digest +off/);

    expect(stored(ids.family).audited - before).toBe(3);
    // Only one's own: the owner's are untouched.
    expect((await shown(['preferences', '--as', email('owner')])).updatedAt).toBeNull();
  });

  /** Each run refused with exit 2, the flag and value named on stderr, and the carer's stored preferences as they were. */
  async function refused(cases: Array<[string[], string[]]>): Promise<void> {
    await at(['preferences', 'set', '--as', email('carer'), '--quiet', '23:00-07:00']);
    const before = stored(ids.carer);
    expect(before.row).not.toBeNull();
    for (const [flags, named] of cases) {
      const run = await at(['preferences', 'set', '--as', email('carer'), ...flags]);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stdout, flags.join(' ')).toBe('');
      for (const text of named) expect(run.stderr, flags.join(' ')).toContain(text);
    }
    expect(stored(ids.carer)).toEqual(before);
  }

  it('set refuses a bad --push, --quiet or --digest with exit 2, naming the flag and the value, and changes nothing', async () => {
    await refused([
      [['--push', 'maybe'], ['--push', '"maybe"']],
      [['--push', 'ON'], ['--push', '"ON"']],
      [['--quiet', '22:00'], ['--quiet', '"22:00"']],
      [['--quiet', '25:00-07:00'], ['--quiet', '"25:00-07:00"']],
      [['--quiet', '22:00-07:00-08:00'], ['--quiet']],
      [['--quiet', '10pm-7am'], ['--quiet', '"10pm-7am"']],
      [['--quiet', '22:00-22:00'], ['--quiet', '"22:00-22:00"', 'different start and end']],
      [['--digest', '8am'], ['--digest', '"8am"']],
      [['--digest', '8:00'], ['--digest', '"8:00"']],
      [['--push', 'off', '--digest', 'soon'], ['--digest', '"soon"']], // one bad flag spoils the lot: push stays on
    ]);
  });

  it('set refuses unknown alert types and severities, contradictions, and asking for nothing, with exit 2; and says whose', async () => {
    await refused([
      [['--mute', 'fire-alarm'], ['--mute', '"fire-alarm"']],
      [['--mute', 'night-exit,'], ['--mute', '"night-exit,"']],
      [['--unmute', 'walking'], ['--unmute', '"walking"']],
      [['--mute', 'night-exit', '--unmute', 'night-exit'], ['--mute', '--unmute', 'night-exit']],
      [['--severity', 'urgent'], ['--severity', '"urgent"']],
      [['--severity', 'critical=off'], ['--severity', '"critical=off"']],
      [['--severity', 'urgent=maybe'], ['--severity', '"urgent=maybe"']],
      [['--severity', 'notice=off', '--severity', 'notice=on'], ['--severity', 'notice']],
      [[], ['something to change']],
      [['--member', email('family'), '--push', 'off'], ['--member']],
    ]);
    expect((await at(['preferences', 'set', '--push', 'off'])).code).toBe(2); // whose, must be said
    expect((await at(['preferences', 'set', '--as', 'nobody@example.org', '--push', 'off'])).code).toBe(3);
    expect((await at(['preferences', 'set', '--as', 'former@example.org', '--push', 'off'])).code).toBe(2);
    expect(stored(ids.former).row).toBeNull();
  });
});

describe('homeward preferences and the API', () => {
  it('are one thing: the same answer, the same refusals, and a running hub decides with what the CLI set', async () => {
    const { dataDir, ids } = await household();
    const t = await startAccountsHub({ dataDir });
    try {
      const { cookie, csrfToken } = await t.signIn(email('family'), GOOD_PASSWORD);
      const api = async (method: 'GET' | 'PUT', payload?: object) => {
        const response = await t.hub.http.inject({ method, url: '/api/me/preferences', headers: { cookie, ...(method === 'PUT' ? { 'x-csrf-token': csrfToken } : {}) }, ...(payload === undefined ? {} : { payload }) });
        return { status: response.statusCode, body: response.json() as Shown & { error?: string } };
      };
      const cli = async (args: string[]) => {
        const run = await homeward([...args, '--json', '--data-dir', dataDir]);
        expect(run.code, run.stderr).toBe(0);
        return JSON.parse(run.stdout) as Shown;
      };

      // Set on the command line while the hub runs: its API and its escalation (preferencesOf) read the same at once.
      const set = await cli(['preferences', 'set', '--as', email('family'), '--quiet', '22:00-07:00', '--mute', 'low-battery', '--severity', 'notice=off']);
      expect(await api('GET')).toEqual({ status: 200, body: set });
      expect(t.hub.api.circle.preferencesOf(ids.family)).toEqual(set.preferences);

      // Set through the API: the command line shows what the API answered, field for field.
      const put = await api('PUT', { ...set.preferences, digest: { enabled: true, at: '06:30' } });
      expect(put.status).toBe(200);
      expect(await cli(['preferences', '--as', email('family')])).toEqual(put.body);
      expect(await cli(['preferences', '--as', email('owner'), '--member', email('family')])).toEqual(put.body);

      // What the API refuses, the command line refuses too, and neither changes anything.
      for (const [flags, body] of [
        [['--quiet', '22:00-22:00'], { quietHours: { start: '22:00', end: '22:00' } }],
        [['--quiet', '24:00-07:00'], { quietHours: { start: '24:00', end: '07:00' } }],
        [['--digest', '7:30'], { digest: { enabled: true, at: '7:30' } }],
        [['--mute', 'fire-alarm'], { alertTypes: { 'fire-alarm': false } }],
        [['--severity', 'critical=off'], { severities: { critical: false } }],
      ] as const) {
        expect((await api('PUT', body)).status, JSON.stringify(body)).toBe(400);
        expect((await homeward(['preferences', 'set', '--as', email('family'), ...flags, '--data-dir', dataDir])).code, flags.join(' ')).toBe(2);
      }
      expect(await api('GET')).toEqual({ status: 200, body: put.body });
    } finally {
      await t.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
