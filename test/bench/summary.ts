import type { AlertLatencyResult } from './alert-latency.js';
import type { DashboardBytes } from './dashboard-bytes.js';
import type { HubBurstResult, HubSteadyResult, HubVerification } from './hub-ingest.js';
import type { RelayResult } from './mosquitto-relay.js';
import { MiB, type MemoryKinds, type PhaseCpu } from './process-stats.js';
import type { KindIngest } from './reading-kinds.js';
import { budgetRow, checkRow, errorRow, formatKiB, formatMB, formatMiB, formatMs, formatRate, infoRow, type ReportRow } from './report.js';
import { READING_KINDS, type ReadingKind, type StorageResult } from './storage.js';
import { FIX_EVERY_MS, type TrackerYearResult } from './tracker-year.js';

/**
 * Turns the measurements into the table rows: each DESIGN.md budget with its verdict, and the figures
 * a reader needs to trust them (every round, CPU share, what else was running).
 */
export interface HubRun {
  label: string;
  idleRssBytes: number | undefined;
  idleMemory: MemoryKinds | undefined;
  steady: HubSteadyResult | undefined;
  bursts: HubBurstResult[];
  /** Mosquitto measured in the same rounds, interleaved with this hub's bursts. */
  relays: RelayResult[];
  verification: HubVerification | undefined;
  /** Door and pill-box readings published into this hub (reading-kinds.ts), for storage by kind. */
  kinds: KindIngest[];
  /** Why that publishing failed, if it did (the hub's other figures still stand). */
  kindsError?: string;
}

export interface BenchResults {
  messages: number;
  startups: Array<{ readyMs: number; mqttReadyMs: number; httpReadyMs: number }> | undefined;
  hubs: HubRun[];
  storage: StorageResult | undefined;
  /** Night door-openings → alerts on MQTT and push requests at a local endpoint (alert-latency.ts), on a hub of its own. */
  alerts: AlertLatencyResult | undefined;
  /** A year of one tracker's fixes, generated into SQLite (tracker-year.ts). */
  trackerYear: TrackerYearResult | undefined;
  /** The dashboard's first load as a hub serves it (dashboard-bytes.ts). */
  dashboard: DashboardBytes | undefined;
  /** A bare node with the Pi flags, idle: what the runtime alone holds. */
  bareNode: { rssBytes: number | undefined; kinds: MemoryKinds | undefined } | undefined;
}

const KIND_NAMES: Record<ReadingKind, string> = { door: 'door', position: 'position (tracker fix)', pillbox: 'pill box' };

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const memoryKindsText = (kinds: MemoryKinds) => `${formatMiB(kinds.fileBytes)} / ${formatMiB(kinds.anonymousBytes)}`;

const max = (values: ReadonlyArray<number | undefined>) => {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
};
const mean = (values: ReadonlyArray<number | undefined>) => {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : known.reduce((sum, value) => sum + value, 0) / known.length;
};
const rounds = (values: readonly number[]) => values.map((value) => Math.round(value).toLocaleString('en-GB')).join(', ');
const cores = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(2));

function cpuRow(figure: string, phases: readonly PhaseCpu[]): ReportRow {
  const other = mean(phases.map((cpu) => cpu.otherCores));
  const child = mean(phases.map((cpu) => cpu.childCores));
  const bench = mean(phases.map((cpu) => cpu.benchCores));
  // Another job on a 2-core machine moves these figures more than any code change would.
  const shared = (max(phases.map((cpu) => cpu.otherCores)) ?? 0) > 0.2 ? '  (machine shared: figures disturbed)' : '';
  return infoRow(figure, `${cores(child)} / ${cores(bench)} / ${cores(other)}${shared}`, other, 'other cores');
}

/** p99 of each quarter of the openings, in order: every opening leaves one more open alert, so a trend shows here. */
function quarterP99s(latenciesInOrder: ReadonlyArray<number | null>, quarter: number): number[] {
  return [0, 1, 2, 3]
    .map((q) => latenciesInOrder.slice(q * quarter, (q + 1) * quarter).filter((v): v is number => v !== null))
    .filter((part) => part.length > 0)
    .map((part) => {
      const sorted = [...part].sort((x, y) => x - y);
      return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] as number;
    });
}

