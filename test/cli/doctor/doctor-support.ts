import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HubConfig } from '../../../src/config.js';
import { createManualClock } from '../../../src/core/clock.js';
import { createDoctorContext, type DoctorDeps } from '../../../src/cli/doctor/context.js';
import { combineParts, type DoctorCheck, type DoctorFinding } from '../../../src/cli/doctor/finding.js';
import { testHubConfig } from '../../support/test-hub.js';

/** A config for the doctor's checks: data in a fresh temp directory, loopback, nothing else configured. */
export function doctorConfig(dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-doctor-'))): HubConfig {
  return testHubConfig(dataDir, 'silent');
}

/** Runs one check as `homeward doctor` does (one context, closed after), at `now` (real time unless given). */
export async function runCheck(check: DoctorCheck, config: HubConfig, deps: Partial<DoctorDeps> & { now?: number } = {}): Promise<DoctorFinding> {
  const { now, ...rest } = deps;
  const context = createDoctorContext(config, { clock: createManualClock(now ?? Date.now()), probe: async () => true, timeoutMs: 2000, ...rest });
  try {
    return combineParts(check.name, await check.run(context));
  } finally {
    context.close();
  }
}
