import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isClockTime } from '../circle/clock-times.js';
import type { MemberPreferences } from '../circle/preference-service.js';
import { Preferences, type PreferenceSeverity } from '../circle/preferences.js';
import { alertTypes, type AlertType } from '../core/alerts.js';
import { HomewardError, isHomewardError } from '../core/errors.js';
import { assertSchema } from '../core/schema-check.js';
import { openHome, type Home } from '../home.js';
import type { UserRow } from '../store/users-repo.js';
import { actingMember, circleTools, configFrom, memberByEmail } from './circle-commands.js';
import { iso } from '../core/iso-time.js';

/**
 * `homeward preferences` and `homeward preferences set` (issue 6, item 10: the CLI exposes the
 * preferences of item 1): a member's push switch, alert types and severities, quiet hours and daily
 * digest, as GET|PUT /api/me/preferences and GET /api/members/{id}/preferences serve them.
 *
 * The same preference service the API runs makes every change (circleTools, circle-commands.ts), and
 * the flags build the same body the API's PUT takes, checked against the same TypeBox schema
 * (src/circle/preferences.ts) before the service sees it; so a value the API refuses, the CLI refuses
 * too, naming the flag and the value, and nothing changes (exit 2). Roles are those of
 * src/http/permissions.ts: one's own preferences are everyone's (me.preferences); another member's are
 * the owner's to see (people.manage); nobody sets another's, as the API has no route for it.
 *
 * A running hub needs no telling: escalation and the digest read each member's preferences from the
 * database whenever they decide who is told (circle.preferencesOf).
 */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const preferenceUsage: Record<string, string> = {
  preferences: `Usage: homeward preferences --as EMAIL [--member EMAIL] [--json]

Shows the notification preferences of the member EMAIL: push on or off, the alert types and severities
they are told of, quiet hours and the daily digest (local times in the home's time zone), and whether
they are away. The owner may add --member EMAIL to see another member's (who will be told what);
without --as, --member answers the person at the hub's console. Exit 2 if --as may not see them, 3 if
there is no account for an EMAIL.
--json prints {"userId","preferences":{"channels","alertTypes","severities","quietHours","digest"},
"away":{"from","until"}|null,"updatedAt"}, as GET /api/me/preferences does.`,
  'preferences set': `Usage: homeward preferences set --as EMAIL [--push on|off] [--quiet HH:MM-HH:MM|off]
         [--digest HH:MM|off] [--mute TYPE[,TYPE]] [--unmute TYPE[,TYPE]]
         [--severity SEVERITY=on|off[,...]] [--json]

Changes one's own notification preferences (every role may); what no flag names stays as it was.
  --push on|off               Web Push to one's subscribed browsers and phones
  --quiet 22:30-06:45|off     quiet hours, local time (past midnight when the end is before the start);
                              notifications wait until they end
  --digest 07:30|off          when the daily digest comes, local time (off: no digest)
  --mute TYPE[,TYPE]          stop being told of these alert types; --unmute: be told again.
                              Types: ${alertTypes.join(', ')}
  --severity SEVERITY=on|off  be told of a severity or not: urgent, warning, notice, fault
--mute, --unmute and --severity may be given more than once. Whatever is muted or quiet, an urgent
alert still reaches whoever is on call: being on the rota is the promise (mark yourself away instead).
Exit 2 for a bad value (the message names the flag) or no change asked for; nothing is changed then.
Exit 3 if there is no account for EMAIL. --json prints what \`homeward preferences --json\` prints.`,
};

/** Lines for `homeward --help`. */
export const preferenceSummary = `  preferences --as EMAIL        one's notification preferences (the owner: --member EMAIL)
  preferences set --as EMAIL [--push on|off] [--quiet HH:MM-HH:MM|off] [--digest HH:MM|off]
                  [--mute TYPE,..] [--unmute TYPE,..] [--severity SEVERITY=on|off]
                                change one's own: push, quiet hours, digest, alert types, severities`;

const options = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  as: { type: 'string' },
  member: { type: 'string' },
  push: { type: 'string' },
  quiet: { type: 'string' },
  digest: { type: 'string' },
  mute: { type: 'string', multiple: true },
  unmute: { type: 'string', multiple: true },
  severity: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>['values'];

// The schema's own keys, so a severity added to preferences.ts is a flag value at once.
const severities = Object.keys(Preferences.properties.severities.properties) as PreferenceSeverity[];

