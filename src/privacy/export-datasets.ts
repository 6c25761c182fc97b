import { START_KEY, type ExportRepo, type ReadingKey } from '../store/export-repo.js';
import { textCell, type CsvCell } from './csv.js';
import { isoOrNull } from '../core/iso-time.js';

/**
 * The person's records as an export shows them (issue 5, item 8): one declarative entry per data set,
 * giving its CSV header, and each row as JSON and as CSV cells. Rows come page by page (export-repo.ts).
 */
export const exportDatasets = ['positions', 'doors', 'pillbox', 'doses', 'alerts', 'incidents', 'careNotes'] as const;
export type ExportDataset = (typeof exportDatasets)[number];

export interface ExportRow {
  json: Record<string, unknown>;
  csv: CsvCell[];
  /** A reading's device and time (for the location-view audit entry). */
  deviceId?: string;
  at?: number;
}

export interface DatasetReader {
  header: readonly string[];
  /** Pages of rows in a stable order, each one short read. */
  pages(pageSize: number): Generator<ExportRow[]>;
}


function* keyset<Row, Key>(first: Key, page: (after: Key, limit: number) => Row[], keyOf: (row: Row) => Key, pageSize: number, toRow: (row: Row) => ExportRow): Generator<ExportRow[]> {
  let after = first;
  for (;;) {
    const rows = page(after, pageSize);
    if (rows.length > 0) yield rows.map(toRow);
    if (rows.length < pageSize) return;
    after = keyOf(rows[rows.length - 1] as Row);
  }
}

const readingKey = (row: ReadingKey): ReadingKey => ({ device: row.device, at: row.at });

function parseDetails(details: string): unknown {
  try {
    return JSON.parse(details) as unknown;
  } catch {
    return details;
  }
}

/** Readers for every data set; `deviceIdOf` names a reading's device (retired devices included). */
export function exportReaders(repo: ExportRepo, deviceIdOf: (num: number) => string): Record<ExportDataset, DatasetReader> {
  return {
    positions: {
      header: ['device', 'at', 'lat', 'lon', 'accuracy_m'],
      pages: (size) =>
        keyset(START_KEY, repo.fixes, readingKey, size, (r) => {
          const deviceId = deviceIdOf(r.device);
          return { deviceId, at: r.at, json: { deviceId, at: isoOrNull(r.at), lat: r.lat, lon: r.lon, accuracyM: r.accuracyM }, csv: [deviceId, isoOrNull(r.at), r.lat, r.lon, r.accuracyM] };
        }),
    },
    doors: {
      header: ['device', 'at', 'open'],
      pages: (size) =>
        keyset(START_KEY, repo.doors, readingKey, size, (r) => {
          const deviceId = deviceIdOf(r.device);
          return { deviceId, at: r.at, json: { deviceId, at: isoOrNull(r.at), open: r.open }, csv: [deviceId, isoOrNull(r.at), r.open] };
        }),
    },
    pillbox: {
      header: ['device', 'at', 'compartment', 'open'],
      pages: (size) =>
        keyset(START_KEY, repo.pillbox, readingKey, size, (r) => {
          const deviceId = deviceIdOf(r.device);
          return { deviceId, at: r.at, json: { deviceId, at: isoOrNull(r.at), compartment: r.compartment, open: r.open }, csv: [deviceId, isoOrNull(r.at), r.compartment, r.open] };
        }),
    },
    doses: {
      header: ['dose', 'date', 'status', 'at'],
      pages: (size) =>
        keyset({ dose: '', date: '' }, repo.doses, (r) => ({ dose: r.dose, date: r.date }), size, (r) => ({
          json: { dose: r.dose, date: r.date, status: r.status, at: isoOrNull(r.at) },
          csv: [r.dose, r.date, r.status, isoOrNull(r.at)],
        })),
    },
    alerts: {
      header: ['id', 'type', 'severity', 'status', 'device', 'incident', 'title', 'details', 'raised_at', 'acknowledged_at', 'acknowledged_by', 'resolved_at', 'resolved_by', 'resolution'],
      pages: (size) =>
        keyset(0, repo.alerts, (r) => r.rowid, size, (r) => ({
          json: {
            id: r.id,
            type: r.type,
            severity: r.severity,
            status: r.status,
            deviceId: r.deviceId,
            incidentId: r.incidentId,
            title: r.title,
            details: parseDetails(r.details),
            raisedAt: isoOrNull(r.raisedAt),
            acknowledgedAt: isoOrNull(r.acknowledgedAt),
            acknowledgedBy: r.acknowledgedBy,
            resolvedAt: isoOrNull(r.resolvedAt),
            resolvedBy: r.resolvedBy,
            resolution: r.resolution,
          },
          csv: [
            r.id,
            r.type,
            r.severity,
            r.status,
            r.deviceId,
            r.incidentId,
            textCell(r.title),
            textCell(r.details),
            isoOrNull(r.raisedAt),
            isoOrNull(r.acknowledgedAt),
            textCell(r.acknowledgedBy),
            isoOrNull(r.resolvedAt),
            textCell(r.resolvedBy),
            textCell(r.resolution),
          ],
        })),
    },
    incidents: {
      header: ['id', 'type', 'status', 'opened_at', 'last_alert_at', 'acknowledged_at', 'acknowledged_by', 'closed_at', 'resolved_by', 'resolution'],
      pages: (size) =>
        keyset(0, repo.incidents, (r) => r.rowid, size, (r) => ({
          json: {
            id: r.id,
            type: r.type,
            status: r.status,
            openedAt: isoOrNull(r.openedAt),
            lastAlertAt: isoOrNull(r.lastAlertAt),
            acknowledgedAt: isoOrNull(r.acknowledgedAt),
            acknowledgedBy: r.acknowledgedBy,
            closedAt: isoOrNull(r.closedAt),
            resolvedBy: r.resolvedBy,
            resolution: r.resolution,
          },
          csv: [r.id, r.type, r.status, isoOrNull(r.openedAt), isoOrNull(r.lastAlertAt), isoOrNull(r.acknowledgedAt), textCell(r.acknowledgedBy), isoOrNull(r.closedAt), textCell(r.resolvedBy), textCell(r.resolution)],
        })),
    },
    careNotes: {
      header: ['id', 'at', 'author', 'kind', 'text', 'incident', 'edited_at'],
      pages: (size) =>
        keyset(0, repo.careNotes, (r) => r.id, size, (r) => ({
          json: { id: r.id, at: isoOrNull(r.at), author: r.author, kind: r.kind, text: r.text, incidentId: r.incidentId, editedAt: isoOrNull(r.editedAt) },
          csv: [r.id, isoOrNull(r.at), textCell(r.author), r.kind, textCell(r.text), r.incidentId, isoOrNull(r.editedAt)],
        })),
    },
  };
}
