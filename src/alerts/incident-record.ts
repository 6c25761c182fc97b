import type { Responder } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { HouseholdService } from '../household/household-service.js';
import { createIncidentReadingsRepo } from '../store/incident-readings-repo.js';
import type { IncidentStatusFilter, IncidentSummaryRow } from '../store/incidents-repo.js';
import type { Store } from '../store/store.js';
import type { CareNoteJson } from '../care-log/care-log-service.js';
import type { ResponderNames } from './alert-json.js';
import type { AlertRecord, AlertViewer, AlertWithTimeline } from './alert-record.js';
import { nextCursor, readCursor } from './page-cursor.js';
import { isoOrNull } from '../core/iso-time.js';

/**
 * Incidents and the incident page (issue 6, item 5): "everything about one incident — the door
 * events, the track, who was notified when, who acknowledged, notes — with the person's description,
 * likely places and what calms them, so whoever responds has it at hand."
 *
 * The page's window runs from 15 minutes before the incident opened (what led up to it: the door that
 * opened before the tracker left the zone) until it closed, or now. The track is the person's
 * location: it is shown only to roles with positions.read (the rest get the page without it rather
 * than a refusal), and each page that shows it is written to the audit log with its window.
 */
export const LEAD_IN_MS = 15 * 60_000;
const MAX_DOOR_EVENTS = 500;
const MAX_FIXES = 2000;
const MAX_NOTES = 200;

export interface IncidentJson {
  id: string;
  type: string;
  status: string;
  openedAt: string;
  lastAlertAt: string;
  closedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: Responder | null;
  resolvedBy: Responder | null;
  resolution: string | null;
  alertCount: number;
  openAlertCount: number;
  alertTypes: string[];
}

export interface IncidentPage {
  incident: IncidentJson;
  window: { from: string; to: string };
  person: { name: string; description: string | null; likelyPlaces: string[]; calming: string[]; triggers: string[] };
  alerts: AlertWithTimeline[];
  doorEvents: Array<{ deviceId: string; deviceName: string; at: string; open: boolean }>;
  /** Absent for a role without positions.read. */
  track?: Array<{ deviceId: string; deviceName: string; at: string; lat: number; lon: number; accuracyM: number | null }>;
  /** True when the window held more door events or fixes than a page carries (the newest are kept). */
  truncated: boolean;
  notes: CareNoteJson[];
}


export function createIncidentRecord(deps: {
  store: Store;
  household: HouseholdService;
  clock: Clock;
  names: ResponderNames;
  alertRecord: AlertRecord;
  notesFor: (incidentId: string, limit: number) => CareNoteJson[];
}) {
  const { store, household, clock, names, alertRecord } = deps;
  const readings = createIncidentReadingsRepo(store.db);

  function acknowledger(incident: IncidentSummaryRow): Responder | null {
    if (incident.acknowledgedAt === null) return null;
    if (incident.acknowledgedBy !== null) return names.person(incident.acknowledgedBy);
    const first = store.alerts.inIncident(incident.id).find((a) => a.acknowledgedAt !== null);
    return first === undefined ? { id: null, name: 'an integration' } : names.acknowledgerOf(first);
  }

  function json(incident: IncidentSummaryRow): IncidentJson {
    return {
      id: incident.id,
      type: incident.type,
      status: incident.status,
      openedAt: new Date(incident.openedAt).toISOString(),
      lastAlertAt: new Date(incident.lastAlertAt).toISOString(),
      closedAt: isoOrNull(incident.closedAt),
      acknowledgedAt: isoOrNull(incident.acknowledgedAt),
      acknowledgedBy: acknowledger(incident),
      resolvedBy: incident.resolvedBy === null ? null : names.person(incident.resolvedBy),
      resolution: incident.resolution,
      alertCount: incident.alertCount,
      openAlertCount: incident.openAlertCount,
      alertTypes: incident.alertTypes,
    };
  }

  function summaryOrThrow(incidentId: string): IncidentSummaryRow {
    const incident = store.incidents.summary(incidentId);
    if (incident === undefined) throw new HomewardError('HW_NOT_FOUND', `no incident ${incidentId}`, { reply: 'not_found' });
    return incident;
  }

  return {
    /** GET /api/incidents: newest first. */
    list(query: { status: IncidentStatusFilter; limit: number; before?: string | undefined }): { incidents: IncidentJson[]; nextBefore: string | null } {
      const rows = store.incidents.list({ status: query.status, limit: query.limit, before: readCursor(query.before) });
      return { incidents: rows.map(json), nextBefore: nextCursor(rows, query.limit, (i) => ({ at: i.openedAt, id: i.id })) };
    },

    /** One incident's summary (lists, live events, answers to ack and resolve). */
    summary: (incidentId: string): IncidentJson => json(summaryOrThrow(incidentId)),

    /** The incident page. Writes a location.viewed audit entry when it shows the track. */
    page(incidentId: string, viewer: AlertViewer): IncidentPage {
      const incident = summaryOrThrow(incidentId);
      const from = incident.openedAt - LEAD_IN_MS;
      const to = incident.closedAt ?? Math.max(clock.now(), incident.lastAlertAt);
      const view = household.view();
      const devices = [...view.devicesById.values()];
      let truncated = false;

      const doorEvents: IncidentPage['doorEvents'] = [];
      for (const door of devices.filter((d) => d.kind === 'door' && d.exit === true)) {
        const num = view.deviceNums.get(door.id);
        if (num === undefined) continue;
        const events = readings.doorEvents(num, from, to, MAX_DOOR_EVENTS);
        if (events.length === MAX_DOOR_EVENTS) truncated = true;
        for (const event of events) doorEvents.push({ deviceId: door.id, deviceName: door.name, at: new Date(event.at).toISOString(), open: event.open });
      }
      doorEvents.sort((a, b) => a.at.localeCompare(b.at));

      // Positions in the alerts' details are covered by the page's own audit entry below.
      const alerts = alertRecord.visible(store.alerts.inIncident(incidentId), viewer.seesLocation).map((a) => alertRecord.withTimeline(a));
      const person = view.household.person;
      const page: IncidentPage = {
        incident: json(incident),
        window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
        person: {
          name: person.name,
          description: person.description ?? null,
          likelyPlaces: person.likelyPlaces ?? [],
          calming: person.calming ?? [],
          triggers: person.triggers ?? [],
        },
        alerts,
        doorEvents,
        truncated,
        notes: deps.notesFor(incidentId, MAX_NOTES),
      };

      if (viewer.seesLocation) {
        const track: NonNullable<IncidentPage['track']> = [];
        for (const tracker of devices.filter((d) => d.kind === 'tracker')) {
          const num = view.deviceNums.get(tracker.id);
          if (num === undefined) continue;
          const fixes = readings.track(num, from, to, MAX_FIXES);
          if (fixes.length === MAX_FIXES) page.truncated = true;
          for (const fix of fixes) track.push({ deviceId: tracker.id, deviceName: tracker.name, at: new Date(fix.at).toISOString(), lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM });
        }
        track.sort((a, b) => a.at.localeCompare(b.at));
        page.track = track;
        // One entry for the whole page: the track and any position in its alerts' details.
        store.audit.append({
          at: clock.now(),
          userId: viewer.userId,
          action: 'location.viewed',
          target: `incident:${incidentId}`,
          details: { via: 'incident', incidentId, from: page.window.from, to: page.window.to, fixes: track.length },
        });
      }
      return page;
    },
  };
}
