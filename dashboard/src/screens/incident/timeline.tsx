import type { Reply } from '../../api/types';
import { clockTime, dayLabel, toMs } from '../../ui/format';
import { Empty } from '../../ui/page';

type IncidentPage = Reply<'/api/incidents/{id}'>;
type Notification = Reply<'/api/incidents/{id}/notified'>['notified'][number];
type AlertWithTimeline = Reply<'/api/alerts/{id}'>;
type TimelineEntry = AlertWithTimeline['timeline'][number];
type CareNote = IncidentPage['notes'][number];

/** One line of an incident's or alert's story, in plain words. */
export interface Moment {
  at: string;
  text: string;
  /** What kind of moment, for the test hooks and a screen reader's sense of the line. */
  kind: 'door' | 'raised' | 'notified' | 'escalated' | 'acknowledged' | 'resolved' | 'note' | 'other';
}

/**
 * The incident's timeline (issue 8, screen 2): exit-door events, alerts raised, who was notified when
 * (from /notified, so the alerts' own 'notified' entries are left out here), acknowledgements and
 * resolution, and the care notes written about it, oldest first.
 */
export function incidentMoments(page: IncidentPage, notified: readonly Notification[]): Moment[] {
  const moments: Moment[] = [];
  for (const door of page.doorEvents) moments.push({ at: door.at, kind: 'door', text: `${door.deviceName} ${door.open ? 'opened' : 'closed'}` });
  for (const alert of page.alerts) for (const entry of alert.timeline) if (entry.kind !== 'notified') pushEntry(moments, alert.title, entry);
  const onIt = page.incident.acknowledgedBy?.name;
  for (const notice of notified) moments.push({ at: notice.at, kind: 'notified', text: notifiedText(notice.member?.name ?? null, notice.details, notice.alertTitle, onIt) });
  for (const note of page.notes) moments.push({ at: note.at, kind: 'note', text: noteText(note) });
  return ordered(moments);
}

/** One alert's own timeline, as GET /api/alerts/:id gives it. */
export function alertMoments(alert: AlertWithTimeline): Moment[] {
  const moments: Moment[] = [];
  for (const entry of alert.timeline) {
    if (entry.kind === 'notified') moments.push({ at: entry.at, kind: 'notified', text: notifiedText(entry.by?.name ?? null, entry.details, alert.title, alert.acknowledgedBy?.name) });
    else pushEntry(moments, alert.title, entry);
  }
  return ordered(moments);
}

function pushEntry(moments: Moment[], title: string, entry: TimelineEntry): void {
  const who = entry.by?.name ?? 'Someone';
  const details = entry.details as Record<string, unknown>;
  switch (entry.kind) {
    case 'raised':
      moments.push({ at: entry.at, kind: 'raised', text: `Alert: ${title}` });
      return;
    case 'acknowledged':
      moments.push({ at: entry.at, kind: 'acknowledged', text: details.first === false ? `${who} is on it too` : `${who} is on it` });
      return;
    case 'resolved':
      moments.push({
        at: entry.at,
        kind: 'resolved',
        text: details.auto === true ? `Cleared by itself${typeof details.reason === 'string' ? `: ${details.reason}` : ''}` : `${who} resolved it: “${String(details.note ?? '')}”`,
      });
      return;
    case 'escalated':
      moments.push({ at: entry.at, kind: 'escalated', text: escalatedText(details) });
      return;
    default:
      moments.push({ at: entry.at, kind: 'other', text: `${title}: ${entry.kind.replace(/-/g, ' ')}` });
  }
}

/** A step up the ladder (src/alerts/escalation.ts): why more of the circle were asked. */
function escalatedText(details: Record<string, unknown>): string {
  if (Array.isArray(details.recipients) && details.recipients.length === 0) return 'There was nobody to ask at this step';
  switch (details.reason) {
    case 'undelivered':
      return 'The message reached nobody: the next people in the circle were asked';
    case 'not-acknowledged':
      return 'Nobody said they were on it: the next people in the circle were asked';
    case 'repeat':
      return 'Still nobody on it: everyone was asked again';
    default:
      return 'More of the circle were asked';
  }
}

/** A 'notified' step: who was told, and whether it reached them. */
function notifiedText(name: string | null, details: Record<string, unknown>, alertTitle: string, onIt: string | undefined): string {
  const who = name ?? 'Nobody';
  switch (details.message) {
    case 'acknowledged':
      return `${who} was told ${onIt ?? 'someone'} is on it`;
    case 'resolved':
      return `${who} was told it is over`;
    case 'update':
      return `${who} was told: ${alertTitle}`;
    default:
      if (name === null) return 'There was nobody to notify at this step';
      return `${who} was notified${deliveryNote(details.outcomes)}`;
  }
}

function deliveryNote(outcomes: unknown): string {
  if (!Array.isArray(outcomes) || outcomes.length === 0) return '';
  const statuses = outcomes.map((outcome: unknown) => (outcome as { status?: unknown } | null)?.status);
  if (statuses.includes('delivered')) return '';
  if (statuses.includes('pending')) return ' (still sending)';
  return ' (it did not reach them)';
}

function noteText(note: CareNote): string {
  const who = note.author?.name ?? 'Someone';
  const what = note.kind === 'visit' ? 'recorded a visit' : note.kind === 'handover' ? 'handed over' : 'wrote';
  return `${who} ${what}: “${note.text}”`;
}

/** Oldest first; an incident's acknowledgement or resolution touches each of its alerts at once, told once here. */
function ordered(moments: Moment[]): Moment[] {
  const lastSaid = new Map<string, number>();
  return moments
    .map((moment) => ({ moment, ms: toMs(moment.at) ?? 0 }))
    .sort((a, b) => a.ms - b.ms)
    .filter(({ moment, ms }) => {
      const previous = lastSaid.get(moment.text);
      lastSaid.set(moment.text, ms);
      return previous === undefined || ms - previous > SAME_MOMENT_MS;
    })
    .map(({ moment }) => moment);
}

/** Entries of one action on several alerts are written in one transaction; two seconds covers them. */
const SAME_MOMENT_MS = 2_000;

export function Timeline(props: { moments: readonly Moment[]; empty: string }) {
  if (props.moments.length === 0) return <Empty>{props.empty}</Empty>;
  let day = '';
  return (
    <ol class="timeline" data-timeline>
      {props.moments.map((moment, index) => {
        const thisDay = dayLabel(moment.at);
        const showDay = thisDay !== day;
        day = thisDay;
        return (
          <li key={`${moment.at}-${index}`} data-kind={moment.kind}>
            <time dateTime={moment.at}>{showDay && index > 0 ? `${thisDay}, ${clockTime(moment.at)}` : clockTime(moment.at)}</time>
            {moment.text}
          </li>
        );
      })}
    </ol>
  );
}
