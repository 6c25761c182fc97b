import type { SessionService } from '../accounts/session-service.js';
import { createCareLog, type CareLog } from '../care-log/care-log-service.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { DeviceStatus } from '../household/device-status.js';
import type { HouseholdService } from '../household/household-service.js';
import type { AlertEventKind } from '../store/alert-events-repo.js';
import type { Store } from '../store/store.js';
import { createAlertActions, type AlertActions } from './alert-actions.js';
import { createDigestFacts, type DigestFactsService } from './digest-facts.js';
import { createResponderNames } from './alert-json.js';
import { createAlertRecord, type AlertRecord } from './alert-record.js';
import type { AlertService } from './alert-service.js';
import { createIncidentRecord } from './incident-record.js';
import { createLiveFeed, type LiveFeed, type LiveFeedLimits } from './live-feed.js';

/**
 * Responding to alerts and keeping the care log (issue 5, item 7; issue 6, items 3, 5 and 6):
 * acknowledge, resolve with a note, incidents with their timeline, the shared care log, and live
 * events. Built by hub.ts; its `routes` part is what src/http/care-routes.ts serves.
 */
export interface CareServiceDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  alerts: AlertService;
  household: HouseholdService;
  /** To end a live-events stream when its session ends or is revoked. */
  sessions: Pick<SessionService, 'listFor'>;
  /** Every household device with its health (for live `device` events). */
  deviceStatuses: (now: number) => DeviceStatus[];
  liveFeedLimits?: Partial<LiveFeedLimits>;
}

export interface CareRouteServices {
  alerts: AlertRecord;
  actions: AlertActions;
  incidents: ReturnType<typeof createIncidentRecord>;
  careLog: CareLog;
  liveFeed: LiveFeed;
  /** The daily digest's facts and the weekly "who was woken" (issue 6, item 7). */
  digest: DigestFactsService;
}

export function createCareServices(deps: CareServiceDeps) {
  const { store, bus, clock, log, alerts, household } = deps;
  const names = createResponderNames(store);
  const alertRecord = createAlertRecord({ store, alerts, clock });
  const actions = createAlertActions({ store, alerts, bus, clock, log });
  const careLog = createCareLog({ store, bus, clock });
  const incidents = createIncidentRecord({ store, household, clock, names, alertRecord, notesFor: careLog.forIncident });
  const liveFeed = createLiveFeed({
    bus,
    clock,
    log: log.child({ part: 'events' }),
    store,
    sessions: deps.sessions,
    deviceStatuses: deps.deviceStatuses,
    incident: (incidentId) => (store.incidents.byId(incidentId) === undefined ? undefined : incidents.summary(incidentId)),
    careNote: (noteId) => (store.careNotes.byId(noteId) === undefined ? undefined : careLog.get(noteId)),
    ...(deps.liveFeedLimits === undefined ? {} : { limits: deps.liveFeedLimits }),
  });

  const digest = createDigestFacts({ store, household, clock });
  const routes: CareRouteServices = { alerts: alertRecord, actions, incidents, careLog, liveFeed, digest };
  return {
    routes,
    /** For other modules (issue 6: MQTT commands acknowledge as an integration; the CLI). */
    actions,
    careLog,
    digest,
    /**
     * An alert's timeline, for issue 6's escalation ('notified', 'escalated'): one general entry point,
     * recorded at the hub's time unless given.
     */
    timeline: {
      record(alertId: string, kind: AlertEventKind, userId: number | null, details: Record<string, unknown> = {}, at: number = clock.now()): number {
        return store.alertEvents.record({ alertId, at, kind, userId, details });
      },
      forAlert: (alertId: string) => store.alertEvents.forAlert(alertId),
    },
    start(): void {},
    /** Ends every live stream (before the HTTP server closes, which would otherwise wait for them). */
    stop(): void {
      liveFeed.stop();
    },
  };
}

export type CareServices = ReturnType<typeof createCareServices>;
