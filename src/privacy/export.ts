import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { Household } from '../core/household.js';
import type { Logger } from '../core/logger.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { csvLine } from './csv.js';
import { exportDatasets, type DatasetReader, type ExportDataset, type ExportRow } from './export-datasets.js';

/**
 * Export of everything held about the person (issue 5, item 8), as JSON or as CSV per data set.
 * Streamed: a page of rows is read, written out, and the event loop turns before the next page, so a
 * year of fixes never sits in memory (a Pi Zero has 512 MB) nor holds up ingest.
 *
 * Audited twice over: `privacy.exported` when the export starts (who, what, which format), and, since
 * an export shows where she has been, `location.viewed` once its positions have been written out (or
 * the download stopped part-way), with the devices, the time range and how many fixes it held —
 * counted as handed to the response, so a stopped download is never under-reported (at most the
 * stream's buffered page more than the client received).
 */
const PAGE_ROWS = 1000;

export interface PersonExportDeps {
  readers(): Record<ExportDataset, DatasetReader>;
  household(): Household;
  /** Every device the household has ever had, retired ones included (their readings are exported too). */
  devices(): ReadonlyArray<{ id: string; name: string; kind: string; retiredAt: number | null }>;
  audit: AuditRepo;
  clock: Clock;
  log: Logger;
  pageRows?: number;
}

/** Counts the fixes that went out, and writes the location-view audit entry once. */
function locationTrail(deps: PersonExportDeps, actorId: number, format: 'json' | 'csv') {
  const devices = new Set<string>();
  let fixes = 0;
  let earliest: number | undefined;
  let latest: number | undefined;
  return {
    saw(page: readonly ExportRow[]) {
      for (const row of page) {
        fixes++;
        if (row.deviceId !== undefined) devices.add(row.deviceId);
        if (row.at === undefined) continue;
        earliest = earliest === undefined ? row.at : Math.min(earliest, row.at);
        latest = latest === undefined ? row.at : Math.max(latest, row.at);
      }
    },
    record(complete: boolean) {
      deps.audit.append({
        at: deps.clock.now(),
        userId: actorId,
        action: 'location.viewed',
        target: 'positions',
        details: {
          via: `export-${format}`,
          devices: [...devices].sort(),
          from: earliest === undefined ? null : new Date(earliest).toISOString(),
          to: latest === undefined ? null : new Date(latest).toISOString(),
          fixes,
          complete,
        },
      });
    },
  };
}

export function createPersonExport(deps: PersonExportDeps) {
  const pageRows = deps.pageRows ?? PAGE_ROWS;

  /** One data set's rows; for positions, the location-view entry is written however the stream ends. */
  async function* rowsOf(reader: DatasetReader, dataset: ExportDataset, actorId: number, format: 'json' | 'csv'): AsyncGenerator<ExportRow[]> {
    const trail = dataset === 'positions' ? locationTrail(deps, actorId, format) : undefined;
    let complete = false;
    try {
      for (const page of reader.pages(pageRows)) {
        trail?.saw(page);
        yield page;
        await nextTurn();
      }
      complete = true;
    } finally {
      trail?.record(complete);
    }
  }

  function started(actorId: number, format: 'json' | 'csv', datasets: readonly ExportDataset[]): number {
    const at = deps.clock.now();
    deps.audit.append({ at, userId: actorId, action: 'privacy.exported', target: 'person', details: { format, datasets: [...datasets] } });
    deps.log.info({ userId: actorId, format, datasets }, 'export of the person\'s records started');
    return at;
  }

  return {
    /** The whole export as one JSON document, in pieces. */
    async *json(actorId: number): AsyncGenerator<string> {
      const exportedAt = started(actorId, 'json', exportDatasets);
      const household = deps.household();
      const readers = deps.readers();
      const devices = deps.devices().map((d) => ({ id: d.id, name: d.name, kind: d.kind, retiredAt: d.retiredAt === null ? null : new Date(d.retiredAt).toISOString() }));
      yield `{"exportedAt":${JSON.stringify(new Date(exportedAt).toISOString())}` +
        `,"person":${JSON.stringify(household.person)}` +
        `,"home":${JSON.stringify(household.home)}` +
        `,"zones":${JSON.stringify(household.zones ?? [])}` +
        `,"medication":${JSON.stringify(household.rules?.medication ?? [])}` +
        `,"devices":${JSON.stringify(devices)}`;
      for (const dataset of exportDatasets) {
        yield `,${JSON.stringify(dataset)}:[`;
        let first = true;
        for await (const page of rowsOf(readers[dataset], dataset, actorId, 'json')) {
          yield (first ? '' : ',') + page.map((row) => JSON.stringify(row.json)).join(',');
          first = false;
        }
        yield ']';
      }
      yield '}\n';
    },

    /** One data set as CSV: a header line, then one line per record. */
    async *csv(actorId: number, dataset: ExportDataset): AsyncGenerator<string> {
      started(actorId, 'csv', [dataset]);
      const reader = deps.readers()[dataset];
      yield csvLine(reader.header);
      for await (const page of rowsOf(reader, dataset, actorId, 'csv')) yield page.map((row) => csvLine(row.csv)).join('');
    },
  };
}

export type PersonExport = ReturnType<typeof createPersonExport>;
