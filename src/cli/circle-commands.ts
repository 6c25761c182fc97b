import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createLoginThrottle } from '../accounts/login-throttle.js';
import { withoutLocation } from '../alerts/alert-json.js';
import { createAlertService } from '../alerts/alert-service.js';
import { createCareServices } from '../alerts/care-services.js';
import { createCircleServices } from '../circle/circle-services.js';
import { weekdays, type Weekday } from '../circle/clock-times.js';
import { loadConfig, type HubConfig } from '../config.js';
import type { AlertJson } from '../core/alerts.js';
import { systemClock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import { createEventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { createMetricsRegistry } from '../core/metrics.js';
import { roleMay, type Permission } from '../http/permissions.js';
import { openHome, type Home } from '../home.js';
import { careNoteKinds, type CareNoteKind } from '../store/care-notes-repo.js';
import type { UserRow } from '../store/users-repo.js';

/**
 * The care circle from the command line (issue 6, item 10): alerts, "I'm on it", resolving with a
 * note, the care log, the rota and who is on call, marking someone away.
 *
 * Acting as someone: every change names the member doing it (`--as EMAIL`), and that member's role is
 * held to the same permission table the API uses (src/http/permissions.ts): a viewer cannot
 * acknowledge, an installer reads no notes. A refusal changes nothing and exits 2, the CLI's code for
 * "invalid input, nothing changed" (an unknown account, alert or member exits 3, "not found"), as
 * `user role` refuses to demote the last owner with 2. Reading commands take `--as` too, and then
 * check it; without it they answer the person at the hub's console, who can read the database anyway.
 *
 * The CLI opens the database itself, as `setup import` does, and the running hub notices what it
 * changed within a second (src/integrations/changes-from-cli.ts explains why this, not HTTP).
 * Positions never print here: a terminal's scrollback is no audited view of where the person is
 * (DESIGN.md: "every view of their location is logged"); the dashboard shows and logs them.
 */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const circleUsage: Record<string, string> = {
  alerts: `Usage: homeward alerts [--all] [--limit N] [--as EMAIL] [--json]

Lists open alerts, newest first (--all: resolved ones too), with who is on each.
--json prints {"alerts":[{"id","type","severity","status","deviceId","incidentId","title","details",
"raisedAt","resolvedAt","resolution","acknowledgedAt","acknowledgedBy","resolvedBy"}]} (no positions).`,
  ack: `Usage: homeward ack ALERT_ID --as EMAIL [--json]

"I'm on it": acknowledges an alert as the member EMAIL (owner, family or carer), shown to everyone.
If someone was on it first, this is recorded too and they stay shown. A running hub tells everyone
within a second. Exit 2 if the alert is already resolved or EMAIL may not act on alerts; 3 if there is
no such alert or account. --json prints {"alert":{...},"first":true|false}.`,
  resolve: `Usage: homeward resolve ALERT_ID --as EMAIL --note TEXT [--json]

Resolves an alert with a short note ("found her at the church, home safe"), as the member EMAIL.
Resolving the last open alert of an incident closes it. Exit 2 without a note (1 to 500 characters),
for an alert already resolved, or if EMAIL may not act on alerts; 3 if there is no such alert or account.
--json prints {"alert":{...}}.`,
  'note add': `Usage: homeward note add TEXT --as EMAIL [--kind note|visit|handover] [--incident ID] [--json]

Adds a note to the shared care log ("slept badly", a visit, a handover to the next carer), written by
EMAIL (owner, family or carer). --incident attaches it to an incident's page.
--json prints the note {"id","at","kind","text","incidentId","editedAt","author","reactions"}.`,
  notes: `Usage: homeward notes [--limit N] [--as EMAIL] [--json]

The care log, newest first (20 notes unless --limit). --json prints {"notes":[...]}.`,
  rota: `Usage: homeward rota [--as EMAIL] [--json]

The on-call rota: each shift (who, which days, from when to when, which tier) and who is on call now,
tier by tier (members who are away are skipped). Times are local to the home's time zone.
--json prints {"timezone","at","shifts":[{"id","userId","email","name","days","start","end","tier",
"overnight"}],"covers":[...],"onCall":[{"tier","members":[{"id","email","name"}]}]}.`,
  'rota add': `Usage: homeward rota add EMAIL --days mon,tue --from 22:00 --to 07:00 [--tier N] --as EMAIL [--json]

Puts the member EMAIL on call on those days (each occurrence starts on one of them) from --from to --to,
local time; a --to at or before --from runs past midnight. Tier 1 (the default) answers first; tier 2
is asked when tier 1 does not acknowledge. Arranged by the member --as (owner or family). Exit 2 for
bad days or times, a member who cannot act on alerts, or a shift overlapping another of theirs.
--json prints the shift.`,
  away: `Usage: homeward away EMAIL --until ISO [--from ISO] [--as EMAIL] [--json]
       homeward away EMAIL --clear [--as EMAIL]

Marks the member EMAIL away from --from (default now) until --until, e.g. 2026-03-01T09:00:00Z: the rota
skips them meanwhile. --clear: back early. A member marks themselves away; marking someone else needs
the owner (--as). --json prints {"userId","away":{"from","until"}|null}.`,
};

/** One line each, for `homeward --help`. */
export const circleSummary = `  alerts [--all] [--json]       open alerts (and resolved ones), with who is on each
  ack ALERT_ID --as EMAIL       "I'm on it", as a member of the circle
  resolve ALERT_ID --as EMAIL --note TEXT
                                resolve an alert with a short note
  note add TEXT --as EMAIL      add to the care log (--kind visit|handover|note)
  notes [--json]                the care log, newest first
  rota [--json]                 shifts, and who is on call now
  rota add EMAIL --days mon,tue --from 22:00 --to 07:00 [--tier N] --as EMAIL
                                put someone on call
  away EMAIL --until ISO        mark a member away (the rota skips them)`;

export const circleCommands = new Set(['alerts', 'ack', 'resolve', 'note', 'notes', 'rota', 'away']);

const options = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  as: { type: 'string' },
  all: { type: 'boolean', default: false },
  limit: { type: 'string' },
  note: { type: 'string' },
  kind: { type: 'string' },
  incident: { type: 'string' },
  days: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  tier: { type: 'string' },
  until: { type: 'string' },
  clear: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

const quiet: Logger = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

/** The services the API runs, over this process's own connection; their events have no listener here (the hub notices the writes). */
export function circleTools(home: Home) {
  const { store, household } = home;
  const clock = systemClock;
  const bus = createEventBus(() => undefined);
  const alerts = createAlertService({ store, bus, log: quiet, alertsTotal: createMetricsRegistry().counter('cli_alerts_total', 'unused') });
  const care = createCareServices({ store, bus, clock, log: quiet, alerts, household, sessions: home.sessions, deviceStatuses: () => [] });
  const circle = createCircleServices({
    store,
    bus,
    clock,
    log: quiet,
    accounts: home.accounts,
    sessions: home.sessions,
    household,
    dashboardBase: '',
    throttle: createLoginThrottle({ clock }),
  });
  return { alerts, care, circle };
}

const article = (role: string) => (/^[aeiou]/.test(role) ? 'an' : 'a');

/** The member named by EMAIL, if their role may do `permission`. */
export function actingMember(home: Home, email: string | undefined, permission: Permission, doing: string): UserRow {
  if (email === undefined) throw new HomewardError('HW_USAGE', `${doing} needs --as EMAIL: the member of the circle doing it`);
  const user = home.accounts.byEmail(email);
  if (user === undefined) throw new HomewardError('HW_NOT_FOUND', `no account for ${email}`);
  if (user.disabledAt !== null) throw new HomewardError('HW_FORBIDDEN', `${email}'s account is disabled`);
  if (!roleMay(user.role, permission)) {
    throw new HomewardError('HW_FORBIDDEN', `${user.name} is ${article(user.role)} ${user.role}, who may not ${doing} (${permission}: ${roleList(permission)})`);
  }
  return user;
}

function roleList(permission: Permission): string {
  return (['owner', 'family', 'carer', 'installer', 'viewer'] as const).filter((role) => roleMay(role, permission)).join(', ');
}

/** A member named as the subject of a command (who goes on the rota, who is away). */
export function memberByEmail(home: Home, email: string | undefined, what: string): UserRow {
  if (email === undefined) throw new HomewardError('HW_USAGE', `${what} needs a member's EMAIL`);
  const user = home.accounts.byEmail(email);
  if (user === undefined || user.disabledAt !== null) throw new HomewardError('HW_NOT_FOUND', `no account for ${email}`);
  return user;
}

function positiveInteger(text: string | undefined, option: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new HomewardError('HW_USAGE', `${option} must be a whole number from 1 to ${max}, not "${text}"`);
  return value;
}

function parseDays(text: string | undefined): Weekday[] {
  if (text === undefined) throw new HomewardError('HW_USAGE', 'rota add needs --days, e.g. --days mon,tue,sat');
  const days = text.split(',').map((day) => day.trim().toLowerCase().slice(0, 3));
  const unknown = days.filter((day) => !(weekdays as readonly string[]).includes(day));
  if (days.length === 0 || unknown.length > 0) throw new HomewardError('HW_USAGE', `--days must list weekdays (${weekdays.join(',')}), not "${text}"`);
  return [...new Set(days)] as Weekday[];
}

function kindOf(text: string | undefined): CareNoteKind {
  if (text === undefined) return 'note';
  if (!(careNoteKinds as readonly string[]).includes(text)) throw new HomewardError('HW_USAGE', `--kind must be ${careNoteKinds.join(', ')}, not "${text}"`);
  return text as CareNoteKind;
}

function alertLine(alert: AlertJson): string {
  const state = alert.status === 'resolved' ? 'RESOLVED' : alert.acknowledgedBy !== null ? 'ON IT   ' : 'OPEN    ';
  const who = alert.status === 'resolved' ? (alert.resolution === null ? '' : `  (${alert.resolution})`) : alert.acknowledgedBy !== null ? `  ${alert.acknowledgedBy.name} is on it` : '';
  return `${state}  ${alert.raisedAt}  ${alert.type.padEnd(19)} ${alert.title}  [${alert.id}]${who}`;
}

export function configFrom(values: { 'data-dir'?: string | undefined; config?: string | undefined }, env: NodeJS.ProcessEnv): HubConfig {
  return loadConfig({
    env,
    ...(values.config !== undefined ? { file: values.config } : {}),
    ...(values['data-dir'] !== undefined ? { overrides: { dataDir: values['data-dir'] } } : {}),
  });
}

export async function runCircleCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const [command, sub] = argv;
  const key = (command === 'note' || command === 'rota') && sub !== undefined && !sub.startsWith('-') ? `${command} ${sub}` : (command ?? '');
  const help = circleUsage[key];
  if (help === undefined) {
    io.err(`homeward: unknown command "${key}"\n\n${circleSummary}`);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: argv.slice(key.split(' ').length), options, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const print = (json: unknown, text: string) => io.out(values.json ? JSON.stringify(json) : text);
  const home = openHome(configFrom(values, env));
  try {
    const { alerts, care, circle } = circleTools(home);
    const now = systemClock.now();
    switch (key) {
      case 'alerts': {
        if (values.as !== undefined) actingMember(home, values.as, 'alerts.read', 'read alerts');
        const limit = positiveInteger(values.limit, '--limit', 100, 1000);
        const rows = home.store.alerts.list({ status: values.all ? 'all' : 'open', limit });
        const shown = rows.map((row) => withoutLocation(alerts.json(row)));
        if (shown.length === 0) print({ alerts: [] }, values.all ? 'No alerts yet.' : 'No open alerts.');
        else print({ alerts: shown }, shown.map(alertLine).join('\n'));
        return 0;
      }
      case 'ack': {
        const alertId = positionals[0];
        if (alertId === undefined) throw new HomewardError('HW_USAGE', 'ack needs an ALERT_ID (see `homeward alerts`)');
        const member = actingMember(home, values.as, 'alerts.act', 'acknowledge alerts');
        const { alert, first } = care.actions.acknowledge(alertId, { userId: member.id });
        const json = withoutLocation(alerts.json(alert));
        const firstName = json.acknowledgedBy?.name ?? member.name;
        print({ alert: json, first }, first ? `${member.name} is on it: ${json.title} [${json.id}]` : `${firstName} was on it first; ${member.name}'s acknowledgement is recorded too: ${json.title} [${json.id}]`);
        return 0;
      }
      case 'resolve': {
        const alertId = positionals[0];
        if (alertId === undefined) throw new HomewardError('HW_USAGE', 'resolve needs an ALERT_ID (see `homeward alerts`)');
        const member = actingMember(home, values.as, 'alerts.act', 'resolve alerts');
        if (values.note === undefined) throw new HomewardError('HW_USAGE', 'resolve needs --note TEXT: what happened, in a few words');
        const json = withoutLocation(alerts.json(care.actions.resolve(alertId, { userId: member.id }, values.note)));
        print({ alert: json }, `Resolved by ${member.name}: ${json.title} [${json.id}] — ${json.resolution ?? ''}`);
        return 0;
      }
      case 'note add': {
        const text = positionals.join(' ');
        if (text.trim() === '') throw new HomewardError('HW_USAGE', 'note add needs the TEXT of the note');
        const member = actingMember(home, values.as, 'care-log.write', 'write in the care log');
        const note = care.careLog.add({ userId: member.id, role: member.role }, { kind: kindOf(values.kind), text, incidentId: values.incident });
        print(note, `Added ${note.kind} ${note.id} by ${member.name}.`);
        return 0;
      }
      case 'notes': {
        if (values.as !== undefined) actingMember(home, values.as, 'care-log.read', 'read the care log');
        const { notes } = care.careLog.list({ limit: positiveInteger(values.limit, '--limit', 20, 1000) });
        if (notes.length === 0) print({ notes }, 'The care log is empty.');
        else print({ notes }, notes.map((n) => `${n.at}  ${n.kind.padEnd(8)} ${n.author?.name ?? 'a former member'}: ${n.text}`).join('\n'));
        return 0;
      }
      case 'rota': {
        if (values.as !== undefined) actingMember(home, values.as, 'circle.read', 'see the rota');
        const view = circle.routes.rota.view(now);
        const person = (userId: number) => {
          const user = home.store.users.byId(userId);
          return { id: userId, email: user?.email ?? null, name: user?.name ?? 'a former member' };
        };
        const shifts = view.shifts.map((s) => {
          const who = person(s.userId);
          return { id: s.id, userId: s.userId, email: who.email, name: who.name, days: [...s.days], start: s.start, end: s.end, tier: s.tier, overnight: s.end <= s.start };
        });
        const onCall = view.onCall.map((tier) => ({ tier: tier.tier, members: tier.userIds.map(person) }));
        const covers = view.covers.map((c) => ({ ...c, createdAt: new Date(c.createdAt).toISOString() }));
        const lines = [
          `Time zone ${view.timezone}. On call now: ${onCall.length === 0 ? 'nobody' : onCall.map((t) => `tier ${t.tier}: ${t.members.map((m) => m.name).join(', ')}`).join('; ')}`,
          ...(shifts.length === 0 ? ['No shifts yet: `homeward rota add EMAIL --days mon,tue --from 22:00 --to 07:00 --as EMAIL`.'] : []),
          ...shifts.map((s) => `  shift ${s.id}  tier ${s.tier}  ${s.days.join(',').padEnd(27)} ${s.start}–${s.end}  ${s.name} <${s.email ?? '?'}>`),
        ];
        print({ timezone: view.timezone, at: new Date(view.at).toISOString(), shifts, covers, onCall }, lines.join('\n'));
        return 0;
      }
      case 'rota add': {
        const member = memberByEmail(home, positionals[0], 'rota add');
        const actor = actingMember(home, values.as, 'rota.manage', 'arrange the rota');
        if (values.from === undefined || values.to === undefined) throw new HomewardError('HW_USAGE', 'rota add needs --from HH:MM and --to HH:MM (local time)');
        const shift = circle.routes.rota.addShift(actor.id, { userId: member.id, days: parseDays(values.days), start: values.from, end: values.to, tier: positiveInteger(values.tier, '--tier', 1, 5) });
        print(
          { ...shift, days: [...shift.days], overnight: shift.end <= shift.start },
          `Shift ${shift.id}: ${member.name} on call ${shift.days.join(',')} ${shift.start}–${shift.end}, tier ${shift.tier}.`,
        );
        return 0;
      }
      case 'away': {
        const member = memberByEmail(home, positionals[0], 'away');
        const self = values.as === undefined || home.accounts.byEmail(values.as)?.id === member.id;
        // One's own away is one's own (me.preferences, every role); someone else's is the owner's to set.
        actingMember(home, values.as ?? member.email, self ? 'me.preferences' : 'people.manage', self ? 'mark themselves away' : 'mark someone else away');
        const preferences = circle.routes.preferences;
        if (values.clear) {
          const cleared = preferences.clearAway(member.id);
          print({ userId: member.id, away: null }, cleared ? `${member.name} is back: on the rota again.` : `${member.name} was not away.`);
          return 0;
        }
        if (values.until === undefined) throw new HomewardError('HW_USAGE', 'away needs --until ISO (e.g. 2026-03-01T09:00:00Z), or --clear');
        const shown = preferences.setAway(member.id, { from: values.from ?? new Date(now).toISOString(), until: values.until });
        const away = shown.away === null ? null : { from: new Date(shown.away.from).toISOString(), until: new Date(shown.away.until).toISOString() };
        print({ userId: member.id, away }, `${member.name} is away${away === null ? '' : ` from ${away.from} until ${away.until}`}: the rota skips them.`);
        return 0;
      }
    }
    return 2;
  } finally {
    home.close();
  }
}
