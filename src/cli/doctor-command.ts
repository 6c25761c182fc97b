import { parseArgs } from 'node:util';
import { loadConfig, type HubConfig } from '../config.js';
import { timedatectlProbe } from '../core/clock-health.js';
import { systemClock } from '../core/clock.js';
import { backupsCheck } from './doctor/backups-check.js';
import { brokerCheck } from './doctor/broker-check.js';
import { clockCheck } from './doctor/clock-check.js';
import { createDoctorContext, type DoctorDeps } from './doctor/context.js';
import { databaseCheck } from './doctor/database-check.js';
import { devicesCheck } from './doctor/devices-check.js';
import { diskCheck } from './doctor/disk-check.js';
import { byUrgency, combineParts, type DoctorCheck, type DoctorFinding } from './doctor/finding.js';
import { publicUrlCheck } from './doctor/public-url-check.js';
import { pushCheck } from './doctor/push-check.js';
import { supervisionCheck } from './doctor/supervision-check.js';

export type { DoctorDeps } from './doctor/context.js';
export type { DoctorFinding } from './doctor/finding.js';

/**
 * `homeward doctor` (issue 7, item 6; issue 9, item 5): what would stop an alert reaching a phone,
 * each with a plain fix. One file per check in src/cli/doctor/; this file keeps the table, the output
 * and the exit code. Exit 0 when no check finds a problem (warnings do not fail it), 1 when one does,
 * so `homeward doctor && …` works in a script.
 */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** The fixed order, for reading top to bottom: is the hub itself sound, can devices reach it, can it reach people, is it safe for tomorrow. */
const checks: readonly DoctorCheck[] = [clockCheck, diskCheck, databaseCheck, brokerCheck, devicesCheck, pushCheck, publicUrlCheck, backupsCheck, supervisionCheck];

export const doctorUsage = `Usage: homeward doctor [--json]

Checks what would stop an alert reaching a phone, and says how to fix each problem:
  clock        the hub's clock is plausible and kept by NTP (a wrong clock breaks Web Push)
  disk         free space where the data is (and what the database and backups use)
  database     the database opens, passes SQLite's integrity check, and has a known schema
  broker       the MQTT port (and the TLS port, or the external broker) answers a real connection
  devices      each device was heard from within its heartbeat; low batteries
  push         Web Push has a VAPID subject, somebody has turned notifications on, and the hub
               reaches their push services
  public-url   HOMEWARD_PUBLIC_URL is https (Web Push and installing the dashboard need it)
  backups      the newest daily backup is less than 26 hours old
  supervision  a dead-man ping (HOMEWARD_PING_URL) tells someone outside if the hub stops (warning only)
Problems are listed first, then warnings, then what is fine. Exit 0 when there is no problem
(warnings do not fail it), 1 otherwise.
--json prints {"ok","checks":[{"name","ok","level","finding","fix"}]}, level "ok", "warning" or "problem".`;

/** Runs every check at once; one that throws becomes a problem finding, and the others still run. */
export async function doctorReport(config: HubConfig, deps: DoctorDeps): Promise<DoctorFinding[]> {
  const context = createDoctorContext(config, deps);
  try {
    const findings = await Promise.all(
      checks.map(async (check) => {
        try {
          return combineParts(check.name, await check.run(context));
        } catch (error) {
          return combineParts(check.name, {
            level: 'problem',
            finding: `the check could not run: ${(error as Error).message}`,
            fix: 'fix what the message names, then run `npm run homeward -- doctor` again',
          });
        }
      }),
    );
    // Array.prototype.sort is stable: within a level the fixed order above stays.
    return findings.sort(byUrgency);
  } finally {
    context.close();
  }
}

const LABEL = { ok: 'ok     ', warning: 'warning', problem: 'PROBLEM' } as const;

export async function runDoctorCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output, deps: DoctorDeps = { clock: systemClock, probe: timedatectlProbe() }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  });
  if (values.help) {
    io.out(doctorUsage);
    return 0;
  }
  const config = loadConfig({
    env,
    ...(values.config !== undefined ? { file: values.config } : {}),
    ...(values['data-dir'] !== undefined ? { overrides: { dataDir: values['data-dir'] } } : {}),
  });
  const report = await doctorReport(config, deps);
  const ok = report.every((check) => check.ok);
  if (values.json) {
    io.out(JSON.stringify({ ok, checks: report }));
  } else {
    const width = Math.max(...report.map((check) => check.name.length));
    for (const check of report) {
      io.out(`${LABEL[check.level]}  ${check.name.padEnd(width)}  ${check.finding}`);
      if (check.fix !== undefined) io.out(`${' '.repeat(9 + width)}  fix: ${check.fix}`);
    }
    const problems = report.filter((check) => check.level === 'problem').length;
    const warnings = report.filter((check) => check.level === 'warning').length;
    io.out(problems + warnings === 0 ? 'All is well.' : `${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`);
  }
  return ok ? 0 : 1;
}
