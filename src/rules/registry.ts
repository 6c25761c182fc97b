import { doorOpenTooLongRule } from './door-open-too-long.js';
import { doubleDoseRule } from './double-dose.js';
import { inactivityRule } from './inactivity.js';
import { leftSafeZoneRule } from './left-safe-zone.js';
import { lowBatteryRule } from './low-battery.js';
import { missedDoseRule } from './missed-dose.js';
import { nightExitRule } from './night-exit.js';
import type { Rule } from './rule.js';
import { sensorSilentRule } from './sensor-silent.js';
import { trackerSilentRule } from './tracker-silent.js';

/** Every rule the hub runs. Adding a rule = one file in src/rules/ and one line here. */
export const rules: readonly Rule[] = [
  nightExitRule,
  doorOpenTooLongRule,
  leftSafeZoneRule,
  trackerSilentRule,
  missedDoseRule,
  doubleDoseRule,
  sensorSilentRule,
  lowBatteryRule,
  inactivityRule,
];
