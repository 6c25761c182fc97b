import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/core/readings.js';
import { QUIET_MINUTES, START_DELAY_MS } from '../../src/privacy/pruner.js';
import { defaultRetention } from '../../src/privacy/retention-policy.js';
import { startHomeHub, type HomeHub } from './home-fixture.js';

/** Retention and its pruning schedule, export, and erasure on request (issue 5, item 8). */
let t: HomeHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const DAY = 86_400_000;
const MIN = 60_000;
async function start(): Promise<HomeHub> {
  t = await startHomeHub();
  return t;
}

function fixes(hub: HomeHub, times: number[]): void {
  const num = hub.hub.household.view().deviceNums.get('mum-phone')!;
  hub.hub.store.transaction(() => {
    for (const at of times) hub.hub.store.readings.insert(num, { kind: 'position', deviceId: 'mum-phone', at, atFromDevice: true, lat: 51.5072 + (at % 1000) / 1e7, lon: -0.1276, accuracyM: 9 });
  });
}

function count(hub: HomeHub, table: string): number {
  return (hub.hub.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

function times(hub: HomeHub, table: string, column = 'at'): number[] {
  return (hub.hub.store.db.prepare(`SELECT ${column} AS at FROM ${table} ORDER BY ${column}`).all() as Array<{ at: number }>).map((r) => r.at);
}

function addAlert(hub: HomeHub, id: string, raisedAt: number, resolvedAt: number | null, incidentId: string | null = null): void {
  hub.hub.store.db
    .prepare(
      `INSERT INTO alerts (id, key, type, severity, status, device_id, incident_id, title, details, raised_at, resolved_at, resolution)
       VALUES (?, ?, 'night-exit', 'urgent', ?, 'front-door', ?, 'Front door opened at night', '{"lat":51.5}', ?, ?, ?)`,
    )
    .run(id, `night-exit:front-door:${raisedAt}:${id}`, resolvedAt === null ? 'open' : 'resolved', incidentId, raisedAt, resolvedAt, resolvedAt === null ? null : 'found her in the garden');
}

function addNote(hub: HomeHub, at: number, text: string, authorId: number | null): number {
  return Number(hub.hub.store.db.prepare("INSERT INTO care_notes (at, author_id, kind, text) VALUES (?, ?, 'note', ?)").run(at, authorId, text).lastInsertRowid);
}

describe('GET and PUT /api/privacy/retention', () => {
  it('shows the periods (positions 30 days by default) to everyone who reads the care plan, not the installer', async () => {
    const hub = await start();
    for (const role of ['owner', 'family', 'carer', 'viewer'] as const) {
      const response = await hub.as(role, { method: 'GET', url: '/api/privacy/retention' });
      expect(response.statusCode, role).toBe(200);
      expect(response.json()).toMatchObject({ days: defaultRetention, defaults: defaultRetention, updatedAt: null, lastRun: null });
    }
    expect(defaultRetention.positions).toBe(30);
    expect((await hub.as('installer', { method: 'GET', url: '/api/privacy/retention' })).statusCode).toBe(403);
  });

  it('lets the owner change them, audited; a shorter period brings the next pruning forward', async () => {
    const hub = await start();
    hub.hub.api.home.start();
    hub.clock.advance(START_DELAY_MS);
    expect(await hub.hub.api.home.tick()).toMatchObject({ trigger: 'start' });
    const next = { ...defaultRetention, positions: 7, careNotes: 400 };
    hub.clock.advance(MIN);
    const lengthened = await hub.as('owner', { method: 'PUT', url: '/api/privacy/retention', payload: { ...defaultRetention, careNotes: 400 } });
    expect((lengthened.json() as { nextRunAt: string }).nextRunAt).toBe('2026-01-06T03:30:00.000Z');
    const response = await hub.as('owner', { method: 'PUT', url: '/api/privacy/retention', payload: next });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { days: unknown; updatedAt: string; updatedBy: number; nextRunAt: string };
    expect(body.days).toEqual(next);
    expect(body.updatedAt).toBe(new Date(hub.clock.now()).toISOString());
    expect(body.updatedBy).toBe(hub.users.get('owner')!.id);
    expect(body.nextRunAt).toBe(new Date(hub.clock.now() + START_DELAY_MS).toISOString());
    expect(hub.audited('privacy.retention-changed')[1]).toEqual({ userId: hub.users.get('owner')!.id, target: 'retention', details: { from: { ...defaultRetention, careNotes: 400 }, to: next } });
    expect((await hub.as('viewer', { method: 'GET', url: '/api/privacy/retention' })).json()).toMatchObject({ days: next });
  });

  it('refuses other roles, and periods out of bounds, missing or unknown, naming the field; nothing changes', async () => {
    const hub = await start();
    for (const role of ['family', 'carer', 'viewer', 'installer'] as const) {
      expect((await hub.as(role, { method: 'PUT', url: '/api/privacy/retention', payload: { ...defaultRetention, positions: 1 } })).statusCode, role).toBe(403);
    }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...defaultRetention, positions: 0 }, '/positions'],
      [{ ...defaultRetention, audit: 30 }, '/audit'],
      [{ ...defaultRetention, doors: 1.5 }, '/doors'],
      [{ ...defaultRetention, positions: 99_999 }, '/positions'],
      [{ ...defaultRetention, photos: 3 }, '/photos'],
    ];
    const { careNotes: _careNotes, ...missing } = defaultRetention;
    cases.push([missing, '/careNotes']);
    for (const [payload, path] of cases) {
      const response = await hub.as('owner', { method: 'PUT', url: '/api/privacy/retention', payload });
      expect(response.statusCode, path).toBe(400);
      expect((response.json() as { problems: Array<{ path: string }> }).problems[0]?.path).toBe(path);
    }
    expect((await hub.as('owner', { method: 'GET', url: '/api/privacy/retention' })).json()).toMatchObject({ days: defaultRetention, updatedAt: null });
    expect(hub.audited('privacy.retention-changed')).toEqual([]);
  });
});

