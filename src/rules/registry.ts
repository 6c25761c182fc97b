import { doorOpenTooLongRule } from './door-open-too-long.js';
import { leftSafeZoneRule } from './left-safe-zone.js';
import { nightExitRule } from './night-exit.js';
import type { Rule } from './rule.js';
import { trackerSilentRule } from './tracker-silent.js';

/** Every rule the hub runs. Adding a rule = one file in src/rules/ and one line here. */
export const rules: readonly Rule[] = [
  nightExitRule,
  doorOpenTooLongRule,
  leftSafeZoneRule,
  trackerSilentRule,
];
