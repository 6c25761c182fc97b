import type { ScreenProps } from '../../app/screens';
import { useResource } from '../../app/resource';
import { useMinuteTick } from '../../app/router';
import { may, useSession, type User } from '../../app/session';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import { Loaded } from '../../ui/loaded';
import { Card, Empty, Page } from '../../ui/page';
import { OnItCard } from './on-it';
import { alertMoments, Timeline } from './timeline';

type Alert = Reply<'/api/alerts'>['alerts'][number];

/**
 * One alert on its own (issue 8, screen 2): mostly a sensor fault (a silent sensor, a low battery)
 * outside any incident. Its timeline, "I’m on it" and "Resolve with a note" for roles that may act.
 *
 * Installers reach this page (faults.read) but GET /api/alerts/:id asks alerts.read, which they do
 * not have; for them the fault is found in GET /api/faults, without its timeline.
 */
export function AlertScreen(props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const id = props.params.id ?? '';
  if (user !== undefined && !may(user, 'alerts.read')) return <FaultOnly id={id} />;
  return <AlertWithTimeline id={id} user={user} />;
}

function AlertWithTimeline(props: { id: string; user: User | undefined }) {
  const { id, user } = props;
  const alert = useResource('/api/alerts/{id}', { params: { id }, on: ['alert'] });
  return (
    <Page title={alert.data?.title ?? 'Alert'} subtitle={alert.data ? kindOf(alert.data) : undefined}>
      <Loaded resource={alert} label="the alert">
        {(data) => (
          <>
            <OnItCard
              standing={standingOf(data)}
              user={user}
              canAct={user !== undefined && may(user, 'alerts.act')}
              onAcknowledge={() => api.post('/api/alerts/{id}/ack', { params: { id }, body: {} }).then(alert.reload)}
              onResolve={(note) => api.post('/api/alerts/{id}/resolve', { params: { id }, body: { note } }).then(alert.reload)}
            >
              {data.incidentId ? (
                <p>
                  This alert is part of an incident: <a href={`/incidents/${encodeURIComponent(data.incidentId)}`}>see the whole incident</a>.
                </p>
              ) : null}
            </OnItCard>
            <Card id="timeline" title="Timeline">
              <Timeline moments={alertMoments(data)} empty="Nothing has happened yet." />
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}

function FaultOnly(props: { id: string }) {
  const faults = useResource('/api/faults', { query: { status: 'all', limit: 200 }, on: ['alert', 'device'] });
  const fault = faults.data?.alerts.find((alert) => alert.id === props.id);
  return (
    <Page title={fault?.title ?? 'Sensor problem'} subtitle={fault ? kindOf(fault) : undefined}>
      <Loaded resource={faults} label="the sensor problem">
        {() =>
          fault === undefined ? (
            <Empty>This alert is not a sensor problem, or it is too old to show here. The devices page lists every sensor’s health.</Empty>
          ) : (
            <OnItCard standing={standingOf(fault)} user={undefined} canAct={false} onAcknowledge={() => Promise.resolve()} onResolve={() => Promise.resolve()}>
              <p>
                <a href="/installer">Go to the devices</a> to check this sensor.
              </p>
            </OnItCard>
          )
        }
      </Loaded>
    </Page>
  );
}

function standingOf(alert: Alert) {
  return {
    id: alert.id,
    open: alert.status === 'open',
    since: alert.raisedAt,
    acknowledgedBy: alert.acknowledgedBy,
    acknowledgedAt: alert.acknowledgedAt,
    closedAt: alert.resolvedAt,
    resolvedBy: alert.resolvedBy,
    resolution: alert.resolution,
  };
}

const KINDS: Record<string, string> = {
  'sensor-silent': 'A sensor has gone quiet',
  'low-battery': 'A battery is low',
  'hub-storage-low': 'The hub is running out of storage',
  'night-exit': 'A door opened at night',
  'door-open-too-long': 'A door was left open',
  'left-safe-zone': 'She left the safe zone',
  'tracker-silent': 'The tracker has gone quiet',
  'missed-dose': 'A dose was missed',
  'double-dose': 'A dose may have been taken twice',
  inactivity: 'No activity at home',
};

function kindOf(alert: Alert): string {
  return KINDS[alert.type] ?? alert.type.replace(/-/g, ' ');
}
