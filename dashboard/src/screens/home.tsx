import type { ScreenProps } from '../app/screens';
import { useResource, type Resource } from '../app/resource';
import { useMinuteTick } from '../app/router';
import { may, useSession } from '../app/session';
import type { Reply } from '../api/types';
import { ago, clockTime, distance } from '../ui/format';
import { Loaded } from '../ui/loaded';
import { Card, Empty, Page, Pill, type Tone } from '../ui/page';

type Tracker = Reply<'/api/positions/latest'>['trackers'][number];
type Device = Reply<'/api/devices'>['devices'][number];
type Dose = Reply<'/api/medication'>['today'][number];
type Incident = Reply<'/api/incidents'>['incidents'][number];

/**
 * "Is Mum all right?" in one glance (issue 8, screen 1): where she is, the doors, today's doses,
 * open incidents and who is on them, sensor problems. Every part is live.
 */
export function HomeScreen(_props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const household = useResource('/api/household', { on: ['household'] });
  const name = household.data?.household.person.name ?? 'She';
  // One fetch of the devices serves both the doors and the sensors.
  const devices = useResource('/api/devices', { on: ['device', 'door'] });
  return (
    <Page title={household.data ? `How is ${name}?` : 'Home'} subtitle={household.data?.household.home.name}>
      <IncidentsCard />
      <div class="grid grid-2">
        {user && may(user, 'positions.read') ? <WhereCard name={name} /> : null}
        <DoorsCard devices={devices} />
        {user && may(user, 'medication.read') ? <DosesCard /> : null}
        <SensorsCard devices={devices} />
      </div>
    </Page>
  );
}