/** The alert-latency rows; `missing` when an opening got no alert (on MQTT or at the push endpoint), or an alert answered no opening. */
function alertRows(a: AlertLatencyResult): { rows: ReportRow[]; missing: boolean } {
  const rows: ReportRow[] = [];
  const ms = (value: number | undefined) => (value === undefined ? '?' : formatMs(value));
  const background = `${a.background.ratePerSecond} readings/s background`;
  const p = a.push;
  if (p !== undefined) {
    rows.push(
      budgetRow(
        `Night door-opening → Web Push request at the push endpoint, decrypted (p50 / p99 / max), ${background}`,
        p.latencyP99Ms,
        'ms',
        (p99) => `${ms(p.latencyP50Ms)} / ${formatMs(p99)} / ${ms(p.latencyMaxMs)} (first ${ms(p.firstLatencyMs)})`,
        { max: 25 },
        'p99 ≤ 25 ms',
      ),
    );
  }
  const mqtt = `${ms(a.latencyP50Ms)} / ${ms(a.latencyP99Ms)} / ${ms(a.latencyMaxMs)} (first ${ms(a.firstLatencyMs)}; bench's own event loop max ${formatMs(a.benchLoopMaxMs)})`;
  // The budget is to the push endpoint; the MQTT leg is held to it only when there is no push leg.
  rows.push(
    p === undefined
      ? budgetRow(`Night door-opening → alert on MQTT (p50 / p99 / max), ${background}`, a.latencyP99Ms, 'ms', () => mqtt, { max: 25 }, 'p99 ≤ 25 ms (to the push endpoint)')
      : infoRow('  the same openings → their alerts on MQTT (p50 / p99 / max)', mqtt, a.latencyP99Ms, 'ms (p99)'),
  );
  const quarter = Math.ceil(a.openings / 4);
  const trend = (latencies: ReadonlyArray<number | null>) => quarterP99s(latencies, quarter).map((v) => formatMs(v)).join(' / ');
  const pushTrend = p === undefined ? [] : quarterP99s(p.latenciesInOrder, quarter);
  rows.push(
    infoRow(
      `  p99 per quarter of the openings (${quarter} each; every opening leaves one more open alert)`,
      `${p === undefined ? '' : `push ${trend(p.latenciesInOrder)}; `}MQTT ${trend(a.latenciesInOrder)}`,
      pushTrend[pushTrend.length - 1] ?? quarterP99s(a.latenciesInOrder, quarter).at(-1),
      'ms (p99, last quarter)',
    ),
  );
  let missing = a.received !== a.openings || a.extra > 0 || a.mismatched > 0;
  const problems = [
    a.missing > 0 ? `${a.missing} missing` : '',
    a.extra > 0 ? `${a.extra} extra` : '',
    a.mismatched > 0 ? `${a.mismatched} not matching their opening` : '',
    a.doorPublishesFailed > 0 ? `${a.doorPublishesFailed} door publishes unacknowledged` : '',
  ].filter((problem) => problem !== '');
  const notes = [`${a.doors} doors, one opening each per ${Math.round(a.perDoorIntervalMs)} ms`, a.otherAlerts > 0 ? `${a.otherAlerts} other alerts` : '', a.redelivered > 0 ? `${a.redelivered} redelivered` : '']
    .filter((note) => note !== '')
    .join(', ');
  rows.push(
    checkRow(
      'Night-exit alerts on MQTT = openings',
      `${a.received} / ${a.openings} (${notes})${problems.length > 0 ? `  <<< MISMATCH (${problems.join(', ')}) >>>` : ''}`,
      'equal',
      !missing,
      a.received - a.openings,
      'alerts - openings',
    ),
  );
  if (p !== undefined) {
    const pushMissing = p.received !== a.openings || p.extra > 0 || p.undecrypted > 0 || p.vapidInvalid > 0;
    missing ||= pushMissing;
    const pushProblems = [
      p.missing > 0 ? `${p.missing} alerts never pushed` : '',
      a.openings - a.received > 0 ? `${a.openings - a.received} openings without an alert to push` : '',
      p.extra > 0 ? `${p.extra} pushed twice` : '',
      p.undecrypted > 0 ? `${p.undecrypted} not decrypted` : '',
      p.vapidInvalid > 0 ? `${p.vapidInvalid} without a valid VAPID signature` : '',
    ].filter((problem) => problem !== '');
    const kinds = Object.entries(p.kinds)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ');
    rows.push(
      checkRow(
        'Night exits pushed = openings (one request each, decrypted, VAPID valid)',
        `${p.received} / ${a.openings} (payload kinds: ${kinds || 'none'}${p.other > 0 ? `; ${p.other} other requests` : ''})${pushProblems.length > 0 ? `  <<< MISMATCH (${pushProblems.join(', ')}) >>>` : ''}`,
        'equal',
        !pushMissing,
        p.received - a.openings,
        'pushes - openings',
      ),
    );
  }
  const bg = a.background;
  rows.push(
    infoRow(
      'Background in the alert phase: PUBACK latency (p50 / p99 / max)',
      `${formatMs(bg.ackLatencyP50Ms)} / ${formatMs(bg.ackLatencyP99Ms)} / ${formatMs(bg.ackLatencyMaxMs)} (${bg.acked.toLocaleString('en-GB')}/${bg.sent.toLocaleString('en-GB')} acked)`,
      bg.ackLatencyP99Ms,
      'ms (p99)',
    ),
  );
  rows.push(budgetRow('Hub event-loop max delay, alert phase (from /metrics)', a.hubLoopMaxMs, 'ms', formatMs, { max: 50 }, '≤ 50 ms'));
  rows.push(cpuRow('CPU in the alert phase (cores: hub / bench / others)', [a.cpu]));
  return { rows, missing };
}

