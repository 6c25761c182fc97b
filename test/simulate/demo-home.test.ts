import { describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { startDemoHome } from '../../src/simulate/demo-home.js';
import { demoHousehold } from '../../src/simulate/demo-household.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestHub } from '../support/test-hub.js';
import { doorRows, pillboxRows, positionRows, refusedReadings } from './simulate-support.js';

/** `npm start -- --demo` replays quiet-day through runScenario; here with time injected, so a day takes milliseconds. */


describe('the demo home', () => {
  it('replays a whole quiet day into the hub, every reading kept, and stops cleanly', async () => {
    const t = await startTestHub({ household: demoHousehold });
    // Start the story far enough back that at 60× no stamp reaches the hub's present.
    const clock = createManualClock(Date.now() - 60 * 60_000);
    const lines: string[] = [];
    const demo = startDemoHome({
      mqttUrl: t.mqttUrl,
      credentialOf: (id) => t.credential(id),
      log: recordingLogger((level, msg) => lines.push(`${level} ${msg ?? ''}`)),
      clock,
      sleep: async (ms) => clock.advance(ms),
    });
    await vi.waitFor(() => expect(lines).toContain('info demo day replayed; starting the next'), { timeout: 10_000 });
    await demo.stop();

    const steps = findScenario('quiet-day')!.steps;
    const doorSteps = steps.filter((s) => s.role === 'exitDoor').length;
    const fixSteps = steps.filter((s) => s.role === 'tracker').length;
    // The second day may have begun before the stop: at least one day's worth, nothing refused.
    expect(doorRows(t.dataDir, 'front-door').length).toBeGreaterThanOrEqual(doorSteps);
    expect(positionRows(t.dataDir, 'mum-phone').length).toBeGreaterThanOrEqual(fixSteps);
    expect(pillboxRows(t.dataDir, 'pillbox').filter((r) => r.open === 1).map((r) => r.compartment).slice(0, 2)).toEqual([1, 2]);
    expect(refusedReadings(t)).toEqual([]);
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    await vi.waitFor(() => expect(t.hub.broker.clientCount()).toBe(0));
    await t.stop();
  });
});