function IncidentsCard() {
  const incidents = useResource('/api/incidents', { query: { status: 'open' }, on: ['incident', 'alert'] });
  const open = incidents.data?.incidents ?? [];
  return (
    <Card id="incidents" title="Open incidents" tone={open.length > 0 ? 'alert' : 'ok'}>
      <Loaded resource={incidents} label="incidents">
        {(data) =>
          data.incidents.length === 0 ? (
            <p class="headline">All calm: nothing needs anyone right now.</p>
          ) : (
            <ul class="list">
              {data.incidents.map((incident) => (
                <IncidentLine key={incident.id} incident={incident} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

export function IncidentLine(props: { incident: Incident }) {
  const { incident } = props;
  return (
    <li>
      <div class="stack">
        <a href={`/incidents/${encodeURIComponent(incident.id)}`} class="headline">
          {incidentTitle(incident.type)}
        </a>
        <span class="muted small">
          Since {clockTime(incident.openedAt)} ({ago(incident.openedAt)}) · {incident.openAlertCount} open alert{incident.openAlertCount === 1 ? '' : 's'}
        </span>
      </div>
      {incident.acknowledgedBy ? (
        <Pill tone="info">{incident.acknowledgedBy.name} is on it</Pill>
      ) : (
        <Pill tone="alert">Nobody on it yet</Pill>
      )}
    </li>
  );
}

const INCIDENT_TITLES: Record<string, string> = {
  wandering: 'She may have gone out',
  'night-exit': 'Door opened at night',
  'left-safe-zone': 'Left the safe zone',
  'missed-dose': 'A dose was missed',
  medication: 'Medication needs attention',
  'double-dose': 'A dose may have been taken twice',
  'door-open-too-long': 'A door has been open too long',
  inactivity: 'No activity at home',
  'tracker-silent': 'The tracker has gone quiet',
};

export function incidentTitle(type: string): string {
  return INCIDENT_TITLES[type] ?? type.replace(/-/g, ' ');
}

function WhereCard(props: { name: string }) {
  const latest = useResource('/api/positions/latest', { on: ['position'] });
  return (
    <Card id="where" title="Where she is" actions={<a href="/map">Map</a>}>
      <Loaded resource={latest} label="the last position">
        {(data) => (data.trackers.length === 0 ? <Empty>No tracker has reported yet.</Empty> : <>{data.trackers.map((tracker) => <TrackerLine key={tracker.deviceId} tracker={tracker} name={props.name} />)}</>)}
      </Loaded>
    </Card>
  );
}

function TrackerLine(props: { tracker: Tracker; name: string }) {
  const { tracker } = props;
  const home = tracker.zone !== null;
  return (
    <div class="stack" data-tracker={tracker.deviceId}>
      <p class="headline">
        {home ? `${props.name} is ${tracker.zone?.name === 'Home' ? 'at home' : `at ${tracker.zone?.name}`}` : `${props.name} is out`}
      </p>
      <p class="muted">
        {home ? null : tracker.nearestZone ? `${distance(tracker.nearestZone.beyondM)} beyond ${tracker.nearestZone.name}. ` : null}
        {tracker.fromHomeM !== null ? `${distance(tracker.fromHomeM)} from home. ` : null}
        Last fix {clockTime(tracker.at)} ({ago(tracker.at)}) from {tracker.name}.
      </p>
      <Pill tone={home ? 'ok' : 'warn'}>{home ? 'Home' : 'Out'}</Pill>
    </div>
  );
}

function DoorsCard({ devices }: { devices: Resource<Reply<'/api/devices'>> }) {
  return (
    <Card id="doors" title="Doors">
      <Loaded resource={devices} label="the doors">
        {(data) => {
          const doors = data.devices.filter((device) => device.kind === 'door');
          if (doors.length === 0) return <Empty>No door sensors yet.</Empty>;
          return (
            <ul class="list">
              {doors.map((door) => (
                <li key={door.id} data-door={door.id}>
                  <span>
                    {door.name}
                    {door.exit ? <span class="muted small"> · exit</span> : null}
                  </span>
                  <span class="row">
                    <Pill tone={doorTone(door)}>{doorWord(door)}</Pill>
                    <span class="muted small">{ago(door.lastSeen)}</span>
                  </span>
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
    </Card>
  );
}

function doorWord(door: Device): string {
  if (!door.online) return 'Offline';
  if (door.state === 'open') return 'Open';
  if (door.state === 'closed') return 'Closed';
  return 'Unknown';
}

function doorTone(door: Device): Tone {
  if (!door.online) return 'muted';
  return door.state === 'open' ? 'warn' : door.state === 'closed' ? 'ok' : 'muted';
}

const DOSE_WORDS: Record<Dose['status'], [string, Tone]> = {
  taken: ['Taken', 'ok'],
  late: ['Taken late', 'warn'],
  missed: ['Missed', 'alert'],
  double: ['Taken twice?', 'alert'],
  due: ['Due', 'info'],
};

function DosesCard() {
  const medication = useResource('/api/medication', { on: ['pillbox', 'alert'] });
  return (
    <Card id="doses" title="Today’s doses" actions={<a href="/medication">Medication</a>}>
      <Loaded resource={medication} label="today’s doses">
        {(data) =>
          data.today.length === 0 ? (
            <Empty>No doses scheduled today.</Empty>
          ) : (
            <ul class="list">
              {data.today.map((dose) => {
                const [word, tone] = DOSE_WORDS[dose.status];
                return (
                  <li key={`${dose.dose}-${dose.due}`} data-dose={dose.dose}>
                    <span>
                      {dose.name} <span class="muted small">due {clockTime(dose.due)}</span>
                    </span>
                    <span class="row">
                      <Pill tone={tone}>{word}</Pill>
                      {dose.at ? <span class="muted small">{clockTime(dose.at)}</span> : null}
                    </span>
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

function SensorsCard({ devices }: { devices: Resource<Reply<'/api/devices'>> }) {
  return (
    <Card id="sensors" title="Sensors">
      <Loaded resource={devices} label="the sensors">
        {(data) => {
          const troubled = data.devices.filter((device) => !device.online || device.problems.length > 0);
          if (troubled.length === 0) return <p>All {data.devices.length} sensors are reporting.</p>;
          return (
            <ul class="list">
              {troubled.map((device) => (
                <li key={device.id} data-sensor={device.id}>
                  <span>
                    {device.name}
                    <span class="muted small"> · last seen {ago(device.lastSeen)}</span>
                  </span>
                  <span class="stack">
                    {device.problems.length === 0 ? <Pill tone="warn">Offline</Pill> : device.problems.map((problem) => <Pill key={problem.code} tone="warn">{problem.detail}</Pill>)}
                  </span>
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
    </Card>
  );
}