const bad = (flag: string, value: string, expected: string) => new HomewardError('HW_USAGE', `${flag} ${JSON.stringify(value)}: expected ${expected}`);

function onOff(flag: string, value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw bad(flag, value, 'on or off');
}

function clockTime(flag: string, whole: string, value: string, expected: string): string {
  if (!isClockTime(value)) throw bad(flag, whole, expected);
  return value;
}

/** Each comma-separated item of every occurrence of a repeatable flag; an empty item is a mistake, not nothing. */
function items(flag: string, given: string[] | undefined, expected: string): string[] {
  const all: string[] = [];
  for (const value of given ?? []) {
    const parts = value.split(',').map((part) => part.trim());
    if (parts.some((part) => part === '')) throw bad(flag, value, expected);
    all.push(...parts);
  }
  return all;
}

function alertTypeList(flag: string, given: string[] | undefined): AlertType[] {
  const expected = `alert types separated by commas (${alertTypes.join(', ')})`;
  const types = items(flag, given, expected);
  const unknown = types.find((type) => !(alertTypes as readonly string[]).includes(type));
  if (unknown !== undefined) throw bad(flag, unknown, expected);
  return types as AlertType[];
}

/** The API's PUT body: the member's preferences as they are, with what the flags change. */
function changed(current: Preferences, values: Values): Preferences {
  const next = structuredClone(current);
  let asked = false;
  if (values.push !== undefined) {
    next.channels.push = onOff('--push', values.push);
    asked = true;
  }
  if (values.quiet !== undefined) {
    const expected = 'HH:MM-HH:MM (local, 24-hour, e.g. 22:30-06:45) or off';
    if (values.quiet === 'off') next.quietHours = null;
    else {
      // An en dash too: it is how `homeward preferences` prints them, and people copy what they see.
      const [start, end, ...rest] = values.quiet.split(/[-–]/);
      if (start === undefined || end === undefined || rest.length > 0) throw bad('--quiet', values.quiet, expected);
      next.quietHours = { start: clockTime('--quiet', values.quiet, start.trim(), expected), end: clockTime('--quiet', values.quiet, end.trim(), expected) };
    }
    asked = true;
  }
  if (values.digest !== undefined) {
    next.digest = values.digest === 'off' ? { ...next.digest, enabled: false } : { enabled: true, at: clockTime('--digest', values.digest, values.digest, 'HH:MM (local, 24-hour, e.g. 07:30) or off') };
    asked = true;
  }
  const muted = alertTypeList('--mute', values.mute);
  const unmuted = alertTypeList('--unmute', values.unmute);
  const both = muted.find((type) => unmuted.includes(type));
  if (both !== undefined) throw new HomewardError('HW_USAGE', `--mute and --unmute both name ${both}: say which`);
  for (const type of muted) next.alertTypes[type] = false;
  for (const type of unmuted) next.alertTypes[type] = true;
  asked ||= muted.length + unmuted.length > 0;

  const severityExpected = `SEVERITY=on|off, SEVERITY one of ${severities.join(', ')} (e.g. notice=off)`;
  const told = new Map<PreferenceSeverity, boolean>();
  for (const item of items('--severity', values.severity, severityExpected)) {
    const [name, setting, ...rest] = item.split('=');
    if (!(severities as string[]).includes(name ?? '') || setting === undefined || rest.length > 0) throw bad('--severity', item, severityExpected);
    const severity = name as PreferenceSeverity;
    if (setting !== 'on' && setting !== 'off') throw bad('--severity', item, `${severity}=on or ${severity}=off`);
    const on = setting === 'on';
    if (told.has(severity) && told.get(severity) !== on) throw new HomewardError('HW_USAGE', `--severity names ${severity} both on and off: say which`);
    told.set(severity, on);
    next.severities[severity] = on;
  }
  asked ||= told.size > 0;

  if (!asked) throw new HomewardError('HW_USAGE', 'preferences set needs something to change: --push, --quiet, --digest, --mute, --unmute or --severity (see --help)');
  // The API's body check, so nothing reaches the service that PUT /api/me/preferences would refuse.
  return assertSchema(Preferences, next, 'HW_USAGE', 'these preferences');
}


/** The answer of GET /api/me/preferences. */
function preferencesJson(shown: MemberPreferences) {
  return {
    userId: shown.userId,
    preferences: shown.preferences,
    away: shown.away === null ? null : { from: iso(shown.away.from), until: iso(shown.away.until) },
    updatedAt: shown.updatedAt === null ? null : iso(shown.updatedAt),
  };
}

