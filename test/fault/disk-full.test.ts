import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { openHome } from '../../src/hub.js';
import type { PushPayload } from '../../src/notify/web-push/push-payload.js';
import { startLocalPushService, type LocalPushService, type PushRequest, type TestBrowser } from '../notify/local-push-service.js';
import { startHubProcess } from '../support/faked-hub.js';
import type { HubProcess } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { memberWithPhone, pushingHubEnv } from '../support/pushing-hub.js';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

/**
 * Issue 10, fault injection: a full disk. The data directory of a real hub process (the built hub, as
 * `npm start` runs it) is a real 4 MB tmpfs; a tracker publishes QoS 1 fixes over MQTT while a ballast
 * file takes the space. What the issue asks, checked end to end:
 *  - an alert to the owner (and installers, as for a sensor fault) BEFORE the disk is full, while it can
 *    still be stored: a real Web Push, decrypted by the local push service with each phone's key;
 *  - a clear error in the log once per episode, naming the data directory and its free space, however
 *    many commits fail;
 *  - no PUBACK for a reading not saved: every fix the tracker had acknowledged is in the database;
 *  - recovery without a restart: the ballast goes, the tracker's next connection commits everything it
 *    kept, the alert resolves (and those told hear it is over), the same process still running.
 * Mounting needs root (this machine and CI); elsewhere the test is skipped.
 */
const MB = 1024 * 1024;
// The early warning under 1.5 MB free (min of lowBytes and lowShare × 4 MB), checked every 100 ms.
const DISK_SPACE = { lowBytes: 1.5 * MB, lowShare: 0.5, checkEveryMs: 100 };