/** Bytes per reading of each kind as the hub stored them (dbstat), and the door/pill-box rows = PUBACKs checks. */
function storageRows(s: StorageResult, kinds: readonly KindIngest[]): { rows: ReportRow[]; mismatch: boolean } {
  const rows: ReportRow[] = [];
  let mismatch = false;
  for (const kind of READING_KINDS) {
    const t = s.kinds[kind];
    rows.push(
      budgetRow(
        `Storage per ${KIND_NAMES[kind]} reading (dbstat: its table + indexes, as the hub stored them)`,
        t.bytesPerReading,
        'bytes',
        (v) => `${v.toFixed(1)} B (${t.rows.toLocaleString('en-GB')} rows, ${formatMiB(t.bytes ?? 0)}, ${(100 * (t.unusedShare ?? 0)).toFixed(0)} % of page bytes unused)`,
        { max: 48 },
        '≤ 48 B',
      ),
    );
  }
  rows.push(infoRow('Storage per reading, every kind ((db file + WAL after TRUNCATE checkpoint) / rows)', `${s.fileBytesPerReading.toFixed(1)} B (file ${formatMiB(s.fileBytes)}, WAL ${s.walBytes} B)`, s.fileBytesPerReading, 'bytes'));
  for (const k of kinds) {
    const match = k.complete && k.rows === k.acked;
    if (!match) mismatch = true;
    rows.push(
      checkRow(
        `Rows in ${k.kind}_readings = PUBACKs (${k.devices} ${k.kind === 'door' ? 'inner doors' : 'pill boxes'}, ${formatRate(k.ackedPerSecond)})`,
        `${k.rows.toLocaleString('en-GB')} rows / ${k.acked.toLocaleString('en-GB')} acked of ${k.messages.toLocaleString('en-GB')}${match ? '' : '  <<< MISMATCH >>>'}`,
        'equal',
        match,
        k.rows - k.acked,
        'rows - acks',
      ),
    );
  }
  return { rows, mismatch };
}

function trackerYearRows(y: TrackerYearResult): ReportRow[] {
  const every = `${FIX_EVERY_MS / 1000} s`;
  const pages = [...y.newestPageMs, ...y.oldestPageMs];
  const med = (values: readonly number[]) => formatMs(median(values));
  return [
    budgetRow(`A year of one tracker (${y.fixes.toLocaleString('en-GB')} fixes, one every ${every}): database file`, y.fileBytes, 'bytes', formatMB, { max: 50e6 }, '≤ 50 MB'),
    budgetRow(
      '  its storage per reading (dbstat: position_readings + indexes)',
      y.table.bytesPerReading,
      'bytes',
      (v) => `${v.toFixed(1)} B (${formatMiB(y.table.bytes ?? 0)}, ${(100 * (y.table.unusedShare ?? 0)).toFixed(0)} % unused)`,
      { max: 48 },
      '≤ 48 B',
    ),
    budgetRow(
      `  the API's query for that year (GET /api/positions?deviceId&from=a year ago&limit=${y.pageRows.toLocaleString('en-GB')}: history-repo fixes()), slowest of ${pages.length} runs`,
      Math.max(...pages),
      'ms',
      (v) => `${formatMs(v)} (newest page: median ${med(y.newestPageMs)}, first on a fresh connection ${formatMs(y.newestPageMs[0] ?? Number.NaN)}; oldest page: median ${med(y.oldestPageMs)})`,
      { max: 100 },
      '≤ 100 ms',
    ),
    infoRow(
      '  the whole year read back (no API answers this in one request: pages hold at most 5,000)',
      `${formatMs(y.allPagesMs)} paging through (${y.pages} pages); ${formatMs(y.oneQueryMs)} in one positionHistory() query`,
      y.allPagesMs,
      'ms',
    ),
    infoRow('  generated through the store\'s readings repository (not over MQTT)', `${y.insertSeconds.toFixed(1)} s (${formatRate(y.fixes / y.insertSeconds)})`, y.insertSeconds, 's'),
  ];
}

