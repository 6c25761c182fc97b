import { parseArgs } from 'node:util';
import { EARLIEST_PLAUSIBLE_TIME } from '../alerts/rule-engine.js';
import { loadConfig, type HubConfig } from '../config.js';
import { judgeClock, timedatectlProbe, type ClockSyncProbe } from '../core/clock-health.js';
import { systemClock, type Clock } from '../core/clock.js';
import { isHomewardError } from '../core/errors.js';
import { vapidSubject } from '../notify/web-push/vapid-keys.js';

/**
 * `homeward doctor`: what would stop an alert reaching a phone, each with a plain fix. A small table
 * of checks (issue 7, item 6: the clock; Web Push's VAPID subject); issue 9 adds the rest. Exit 0 when
 * every check passes, 1 when one does not (so `homeward doctor && …` works in a script).
 */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  finding: string;
  fix?: string;
}

export interface DoctorDeps {
  clock: Clock;
  probe: ClockSyncProbe;
}

export const doctorUsage = `Usage: homeward doctor [--json]

Checks what would stop an alert reaching a phone, and says how to fix each problem:
  clock     the hub's clock is plausible and kept by NTP (a wrong clock breaks Web Push)
  web-push  notifications have a VAPID subject: HOMEWARD_PUBLIC_URL (https) or a mailto: contact
Exit 0 when every check passes, 1 otherwise. --json prints {"ok","checks":[{"name","ok","finding","fix"}]}.`;

type Check = (config: HubConfig, deps: DoctorDeps) => Promise<DoctorCheck>;

const checks: Check[] = [
  async (_config, { clock, probe }) => {
    const found = judgeClock(clock.now(), await probe().catch(() => undefined), EARLIEST_PLAUSIBLE_TIME);
    const sync = found.synchronised === null ? 'synchronisation unknown' : found.synchronised ? 'synchronised (NTP)' : 'not synchronised';
    return {
      name: 'clock',
      ok: found.ok,
      finding: found.ok ? `${new Date(found.now).toISOString()}, ${sync}` : (found.detail as string),
      ...(found.fix === undefined ? {} : { fix: found.fix }),
    };
  },
  async (config) => {
    try {
      const subject = vapidSubject({ publicUrl: config.publicUrl, contact: config.push?.contact });
      if (subject.subject === undefined) return { name: 'web-push', ok: false, finding: 'Web Push is off: no VAPID subject', fix: subject.why };
      return { name: 'web-push', ok: true, finding: `VAPID subject ${subject.subject}` };
    } catch (error) {
      if (!isHomewardError(error)) throw error;
      return { name: 'web-push', ok: false, finding: error.message, fix: 'set HOMEWARD_PUBLIC_URL to the https address people reach the hub at from their phones' };
    }
  },
];

export async function doctorReport(config: HubConfig, deps: DoctorDeps): Promise<DoctorCheck[]> {
  const report: DoctorCheck[] = [];
  for (const check of checks) report.push(await check(config, deps));
  return report;
}

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
      io.out(`${check.ok ? 'ok     ' : 'PROBLEM'}  ${check.name.padEnd(width)}  ${check.finding}`);
      if (check.fix !== undefined) io.out(`${' '.repeat(9 + width)}  fix: ${check.fix}`);
    }
  }
  return ok ? 0 : 1;
}