/** Waits for a real event (a log line, a push, an acknowledgement), polling; bounded. */
async function until(what: string, condition: () => boolean | Promise<boolean>, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Fills the file system: appends to the ballast until the kernel says ENOSPC, down to the last page. */
function fillUp(file: string): void {
  const fd = openSync(file, 'a');
  try {
    for (const chunk of [256 * 1024, 4096]) {
      const zeros = Buffer.alloc(chunk);
      for (;;) {
        try {
          writeSync(fd, zeros);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const freeBytes = (dir: string) => {
  const reading = statfsSync(dir);
  return reading.bavail * reading.bsize;
};

describe.skipIf(!canMountTmpfs)('a full disk under a running hub (issue 10)', () => {
  let disk: Tmpfs;
  let scratch: string;
  let service: LocalPushService;
  let hub: HubProcess | undefined;
  let tracker: MqttClient | undefined;
  const phones: Record<'owner' | 'installer' | 'family', TestBrowser | undefined> = { owner: undefined, installer: undefined, family: undefined };
  let credential: { username: string; password: string };
  let httpPort = 0;
  let mqttPort = 0;

  beforeAll(async () => {
    disk = mountTmpfs('4M');
    scratch = mkdtempSync(path.join(os.tmpdir(), 'homeward-disk-full-'));
    service = await startLocalPushService();
    const home = openHome({ ...defaultConfig(), dataDir: disk.dir });
    try {
      home.household.import({
        home: { name: 'Disk full', timezone: 'UTC' },
        person: { name: 'Margaret' },
        devices: [{ id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'native' }],
      });
      credential = home.credentials.reveal('mum-phone')!;
      for (const [role, name] of [['owner', 'Olive'], ['installer', 'Ivan'], ['family', 'Anna']] as const) phones[role] = (await memberWithPhone(home, service, name, role)).phone;
    } finally {
      home.close();
    }
    ({ process: hub, mqttPort, httpPort } = await startHubProcess({ ...pushingHubEnv(scratch, service, { diskSpace: DISK_SPACE }), HOMEWARD_DATA_DIR: disk.dir, HOMEWARD_LOG_LEVEL: 'info' }));
  });

  afterAll(async () => {
    tracker?.end(true);
    if (hub !== undefined && hub.child.exitCode === null) {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
    await service?.close();
    // Only once the hub has exited: a file still open keeps the mount busy.
    disk?.unmount();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  /** The hub's log, one JSON object a line. */
  const logLines = () =>
    (hub?.output() ?? '')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; module?: string; dataDir?: string; freeBytes?: number });
  /** What reached a phone about the hub's storage (a daily digest may arrive too, and is not this test's). */
  const payloadsTo = (phone: TestBrowser | undefined) =>
    service.requests
      .filter((request: PushRequest) => request.browser === phone?.id && request.plaintext !== undefined)
      .map((request) => JSON.parse((request.plaintext as Buffer).toString('utf8')) as PushPayload)
      .filter((payload) => /storage/.test(payload.title));
  const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text())?.[1] ?? 0);

  it('warns the owner before it is full, refuses to acknowledge what it cannot save, says so once, and recovers without a restart', async () => {
    // The tracker, as a device behaves: it keeps each fix until the hub acknowledges it, and after the hub
    // hangs up it connects again and sends what it kept (DUP set), then carries on with new fixes.
    const sent: number[] = [];
    const acked = new Set<number>();
    const kept = new Set<number>();
    let next = 1;
    const send = (client: MqttClient, seq: number, dup: boolean) =>
      // The fix's number rides in the longitude (microdegrees): distinct, physically plausible, findable.
      client.publish('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5, lon: -(seq / 1e6), acc: 20 }), { qos: 1, dup }, (error) => {
        if (error !== undefined && error !== null) return;
        acked.add(seq);
        kept.delete(seq);
      });
    /** One connection: what was kept, then `count` new fixes; resolves when all are acknowledged or the hub hangs up. */
    const connection = async (count: number): Promise<void> => {
      tracker?.end(true);
      const client = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { ...credential, clientId: 'mum-phone', reconnectPeriod: 0 });
      tracker = client;
      for (const seq of kept) send(client, seq, true);
      for (let i = 0; i < count; i++) {
        const seq = next++;
        sent.push(seq);
        kept.add(seq);
        send(client, seq, false);
      }
      await until('every fix acknowledged, or the connection closed', () => kept.size === 0 || !client.connected);
    };

    // Room to spare: fixes are acknowledged, and nobody is alerted.
    await connection(20);
    expect(acked.size).toBe(20);
    expect(logLines().filter((line) => line.module === 'storage')).toEqual([]);

    // 1. Nearly full (1 MB left, under the 1.5 MB warning): the owner and the installer are told, the family not.
    writeFileSync(path.join(disk.dir, 'ballast'), Buffer.alloc(freeBytes(disk.dir) - 1 * MB));
    await until('the storage alert at the owner’s and the installer’s phones', () =>
      [phones.owner, phones.installer].every((phone) => payloadsTo(phone).some((payload) => payload.kind === 'alert')),
    );
    for (const phone of [phones.owner, phones.installer]) {
      expect(payloadsTo(phone)).toEqual([expect.objectContaining({ kind: 'alert', severity: 'fault', title: expect.stringMatching(/^The hub’s storage is nearly full: [\d.]+ (KB|MB) left$/) })]);
    }
    expect(payloadsTo(phones.family)).toEqual([]);
    const warned = logLines().filter((line) => line.module === 'storage' && line.level === 40);
    expect(warned).toEqual([expect.objectContaining({ dataDir: disk.dir, msg: expect.stringMatching(new RegExp(`^storage nearly full: [\\d.]+ (KB|MB) free of 4\\.0 MB on ${disk.dir} `)) })]);
    // Still room to save readings.
    await connection(10);
    expect(acked.size).toBe(30);

    // 2. Full: the tracker keeps trying, connection after connection; what cannot be committed is not acknowledged.
    fillUp(path.join(disk.dir, 'ballast'));
    expect(freeBytes(disk.dir)).toBe(0);
    const diskFullCommits = () => metric(/^homeward_ingest_commit_failures_total\{reason="disk_full"\} (\d+)$/m);
    for (let attempt = 0; (await diskFullCommits()) < 4; attempt++) {
      // SQLite can reuse room inside its WAL for a while, so a few connections may still commit.
      expect(attempt).toBeLessThan(40);
      await connection(8);
    }
    expect(kept.size).toBeGreaterThan(0);
    // One clear error for the episode, naming the data directory and its free space; none per failed batch.
    const errors = logLines().filter((line) => line.level >= 50);
    expect(errors).toEqual([
      expect.objectContaining({
        module: 'storage',
        dataDir: disk.dir,
        freeBytes: 0,
        msg: `disk full: readings cannot be saved in ${disk.dir} (0 bytes free of 4.0 MB); devices get no acknowledgement and send them again once there is room. To fix: free some space: \`homeward doctor\` shows what uses it (old backups, the system journal)`,
      }),
    ]);
    expect(hub?.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${httpPort}/api/health`)).status).toBe(200);

    // 3. Space returns: no restart; the tracker's next connection commits what it kept, and new fixes.
    rmSync(path.join(disk.dir, 'ballast'));
    await connection(5);
    expect(kept.size).toBe(0);
    await until('the storage alert resolved, and those told hearing it is over', () =>
      [phones.owner, phones.installer].every((phone) => payloadsTo(phone).some((payload) => payload.kind === 'resolved')),
    );
    expect(payloadsTo(phones.owner).at(-1)).toMatchObject({ kind: 'resolved', title: expect.stringMatching(/^Over: The hub’s storage is nearly full/) });
    expect(payloadsTo(phones.family)).toEqual([]);
    expect(logLines().filter((line) => line.module === 'storage' && line.level === 30)).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(new RegExp(`^storage: .* free of 4\\.0 MB on ${disk.dir} again, readings are saved; \\d+ commits failed meanwhile`)) }),
    ]);
    expect(logLines().filter((line) => line.level >= 50)).toHaveLength(1);
    // The same process throughout.
    expect(hub?.child.exitCode).toBeNull();
    expect(logLines().filter((line) => line.msg.startsWith('Homeward is running'))).toHaveLength(1);

    // Every fix the tracker sent is in the database, once: none acknowledged and lost, none stored twice.
    const db = new Database(path.join(disk.dir, 'homeward.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT p.lon_e6 AS lon, COUNT(*) AS n FROM position_readings p GROUP BY p.lon_e6').all() as Array<{ lon: number; n: number }>;
      const stored = new Map(rows.map((row) => [-row.lon, row.n]));
      expect(sent.filter((seq) => stored.get(seq) !== 1)).toEqual([]);
      const alert = db.prepare("SELECT status, resolution FROM alerts WHERE type = 'hub-storage-low'").all();
      expect(alert).toEqual([{ status: 'resolved', resolution: expect.stringMatching(/^space returned: .* free$/) }]);
    } finally {
      db.close();
    }
  }, 30_000);
});