function dashboardRows(d: DashboardBytes): ReportRow[] {
  const scripts = d.files.filter((f) => /\.(js|css)$/.test(f.url) && f.url !== '/service-worker.js').length;
  const plain = d.files.filter((f) => !f.gzip).map((f) => f.url);
  return [
    budgetRow(
      `Dashboard first load: scripts and style sheets, gzip as the hub serves them (${scripts} files)`,
      d.scriptAndStyleBytes,
      'bytes',
      (v) => `${formatKiB(v)} (+ page ${formatKiB(d.pageBytes)})`,
      { max: 150 * 1024 },
      '≤ 150 KiB',
    ),
    infoRow(
      '  everything a first visit fetches (page, scripts, styles, manifest, icons, service worker)',
      `${formatKiB(d.scriptAndStyleBytes + d.pageBytes + d.otherBytes)} in ${d.files.length} requests${plain.length > 0 ? ` (not gzipped: ${plain.join(', ')})` : ''}`,
      d.scriptAndStyleBytes + d.pageBytes + d.otherBytes,
      'bytes',
    ),
    infoRow(`  every script and style sheet in the build, lazy ones too (${d.buildFiles} files)`, formatKiB(d.buildScriptAndStyleBytes), d.buildScriptAndStyleBytes, 'bytes'),
  ];
}

