import { copyFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A `systemctl` for test/deploy/update.test.ts. systemd does not run where the tests run, yet
 * deploy/update.sh must be tested as it runs on a Pi: stopping, starting and asking systemd about the
 * REAL hub. So this stand-in (update-systemctl-stand-in.sh), first on the script's PATH, does what
 * systemd would do with the REAL deploy/homeward.service for the verbs update.sh uses (start, stop,
 * restart, is-active, reset-failed): it reads the unit's ExecStart, Environment and EnvironmentFile,
 * maps the layout's roots to the test's (HOMEWARD_PREFIX, HOMEWARD_DATA, HOMEWARD_ETC), and runs the
 * hub in the background with a clean environment and a pid file; its output goes to a "journal" file.
 * What it cannot do, and so does not pretend to: switch to User=homeward, apply the hardening, feed a
 * watchdog, or restart on failure (Restart=always): a release that exits at start just stays down,
 * which is what update.sh must notice. ExecStart's node is replaced by the node running the tests,
 * whose ABI the native modules were built for. Anything else it is asked exits 1 loudly, so a new
 * systemctl call in update.sh cannot pass unnoticed.
 */
const standIn = path.join(path.dirname(fileURLToPath(import.meta.url)), 'update-systemctl-stand-in.sh');

/** Copies the stand-in to DIR/systemctl (executable) and returns DIR, to go first on PATH. */
export function writeSystemctlStandIn(dir: string): string {
  const file = path.join(dir, 'systemctl');
  copyFileSync(standIn, file);
  chmodSync(file, 0o755);
  return dir;
}
