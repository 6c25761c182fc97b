import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { useMinuteTick } from '../app/router';
import { may, useSession } from '../app/session';
import { api } from '../api/client';
import type { Reply } from '../api/types';
import { Loaded } from '../ui/loaded';
import { Card, Page } from '../ui/page';
import { incidentTitle } from './home';
import { CareNoteForm } from './incident/care-note-form';
import { OnItCard } from './incident/on-it';
import { PersonCard } from './incident/person-card';
import { incidentMoments, Timeline } from './incident/timeline';
import { TrackCard } from './incident/track-card';

export { AlertScreen } from './incident/alert-view';

type IncidentPage = Reply<'/api/incidents/{id}'>;

/**
 * The incident (issue 8, screen 2): the page someone opens from a 2 a.m. notification. What happened
 * and since when, who is on it, "I’m on it" and "Resolve with a note"; then what helps find and calm
 * her, the track, and the whole timeline. Live: anyone's acknowledgement shows here without a reload.
 */
export function IncidentScreen(props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const id = props.params.id ?? '';
  // Kept for the offline view: whoever is out looking for her may lose the signal.
  const page = useResource('/api/incidents/{id}', { params: { id }, on: ['incident', 'alert', 'door', 'position', 'care-log'] });
  const notified = useResource('/api/incidents/{id}/notified', { params: { id }, on: ['incident', 'alert'] });
  const household = useResource('/api/household', { on: ['household'] });
  const data = page.data;
  const name = data?.person.name;
  const title = data ? incidentTitle(data.incident.type).replace(/^She\b/, name ?? 'She') : 'Incident';
  const refresh = () => Promise.all([page.reload(), notified.reload()]);

  return (
    <Page title={title} subtitle={data ? whatHappened(data) : undefined}>
      <Loaded resource={page} label="the incident">
        {(incident) => (
          <>
            <OnItCard
              standing={{
                id: incident.incident.id,
                open: incident.incident.status === 'open',
                since: incident.incident.openedAt,
                acknowledgedBy: incident.incident.acknowledgedBy,
                acknowledgedAt: incident.incident.acknowledgedAt,
                closedAt: incident.incident.closedAt,
                resolvedBy: incident.incident.resolvedBy,
                resolution: incident.incident.resolution,
              }}
              user={user}
              canAct={user !== undefined && may(user, 'alerts.act')}
              onAcknowledge={() => api.post('/api/incidents/{id}/ack', { params: { id }, body: {} }).then(refresh)}
              onResolve={(note) => api.post('/api/incidents/{id}/resolve', { params: { id }, body: { note } }).then(refresh)}
            >
              <AlertList alerts={incident.alerts} />
            </OnItCard>
            <div class="grid grid-2">
              <PersonCard person={incident.person} />
              {incident.track !== undefined ? (
                <TrackCard
                  incidentId={incident.incident.id}
                  track={incident.track}
                  zones={household.data?.household.zones ?? []}
                  home={homeOf(household.data)}
                  truncated={incident.truncated}
                />
              ) : null}
            </div>
            <Card id="timeline" title="Timeline">
              <Timeline moments={incidentMoments(incident, notified.data?.notified ?? [])} empty="Nothing has happened yet." />
              {notified.error && !notified.data ? <p class="muted small">Who was notified could not be loaded: {notified.error.message}</p> : null}
              {user && may(user, 'care-log.write') ? <CareNoteForm incidentId={incident.incident.id} onAdded={page.reload} /> : null}
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** The incident's alerts, each a line: what the rule saw, in its own words. */
function AlertList(props: { alerts: IncidentPage['alerts'] }) {
  if (props.alerts.length === 0) return null;
  return (
    <ul class="list" aria-label="Alerts in this incident">
      {props.alerts.map((alert) => (
        <li key={alert.id} data-alert={alert.id}>
          <a href={`/alerts/${encodeURIComponent(alert.id)}`}>{alert.title}</a>
          <span class="muted small">{alert.status === 'open' ? 'open' : 'resolved'}</span>
        </li>
      ))}
    </ul>
  );
}

function whatHappened(page: IncidentPage): string {
  const first = page.alerts[0];
  const more = page.alerts.length - 1;
  if (first === undefined) return '';
  return more > 0 ? `${first.title}, and ${more} more alert${more === 1 ? '' : 's'}` : first.title;
}

function homeOf(household: Reply<'/api/household'> | undefined): { lat: number; lon: number } | undefined {
  const home = household?.household.home;
  return home?.lat !== undefined && home.lon !== undefined ? { lat: home.lat, lon: home.lon } : undefined;
}
