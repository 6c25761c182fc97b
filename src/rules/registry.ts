import type { Rule } from './rule.js';

/** Every rule the hub runs. Adding a rule = one file in src/rules/ and one line here. */
export const rules: readonly Rule[] = [];