function describe(member: UserRow, shown: MemberPreferences): string {
  const { preferences } = shown;
  const off = <K extends string>(toggles: Record<K, boolean>) => (Object.keys(toggles) as K[]).filter((key) => !toggles[key]);
  const mutedTypes = off(preferences.alertTypes);
  const mutedSeverities = off(preferences.severities);
  const quiet = preferences.quietHours;
  return [
    `${member.name} <${member.email}>, ${member.role}`,
    `  push          ${preferences.channels.push ? 'on' : 'off'}`,
    `  alert types   ${mutedTypes.length === 0 ? 'all' : `all but ${mutedTypes.join(', ')}`}`,
    `  severities    ${mutedSeverities.length === 0 ? 'all' : `all but ${mutedSeverities.join(', ')}`}`,
    `  quiet hours   ${quiet === null ? 'none' : `${quiet.start}–${quiet.end}`}`,
    `  daily digest  ${preferences.digest.enabled ? `at ${preferences.digest.at}` : 'off'}`,
    `  away          ${shown.away === null ? 'no' : `from ${iso(shown.away.from)} until ${iso(shown.away.until)}`}`,
    `  changed       ${shown.updatedAt === null ? 'never (the defaults)' : iso(shown.updatedAt)}`,
    '  (times are local to the home; an urgent alert still reaches whoever is on call)',
  ].join('\n');
}

/** Whose preferences `homeward preferences` shows, with the same checks as the two GET routes. */
function whoseToShow(home: Home, values: Values): UserRow {
  if (values.member === undefined) {
    if (values.as === undefined) throw new HomewardError('HW_USAGE', 'preferences needs --as EMAIL (one’s own), or --member EMAIL');
    return actingMember(home, values.as, 'me.preferences', 'see their preferences');
  }
  if (values.as === undefined) return memberByEmail(home, values.member, 'preferences --member');
  if (home.accounts.byEmail(values.as)?.id === home.accounts.byEmail(values.member)?.id) return actingMember(home, values.as, 'me.preferences', 'see their preferences');
  // The caller's role first, so someone who may not look learns nothing of who has an account.
  actingMember(home, values.as, 'people.manage', 'see another member’s preferences');
  return memberByEmail(home, values.member, 'preferences --member');
}

export async function runPreferenceCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const sub = argv[0];
  const key = sub !== undefined && !sub.startsWith('-') ? `preferences ${sub}` : 'preferences';
  const help = preferenceUsage[key];
  if (help === undefined) {
    io.err(`homeward: unknown command "${key}"\n\n${preferenceSummary}`);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: argv.slice(key === 'preferences' ? 0 : 1), options, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(help);
    return 0;
  }
  if (positionals.length > 0) throw new HomewardError('HW_USAGE', `${key} takes no ${JSON.stringify(positionals[0])}: members are named with --as (and --member)`);
  const print = (member: UserRow, shown: MemberPreferences, heading = '') => io.out(values.json ? JSON.stringify(preferencesJson(shown)) : heading + describe(member, shown));
  const home = openHome(configFrom(values, env));
  try {
    const { preferences } = circleTools(home).circle.routes;
    if (key === 'preferences') {
      const member = whoseToShow(home, values);
      print(member, preferences.show(member.id));
      return 0;
    }
    // As PUT /api/me/preferences: one's own only.
    if (values.member !== undefined) throw new HomewardError('HW_USAGE', `preferences set changes one's own preferences only (--as), not --member ${values.member}'s`);
    const member = actingMember(home, values.as, 'me.preferences', 'change their preferences');
    const next = changed(preferences.preferencesOf(member.id), values);
    let shown: MemberPreferences;
    try {
      shown = preferences.replace(member.id, next);
    } catch (error) {
      // The service's own check (quiet hours that start when they end), said in the CLI's terms.
      if (isHomewardError(error, 'HW_USAGE') && values.quiet !== undefined && (error.details as { reply?: string } | undefined)?.reply === 'quiet_hours_empty') {
        throw new HomewardError('HW_USAGE', `--quiet ${JSON.stringify(values.quiet)}: quiet hours need different start and end times (--quiet off for none)`);
      }
      throw error;
    }
    print(member, shown, `Saved ${member.name}'s preferences.\n`);
    return 0;
  } finally {
    home.close();
  }
}