describe('pruning on a schedule', () => {
  it('runs shortly after start and then daily at the quiet hour, deleting what is older than each period in batches', async () => {
    const hub = await start();
    const t0 = hub.clock.now();
    const firstRun = t0 + START_DELAY_MS;
    const cutoff = firstRun - 30 * DAY;
    // 2,525 fixes older than 30 days (across two boundaries of the 1,000-row batches), one exactly at the limit, 10 newer.
    const old = Array.from({ length: 2525 }, (_, i) => cutoff - 1 - i * 60_000);
    const kept = [cutoff, ...Array.from({ length: 10 }, (_, i) => cutoff + 1 + i * DAY)];
    fixes(hub, [...old, ...kept]);
    // Doors: 180 days; audit: 730 days; care notes: 365 days; alerts: resolved, 365 days.
    const front = hub.hub.household.view().deviceNums.get('front-door')!;
    hub.hub.store.transaction(() => {
      for (const days of [200, 190, 181, 179, 10]) hub.hub.store.readings.insert(front, { kind: 'door', deviceId: 'front-door', at: firstRun - days * DAY, atFromDevice: true, open: true });
    });
    hub.hub.store.audit.append({ at: firstRun - 800 * DAY, userId: null, action: 'ancient', target: null });
    addNote(hub, firstRun - 400 * DAY, 'an old note', null);
    addNote(hub, firstRun - 100 * DAY, 'a recent note', null);
    hub.hub.store.db.prepare("INSERT INTO incidents (id, type, status, opened_at, last_alert_at, closed_at) VALUES ('inc-old', 'wandering', 'closed', ?, ?, ?)").run(firstRun - 500 * DAY, firstRun - 500 * DAY, firstRun - 500 * DAY);
    addAlert(hub, 'old-resolved', firstRun - 500 * DAY, firstRun - 499 * DAY, 'inc-old');
    addAlert(hub, 'old-open', firstRun - 500 * DAY, null);
    addAlert(hub, 'recent-resolved', firstRun - 10 * DAY, firstRun - 9 * DAY);
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2024-06-01', status: 'on-time', at: Date.UTC(2024, 5, 1, 8) });
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2025-12-01', status: 'late', at: Date.UTC(2025, 11, 1, 9) });

    hub.hub.api.home.start();
    expect(await hub.hub.api.home.tick()).toBeUndefined();
    expect(count(hub, 'position_readings')).toBe(2536);
    hub.clock.advance(START_DELAY_MS);
    const run = await hub.hub.api.home.tick();
    expect(run).toMatchObject({ trigger: 'start', startedAt: firstRun, deleted: { positions: 2525, doors: 3, audit: 1, careNotes: 1, alerts: 1, incidents: 1, doses: 1, pillbox: 0 }, failed: {} });
    expect(times(hub, 'position_readings')).toEqual(kept);
    expect(times(hub, 'door_readings').map((at) => Math.round((firstRun - at) / DAY))).toEqual([179, 10]);
    expect((hub.hub.store.db.prepare('SELECT id FROM alerts ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id)).toEqual(['old-open', 'recent-resolved']);
    expect((hub.hub.store.db.prepare('SELECT text FROM care_notes').all() as Array<{ text: string }>).map((r) => r.text)).toEqual(['a recent note']);
    expect(hub.hub.store.ruleState.doses('2000-01-01', '2099-01-01').map((d) => d.date)).toEqual(['2025-12-01']);
    expect(hub.logs.some((line) => line.msg.startsWith('retention: pruned') && (line.deleted as { positions: number }).positions === 2525)).toBe(true);

    // The next run is at 03:30 home time (London is on UTC in January), and reported.
    const quiet = Date.UTC(2026, 0, 6, Math.floor(QUIET_MINUTES / 60), QUIET_MINUTES % 60);
    const report = (await hub.as('family', { method: 'GET', url: '/api/privacy/retention' })).json() as { lastRun: Record<string, unknown>; nextRunAt: string };
    expect(report.nextRunAt).toBe(new Date(quiet).toISOString());
    expect(report.lastRun).toMatchObject({ trigger: 'start', startedAt: new Date(firstRun).toISOString(), deleted: { positions: 2525 } });
    expect((report.lastRun.cutoffs as Record<string, string>).positions).toBe(new Date(cutoff).toISOString());

    // Nothing more until the quiet hour, 18 h later; by then the fix that was exactly at the limit, and
    // the one a millisecond newer, have aged out.
    hub.clock.set(quiet - 1);
    expect(await hub.hub.api.home.tick()).toBeUndefined();
    hub.clock.set(quiet);
    const daily = await hub.hub.api.home.tick();
    expect(daily).toMatchObject({ trigger: 'daily', deleted: { positions: 2 } });
    expect(times(hub, 'position_readings')).toEqual(kept.slice(2));
  });

  it('applies a shortened period within minutes, not at the next quiet hour', async () => {
    const hub = await start();
    hub.hub.api.home.start();
    hub.clock.advance(START_DELAY_MS);
    await hub.hub.api.home.tick();
    fixes(hub, [hub.clock.now() - 10 * DAY, hub.clock.now() - 2 * DAY]);
    await hub.as('owner', { method: 'PUT', url: '/api/privacy/retention', payload: { ...defaultRetention, positions: 7 } });
    hub.clock.advance(START_DELAY_MS);
    expect(await hub.hub.api.home.tick()).toMatchObject({ trigger: 'retention-changed', deleted: { positions: 1 } });
    expect(count(hub, 'position_readings')).toBe(1);
  });
});

/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('export', () => {
  async function withRecords(): Promise<HomeHub> {
    const hub = await start();
    const now = hub.clock.now();
    fixes(hub, Array.from({ length: 2500 }, (_, i) => now - (2500 - i) * 30_000));
    const readings: Reading[] = [
      { kind: 'door', deviceId: 'front-door', at: now - 5 * MIN, atFromDevice: true, open: true },
      { kind: 'pillbox', deviceId: 'pillbox', at: now - 4 * MIN, atFromDevice: true, compartment: 1, open: true },
    ];
    hub.ingest(readings);
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2026-01-05', status: 'on-time', at: now - 4 * MIN });
    hub.hub.store.db.prepare("INSERT INTO incidents (id, type, status, opened_at, last_alert_at) VALUES ('inc-1', 'wandering', 'open', ?, ?)").run(now - 3 * MIN, now - 3 * MIN);
    addAlert(hub, 'alert-1', now - 3 * MIN, null, 'inc-1');
    addNote(hub, now - 2 * MIN, 'She said "hello", then left\r\nwith Anna, happy', hub.users.get('carer')!.id);
    addNote(hub, now - MIN, '=HYPERLINK("http://evil.example")', hub.users.get('family')!.id);
    return hub;
  }

  it('gives the owner everything held about the person as one JSON document, streamed; audited, positions as a location view', async () => {
    const hub = await withRecords();
    const response = await hub.as('owner', { method: 'GET', url: '/api/privacy/export' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="homeward-export-2026-01-05.json"');
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as Record<string, unknown[] | Record<string, unknown>>;
    expect(Object.keys(body)).toEqual(['exportedAt', 'person', 'home', 'zones', 'medication', 'devices', 'positions', 'doors', 'pillbox', 'doses', 'alerts', 'incidents', 'careNotes']);
    expect(body.person).toEqual(hub.hub.household.view().household.person);
    const positions = body.positions as Array<{ at: string; deviceId: string }>;
    expect(positions).toHaveLength(2500);
    expect(positions.map((p) => Date.parse(p.at))).toEqual([...positions.map((p) => Date.parse(p.at))].sort((a, b) => a - b));
    expect(body.doors).toEqual([{ deviceId: 'front-door', at: new Date(hub.clock.now() - 5 * MIN).toISOString(), open: true }]);
    expect(body.pillbox).toHaveLength(1);
    expect(body.doses).toEqual([{ dose: 'morning-tablets', date: '2026-01-05', status: 'on-time', at: new Date(hub.clock.now() - 4 * MIN).toISOString() }]);
    expect(body.alerts).toEqual([expect.objectContaining({ id: 'alert-1', incidentId: 'inc-1', details: { lat: 51.5 }, status: 'open' })]);
    expect(body.incidents).toEqual([expect.objectContaining({ id: 'inc-1', status: 'open' })]);
    expect(body.careNotes).toEqual([
      expect.objectContaining({ text: 'She said "hello", then left\r\nwith Anna, happy', author: hub.users.get('carer')!.name }),
      expect.objectContaining({ text: '=HYPERLINK("http://evil.example")' }),
    ]);
    const owner = hub.users.get('owner')!.id;
    expect(hub.audited('privacy.exported')).toEqual([{ userId: owner, target: 'person', details: { format: 'json', datasets: ['positions', 'doors', 'pillbox', 'doses', 'alerts', 'incidents', 'careNotes'] } }]);
    expect(hub.audited('location.viewed')).toEqual([
      { userId: owner, target: 'positions', details: { via: 'export-json', devices: ['mum-phone'], from: positions[0]!.at, to: positions[2499]!.at, fixes: 2500, complete: true } },
    ]);
  });

  it('gives one data set as CSV: a header, one line per record, quoted where needed, formulas defused', async () => {
    const hub = await withRecords();
    const notes = await hub.as('owner', { method: 'GET', url: '/api/privacy/export/careNotes.csv' });
    expect(notes.statusCode).toBe(200);
    expect(notes.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(notes.body.startsWith('id,at,author,kind,text,incident,edited_at\r\n')).toBe(true);
    expect(notes.body).toContain('"She said ""hello"", then left\r\nwith Anna, happy"');
    const rows = parseCsv(notes.body);
    expect(rows).toHaveLength(3);
    expect(rows[1]?.[4]).toBe('She said "hello", then left\r\nwith Anna, happy');
    expect(rows[2]?.[4]).toBe(`'=HYPERLINK("http://evil.example")`);

    const positions = await hub.as('owner', { method: 'GET', url: '/api/privacy/export/positions.csv' });
    const lines = positions.body.split('\r\n');
    expect(lines[0]).toBe('device,at,lat,lon,accuracy_m');
    expect(lines).toHaveLength(2502);
    expect(lines.at(-1)).toBe('');
    expect(lines[1]).toMatch(/^mum-phone,2026-01-04T\d\d:\d\d:\d\d\.000Z,51\.50\d+,-0\.1276,9$/);
    expect(hub.audited('privacy.exported').map((e) => e.details)).toEqual([
      { format: 'csv', datasets: ['careNotes'] },
      { format: 'csv', datasets: ['positions'] },
    ]);
    expect(hub.audited('location.viewed').map((e) => e.details)).toEqual([expect.objectContaining({ via: 'export-csv', fixes: 2500, complete: true })]);
  });

  it('audits a download stopped part-way as an incomplete location view, with the fixes that went out', async () => {
    const hub = await withRecords();
    const owner = hub.users.get('owner')!.id;
    const stream = hub.hub.api.home.routes.privacy.exportCsv(owner, 'positions');
    let text = '';
    for await (const chunk of stream) {
      text += String(chunk);
      if (text.split('\r\n').length > 1000) break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    const [entry] = hub.audited('location.viewed');
    expect(entry?.details).toMatchObject({ via: 'export-csv', complete: false });
    // Counted as handed to the response: never fewer than arrived (a buffered page more, at most).
    expect(entry?.details.fixes).toBeGreaterThanOrEqual(text.split('\r\n').length - 2);
    expect(entry?.details.fixes).toBeLessThan(2500);
  });

  it('refuses an unknown data set, and everyone but the owner; nothing is audited for a refusal', async () => {
    const hub = await withRecords();
    const unknown = await hub.as('owner', { method: 'GET', url: '/api/privacy/export/passwords.csv' });
    expect(unknown.statusCode).toBe(400);
    for (const role of ['family', 'carer', 'viewer', 'installer'] as const) {
      expect((await hub.as(role, { method: 'GET', url: '/api/privacy/export' })).statusCode, role).toBe(403);
      expect((await hub.as(role, { method: 'GET', url: '/api/privacy/export/positions.csv' })).statusCode, role).toBe(403);
    }
    expect(hub.audited('privacy.exported')).toEqual([]);
    expect(hub.audited('location.viewed')).toEqual([]);
  });
});

describe('POST /api/privacy/erase', () => {
  it('erases the chosen data sets across batches of 1,000, from the database file and its WAL, audited with counts only', async () => {
    const hub = await start();
    const now = hub.clock.now();
    fixes(hub, Array.from({ length: 2100 }, (_, i) => now - i * MIN));
    hub.ingest([{ kind: 'door', deviceId: 'front-door', at: now - MIN, atFromDevice: true, open: true }]);
    const secret = 'ZEBRA-CROSSING-NOTE-4711';
    addNote(hub, now - MIN, `Walked to the ${secret} with her`, null);
    addAlert(hub, 'resolved-1', now - DAY, now - DAY + MIN);
    addAlert(hub, 'open-1', now - MIN, null);

    const response = await hub.as('owner', { method: 'POST', url: '/api/privacy/erase', payload: { datasets: ['positions', 'careNotes', 'alerts'], confirm: 'erase' } });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json() as Record<string, unknown>;
    expect(report).toMatchObject({ datasets: ['positions', 'careNotes', 'alerts'], before: null, deleted: { positions: 2100, careNotes: 1, alerts: 1, incidents: 0 }, walTruncated: true });
    expect(report.remains).toEqual(expect.arrayContaining([expect.stringContaining('backups')]));
    expect(count(hub, 'position_readings')).toBe(0);
    expect(count(hub, 'care_notes')).toBe(0);
    expect(count(hub, 'door_readings')).toBe(1);
    // An open alert is someone's current business: it stays until resolved.
    expect((hub.hub.store.db.prepare('SELECT id FROM alerts').all() as Array<{ id: string }>).map((r) => r.id)).toEqual(['open-1']);
    const file = hub.hub.home.file;
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect(readFileSync(file).includes(Buffer.from(secret))).toBe(false);

    const [entry] = hub.audited('privacy.erased');
    expect(entry).toEqual({
      userId: hub.users.get('owner')!.id,
      target: 'person',
      details: { datasets: ['positions', 'careNotes', 'alerts'], before: null, deleted: { positions: 2100, careNotes: 1, alerts: 1, incidents: 0 } },
    });
    expect(JSON.stringify(entry)).not.toContain('51.50');
  });

  it('erases only what is older than `before`', async () => {
    const hub = await start();
    const now = hub.clock.now();
    fixes(hub, Array.from({ length: 20 }, (_, i) => now - i * DAY));
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2026-01-01', status: 'missed', at: now - 4 * DAY });
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2026-01-04', status: 'late', at: now - DAY });
    const before = new Date(now - 9.5 * DAY).toISOString();
    const response = await hub.as('owner', { method: 'POST', url: '/api/privacy/erase', payload: { datasets: ['positions', 'doses'], before: new Date(Date.UTC(2026, 0, 3)).toISOString(), confirm: 'erase' } });
    expect(response.json()).toMatchObject({ deleted: { positions: 17, doses: 1 } });
    const second = await hub.as('owner', { method: 'POST', url: '/api/privacy/erase', payload: { datasets: ['positions'], before, confirm: 'erase' } });
    expect(second.json()).toMatchObject({ deleted: { positions: 0 } });
    expect(times(hub, 'position_readings')).toEqual([now - 2 * DAY, now - DAY, now]);
    expect(hub.hub.store.ruleState.doses('2000-01-01', '2099-01-01').map((d) => d.date)).toEqual(['2026-01-04']);
  });

  it('refuses without confirm: "erase", an unknown data set, the audit log, and anyone but the owner; nothing is deleted', async () => {
    const hub = await start();
    fixes(hub, [hub.clock.now() - MIN]);
    const attempts: Array<Record<string, unknown>> = [
      { datasets: ['positions'] },
      { datasets: ['positions'], confirm: 'yes' },
      { datasets: ['audit'], confirm: 'erase' },
      { datasets: [], confirm: 'erase' },
      { datasets: ['positions', 'positions'], confirm: 'erase' },
      { datasets: ['positions'], before: 'last week', confirm: 'erase' },
    ];
    for (const payload of attempts) {
      const response = await hub.as('owner', { method: 'POST', url: '/api/privacy/erase', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_request' });
    }
    for (const role of ['family', 'carer', 'viewer', 'installer'] as const) {
      expect((await hub.as(role, { method: 'POST', url: '/api/privacy/erase', payload: { datasets: ['positions'], confirm: 'erase' } })).statusCode, role).toBe(403);
    }
    expect(count(hub, 'position_readings')).toBe(1);
    expect(hub.audited('privacy.erased')).toEqual([]);
  });
});