export function summaryRows(results: BenchResults): { rows: ReportRow[]; mismatch: boolean; alertsMissing: boolean } {
  const rows: ReportRow[] = [];
  const { messages } = results;
  let mismatch = false;

  for (const hub of results.hubs) {
    const relayRates = hub.relays.map((relay) => relay.relayPerSecond);
    const hubRates = hub.bursts.map((b) => b.ackedPerSecond);
    const mosquitto = median(relayRates);
    const ingest = median(hubRates);
    if (hub.relays.length > 0) {
      rows.push(infoRow(`Mosquitto relay rate, median of rounds beside hub [${hub.label}]`, `${formatRate(mosquitto)} (rounds: ${rounds(relayRates)})`, mosquitto, 'messages/s'));
      const lost = hub.relays.filter((relay) => !relay.complete);
      if (lost.length > 0) rows.push(checkRow('Mosquitto delivered every message', lost.map((r) => `${r.received}/${r.messages}`).join(', '), 'all', false));
    }
    if (hub.bursts.length > 0) {
      rows.push(infoRow(`Hub ingest [${hub.label}], committed before PUBACK, median`, `${formatRate(ingest)} (rounds: ${rounds(hubRates)})`, ingest, 'readings/s'));
      rows.push(budgetRow(`Hub [${hub.label}] / Mosquitto (medians)`, mosquitto > 0 ? (100 * ingest) / mosquitto : undefined, '%', (v) => `${v.toFixed(1)} %`, { min: 75 }, '≥ 75 %'));
      const incomplete = hub.bursts.filter((b) => !b.complete);
      if (incomplete.length > 0) {
        rows.push(checkRow(`Every burst publish acknowledged [${hub.label}]`, incomplete.map((b) => `${b.acked} acked, ${b.failed} failed of ${messages}`).join('; '), 'all', false));
      }
    }
    const check = hub.verification;
    if (check !== undefined) {
      const match = check.rows === check.acked;
      if (!match) mismatch = true;
      const refused = Object.entries(check.refused).map(([reason, count]) => `${reason}=${count}`).join(', ') || 'none';
      rows.push(
        checkRow(
          `Rows in position_readings = PUBACKs [${hub.label}]`,
          `${check.rows.toLocaleString('en-GB')} rows / ${check.acked.toLocaleString('en-GB')} acked${match ? '' : `  <<< MISMATCH (${check.rows - check.acked}; hub refused: ${refused}) >>>`}`,
          'equal',
          match,
          check.rows - check.acked,
          'rows - acks',
        ),
      );
    }
  }

  for (const hub of results.hubs) {
    rows.push(budgetRow(`Hub RSS idle [${hub.label}], 3 s after start`, hub.idleRssBytes, 'bytes', formatMiB, { max: 70 * MiB }, '≤ 70 MiB'));
    if (hub.idleMemory !== undefined) rows.push(infoRow('  of which file-backed (node binary, libraries) / anonymous (JS heap, allocations)', memoryKindsText(hub.idleMemory), hub.idleMemory.anonymousBytes, 'bytes anonymous'));
    if (hub.label === 'Pi flags' && results.bareNode?.rssBytes !== undefined) {
      const bare = results.bareNode;
      rows.push(infoRow('  a bare node with the same flags, nothing loaded (file-backed / anonymous)', `${formatMiB(bare.rssBytes as number)}${bare.kinds === undefined ? '' : ` (${memoryKindsText(bare.kinds)})`}`, bare.rssBytes, 'bytes'));
    }
    if (hub.steady !== undefined) {
      const s = hub.steady;
      rows.push(budgetRow(`Hub RSS peak at 1,000 readings/s for ${s.seconds} s [${hub.label}]`, s.peakRssBytes, 'bytes', formatMiB, { max: 128 * MiB }, '≤ 128 MiB'));
      rows.push(
        infoRow(
          `PUBACK latency at 1,000 readings/s [${hub.label}] (p50 / p99 / max)`,
          `${formatMs(s.ackLatencyP50Ms)} / ${formatMs(s.ackLatencyP99Ms)} / ${formatMs(s.ackLatencyMaxMs)} (${s.acked.toLocaleString('en-GB')}/${s.sent.toLocaleString('en-GB')} acked)`,
          s.ackLatencyP99Ms,
          'ms (p99)',
        ),
      );
    }
    const peak = max(hub.bursts.map((b) => b.peakRssBytes));
    if (hub.bursts.length > 0) rows.push(infoRow(`Hub RSS peak in ${messages.toLocaleString('en-GB')}-message bursts [${hub.label}]`, peak === undefined ? 'not measured' : formatMiB(peak), peak, 'bytes'));
  }

  if (results.startups !== undefined && results.startups.length > 0) {
    const ready = results.startups.map((s) => s.readyMs);
    const detail = ready.map((ms) => Math.round(ms)).join(', ');
    rows.push(budgetRow('Start-up to MQTT + /api/health (Pi flags), median', median(ready), 'ms', (v) => `${formatMs(v)} (runs: ${detail} ms)`, { max: 1000 }, '≤ 1 s'));
    rows.push(budgetRow('Start-up to MQTT + /api/health (Pi flags), max', Math.max(...ready), 'ms', formatMs, { max: 1000 }, '≤ 1 s'));
  }

  for (const hub of results.hubs) {
    const loops = [...hub.bursts.map((b) => b.hubLoopMaxMs), hub.steady?.hubLoopMaxMs].filter((v): v is number => v !== undefined);
    if (loops.length > 0) {
      rows.push(budgetRow(`Hub event-loop max delay, every phase [${hub.label}] (from /metrics)`, Math.max(...loops), 'ms', formatMs, { max: 50 }, '≤ 50 ms'));
    }
    if (hub.bursts.length === 0) continue;
    const gap = max(hub.bursts.map((b) => b.maxAckGapMs));
    const benchLoop = max(hub.bursts.map((b) => b.benchLoopMaxMs)) ?? 0;
    rows.push(
      budgetRow(
        `Max gap between PUBACKs in bursts [${hub.label}]: PROXY for event-loop stall`,
        gap,
        'ms',
        (v) => `${formatMs(v)} (bench's own event loop max ${formatMs(benchLoop)})`,
        { max: 50 },
        '≤ 50 ms (proxy)',
      ),
    );
  }

  let alertsMissing = false;
  if (results.alerts !== undefined) {
    const alerts = alertRows(results.alerts);
    rows.push(...alerts.rows);
    alertsMissing = alerts.missing;
  }

  if (results.storage !== undefined) {
    const storage = storageRows(
      results.storage,
      results.hubs.flatMap((hub) => hub.kinds),
    );
    rows.push(...storage.rows);
    if (storage.mismatch) mismatch = true;
  }
  for (const hub of results.hubs) if (hub.kindsError !== undefined) rows.push(errorRow(`door and pill-box readings [${hub.label}]`, hub.kindsError));
  if (results.trackerYear !== undefined) rows.push(...trackerYearRows(results.trackerYear));
  if (results.dashboard !== undefined) rows.push(...dashboardRows(results.dashboard));

  for (const hub of results.hubs) {
    if (hub.relays.length > 0) rows.push(cpuRow(`CPU in Mosquitto rounds beside hub [${hub.label}] (cores: mosquitto / bench / others)`, hub.relays.map((r) => r.cpu)));
    if (hub.bursts.length > 0) rows.push(cpuRow(`CPU in hub bursts [${hub.label}] (cores: hub / bench / others)`, hub.bursts.map((b) => b.cpu)));
  }
  return { rows, mismatch, alertsMissing };
}
