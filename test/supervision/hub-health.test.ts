import { describe, expect, it } from 'vitest';
import { EARLIEST_PLAUSIBLE_TIME } from '../../src/alerts/rule-engine.js';
import { judgeHubHealth, RULES_MAX_LAG_MS, type HubHealthLookups } from '../../src/supervision/hub-health.js';

const NOW = Date.UTC(2026, 5, 1, 2, 0, 0);

/** A healthy hub's answers, with the row's differences. */
function lookups(changes: Partial<Record<Exclude<keyof HubHealthLookups, 'externalBroker'>, () => unknown>> & { externalBroker?: boolean } = {}): HubHealthLookups {
  return {
    now: () => NOW,
    databaseAnswers: () => true,
    brokerUp: () => true,
    evaluatedUntil: () => NOW - 1000,
    ...changes,
  } as HubHealthLookups;
}

const broken = () => {
  throw new Error('SQLITE_IOERR: disk I/O error');
};

describe('the judgement of whether the hub can be trusted tonight (issue 9, items 2 and 8)', () => {
  const rows: Array<{ name: string; changes: Parameters<typeof lookups>[0]; problems: RegExp[]; restartMayHelp: boolean }> = [
    { name: 'everything answers', changes: {}, problems: [], restartMayHelp: false },
    { name: 'rules exactly at the allowed lag', changes: { evaluatedUntil: () => NOW - RULES_MAX_LAG_MS }, problems: [], restartMayHelp: false },
    { name: 'the database does not answer', changes: { databaseAnswers: () => false }, problems: [/^the database does not answer$/], restartMayHelp: true },
    { name: 'the database throws', changes: { databaseAnswers: broken }, problems: [/database does not answer/], restartMayHelp: true },
    { name: 'the broker is down', changes: { brokerUp: () => false }, problems: [/^MQTT is down: sensors cannot report$/], restartMayHelp: true },
    {
      name: 'the external broker is unreachable (a restart would not help)',
      changes: { brokerUp: () => false, externalBroker: true },
      problems: [/^the MQTT broker is unreachable: sensors cannot report$/],
      restartMayHelp: false,
    },
    {
      name: 'the rules stopped judging deadlines 5 minutes ago',
      changes: { evaluatedUntil: () => NOW - 5 * 60_000 },
      problems: [/^the rule engine has not judged deadlines \(missed doses, doors left open\) for 5m$/],
      restartMayHelp: true,
    },
    { name: 'the rules one second past the allowed lag', changes: { evaluatedUntil: () => NOW - RULES_MAX_LAG_MS - 1000 }, problems: [/for 31s$/], restartMayHelp: true },
    { name: 'the rules never judged', changes: { evaluatedUntil: () => undefined }, problems: [/has not judged any deadline yet/], restartMayHelp: true },
    { name: 'the rules cannot say (their store throws)', changes: { evaluatedUntil: broken }, problems: [/cannot say how far/], restartMayHelp: true },
    // A clock stepped back an hour leaves the rules ahead of it, waiting on purpose (rule-engine.ts).
    { name: 'the clock stepped back: rules ahead of it', changes: { evaluatedUntil: () => NOW + 3_600_000 }, problems: [], restartMayHelp: false },
    {
      name: 'the clock is not set yet (a Pi without NTP): rules wait, a restart cannot help',
      changes: { now: () => EARLIEST_PLAUSIBLE_TIME - 86_400_000, evaluatedUntil: () => undefined },
      problems: [/^the clock is not set yet .*missed doses and other deadlines wait for it$/],
      restartMayHelp: false,
    },
    {
      name: 'the clock is not set and the database is gone: a restart may help',
      changes: { now: () => 0, databaseAnswers: () => false },
      problems: [/database does not answer/, /clock is not set/],
      restartMayHelp: true,
    },
    {
      name: 'everything at once',
      changes: { databaseAnswers: () => false, brokerUp: broken, evaluatedUntil: () => NOW - 3_600_000 },
      problems: [/database/, /MQTT is down/, /for 1h$/],
      restartMayHelp: true,
    },
  ];

  for (const row of rows) {
    it(row.name, () => {
      const health = judgeHubHealth(lookups(row.changes));
      expect(health.problems).toHaveLength(row.problems.length);
      row.problems.forEach((pattern, i) => expect(health.problems[i]).toMatch(pattern));
      expect(health.ok).toBe(row.problems.length === 0);
      expect(health.restartMayHelp).toBe(row.restartMayHelp);
    });
  }

  it('takes a tighter lag when asked', () => {
    expect(judgeHubHealth(lookups({ evaluatedUntil: () => NOW - 5000 }), 2000).problems).toEqual([
      'the rule engine has not judged deadlines (missed doses, doors left open) for 5s',
    ]);
  });
});
