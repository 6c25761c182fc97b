import { EARLIEST_PLAUSIBLE_TIME } from '../../alerts/rule-engine.js';
import { judgeClock } from '../../core/clock-health.js';
import type { DoctorCheck } from './finding.js';

/** The hub's clock is plausible and kept by NTP (issue 7, item 6): a wrong clock breaks Web Push. */
export const clockCheck: DoctorCheck = {
  name: 'clock',
  async run({ now, probe }) {
    const found = judgeClock(now, await probe().catch(() => undefined), EARLIEST_PLAUSIBLE_TIME);
    if (!found.ok) return { level: 'problem', finding: found.detail as string, fix: found.fix as string };
    const sync = found.synchronised === null ? 'synchronisation unknown' : 'synchronised (NTP)';
    return { level: 'ok', finding: `${new Date(found.now).toISOString()}, ${sync}` };
  },
};
