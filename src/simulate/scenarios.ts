/**
 * Scenarios for `homeward simulate`: what the person and their sensors do, as data. Each is a list of
 * steps at simulated seconds from the start, played by three roles a household fills with its own
 * devices (the first exit door, the first tracker, the first pill box), in each device's real format.
 *
 * A scenario cannot set the hub's clock. Rules judge time of day and elapsed time on the hub's own
 * clock, so each scenario names the time of day it is written for (`startAt`): to see its rule fire,
 * start the hub's clock there and let it run at the replay's speed (tests of rules run the hub under
 * faketime, e.g. FAKETIME="@2026-03-02 01:55:00 x60" with `--speed 60`). Without that, the readings
 * still arrive and are stored, stamped with the real time they were sent.
 *
 * Realism the hub's checks rely on: fixes at least a minute apart at an elderly walking pace (about
 * 3.5 km/h, so the hub's 300 km/h plausibility check passes even at the default 60× replay), fixes at
 * home scattered by less than their accuracy, and no two steps of one role in the same second (readings
 * are keyed by device and time, and OwnTracks and the native format stamp whole seconds).
 */

export type Role = 'exitDoor' | 'tracker' | 'pillbox';
export const roles: readonly Role[] = ['exitDoor', 'tracker', 'pillbox'];

/** Which dose's compartment: resolved against the household's medication list (morning = earliest). */
export type Dose = 'morning' | 'evening';

/** A position, either a few metres from the home or a distance beyond the home zone's edge. */
export type FixSpec =
  /** Metres north and east of the home (household home.lat/lon, else the first zone's centre). */
  | { northM: number; eastM: number; accuracyM: number }
  /** Metres beyond the edge of the home zone, along a compass bearing from its centre. */
  | { beyondZoneM: number; bearingDeg: number; accuracyM: number };

/** A battery report alone (devices send one periodically), carried on the device's usual state message. */
type BatteryAction = { battery: number };
/** The source's own "gone offline" message (a last will or availability), where the source has one. */
type OfflineAction = { offline: true };

interface StepBase {
  /** Seconds from the start, in simulated time. */
  atS: number;
  /** Battery level the device reports from this message on (devices send it with every message). */
  battery?: number;
}

export type ScenarioStep =
  | (StepBase & { role: 'exitDoor'; action: { door: 'open' | 'closed' } | BatteryAction | OfflineAction })
  | (StepBase & { role: 'tracker'; action: { fix: FixSpec } | BatteryAction | OfflineAction })
  | (StepBase & { role: 'pillbox'; action: { pillbox: { dose: Dose; open: boolean } } | BatteryAction | OfflineAction });

export type StepAction = ScenarioStep['action'];

export interface Scenario {
  name: string;
  /** One line for `simulate --help`. */
  summary: string;
  /** The time of day (home.timezone) the steps are written for: start the hub's clock here to see the rule. */
  startAt: string;
  /** What the rules should make of it (DESIGN.md, "Rule semantics"). */
  expect: string;
  steps: readonly ScenarioStep[];
}

/** Seconds from `start` ("HH:MM") to `time` ("HH:MM" or "HH:MM:SS"), wrapping past midnight. */
function clockFrom(start: string): (time: string) => number {
  const seconds = (text: string) => {
    const [h = 0, m = 0, s = 0] = text.split(':').map(Number);
    return h * 3600 + m * 60 + s;
  };
  const origin = seconds(start);
  return (time) => (seconds(time) - origin + 86_400) % 86_400;
}

// Fixes at home: a phone indoors scatters by a few metres, always by less than its stated accuracy.
const home1 = { northM: 3, eastM: -2, accuracyM: 15 };
const home2 = { northM: -4, eastM: 3, accuracyM: 12 };
const home3 = { northM: 2, eastM: 6, accuracyM: 14 };
const home4 = { northM: -2, eastM: -5, accuracyM: 16 };

const quietDay = (() => {
  const t = clockFrom('06:30');
  const steps: ScenarioStep[] = [
    { atS: t('06:30'), role: 'tracker', action: { fix: home1 }, battery: 96 },
    { atS: t('07:05'), role: 'tracker', action: { fix: home2 }, battery: 95 },
    // The door sensor's periodic report: closed, as it was all night (the dashboard shows the state at once).
    { atS: t('07:06'), role: 'exitDoor', action: { door: 'closed' }, battery: 92 },
    { atS: t('07:55'), role: 'pillbox', action: { pillbox: { dose: 'morning', open: true } }, battery: 88 },
    { atS: t('07:56'), role: 'pillbox', action: { pillbox: { dose: 'morning', open: false } } },
    // Out to the doorstep for the milk.
    { atS: t('08:20'), role: 'exitDoor', action: { door: 'open' }, battery: 91 },
    { atS: t('08:21'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('08:30'), role: 'tracker', action: { fix: home3 } },
    { atS: t('09:30'), role: 'tracker', action: { fix: home4 }, battery: 88 },
    // The carer arrives.
    { atS: t('10:00'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('10:01'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('10:30'), role: 'tracker', action: { fix: home1 } },
    { atS: t('11:30'), role: 'tracker', action: { fix: home2 }, battery: 81 },
    { atS: t('12:30'), role: 'tracker', action: { fix: home3 } },
    { atS: t('13:30'), role: 'tracker', action: { fix: home4 } },
    // An afternoon in the garden, well inside the home zone; the door is closed behind her.
    { atS: t('14:00'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('14:01'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('14:05'), role: 'tracker', action: { fix: { northM: -25, eastM: 12, accuracyM: 10 } }, battery: 74 },
    { atS: t('14:35'), role: 'tracker', action: { fix: { northM: -30, eastM: 20, accuracyM: 9 } } },
    { atS: t('15:00'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('15:01'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('15:05'), role: 'tracker', action: { fix: home1 }, battery: 70 },
    { atS: t('16:30'), role: 'tracker', action: { fix: home2 } },
    { atS: t('17:30'), role: 'tracker', action: { fix: home3 } },
    { atS: t('18:30'), role: 'tracker', action: { fix: home4 }, battery: 61 },
    // The evening carer comes and goes.
    { atS: t('19:45'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('19:46'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('20:05'), role: 'pillbox', action: { pillbox: { dose: 'evening', open: true } } },
    { atS: t('20:06'), role: 'pillbox', action: { pillbox: { dose: 'evening', open: false } } },
    { atS: t('20:30'), role: 'tracker', action: { fix: home1 } },
    { atS: t('20:40'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('20:41'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('21:30'), role: 'tracker', action: { fix: home2 }, battery: 52 },
  ];
  return steps;
})();

const nightExitReturns = (() => {
  const t = clockFrom('02:10');
  const steps: ScenarioStep[] = [
    { atS: t('02:10'), role: 'tracker', action: { fix: home1 }, battery: 70 },
    { atS: t('02:14'), role: 'exitDoor', action: { door: 'open' }, battery: 90 },
    { atS: t('02:14:40'), role: 'exitDoor', action: { door: 'closed' } },
    // Down the front path to the gate (about 40 m), then back: never near the zone's edge.
    { atS: t('02:16'), role: 'tracker', action: { fix: { northM: 12, eastM: 15, accuracyM: 12 } } },
    { atS: t('02:18'), role: 'tracker', action: { fix: { northM: 25, eastM: 30, accuracyM: 10 } } },
    { atS: t('02:21'), role: 'tracker', action: { fix: { northM: 20, eastM: 22, accuracyM: 10 } } },
    { atS: t('02:23'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('02:23:30'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('02:25'), role: 'tracker', action: { fix: home2 } },
    { atS: t('02:40'), role: 'tracker', action: { fix: home3 } },
  ];
  return steps;
})();

const nightExitLeavesZone = (() => {
  const t = clockFrom('01:55');
  const away = (beyondZoneM: number, accuracyM: number): FixSpec => ({ beyondZoneM, bearingDeg: 60, accuracyM });
  const steps: ScenarioStep[] = [
    { atS: t('01:55'), role: 'tracker', action: { fix: home1 }, battery: 64 },
    { atS: t('02:00'), role: 'exitDoor', action: { door: 'open' }, battery: 90 },
    { atS: t('02:00:45'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('02:02'), role: 'tracker', action: { fix: { northM: 15, eastM: 25, accuracyM: 10 } } },
    // Out of the gate and up the road to the north-east, a little over 3 km/h at first, then slower;
    // every fix is outside the zone by far more than its accuracy, for more than two minutes.
    { atS: t('02:05'), role: 'tracker', action: { fix: away(50, 10) } },
    { atS: t('02:07'), role: 'tracker', action: { fix: away(150, 10) } },
    { atS: t('02:11'), role: 'tracker', action: { fix: away(300, 8) } },
    { atS: t('02:15'), role: 'tracker', action: { fix: away(450, 10) } },
    { atS: t('02:19'), role: 'tracker', action: { fix: away(600, 12) } },
  ];
  return steps;
})();

const missedMorningDose = (() => {
  const t = clockFrom('06:30');
  const steps: ScenarioStep[] = [
    { atS: t('06:30'), role: 'tracker', action: { fix: home1 }, battery: 90 },
    // The box reports in (so the missed dose is not a dead sensor), but no lid is opened.
    { atS: t('06:31'), role: 'pillbox', action: { battery: 85 } },
    { atS: t('07:00'), role: 'tracker', action: { fix: home2 } },
    { atS: t('07:40'), role: 'exitDoor', action: { door: 'open' }, battery: 90 },
    { atS: t('07:41'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('07:50'), role: 'tracker', action: { fix: home3 } },
    { atS: t('08:30'), role: 'tracker', action: { fix: home4 }, battery: 87 },
    { atS: t('09:00'), role: 'tracker', action: { fix: home1 } },
    { atS: t('09:20'), role: 'tracker', action: { fix: home2 } },
  ];
  return steps;
})();

const doubleDose = (() => {
  const t = clockFrom('07:30');
  const steps: ScenarioStep[] = [
    { atS: t('07:30'), role: 'tracker', action: { fix: home1 }, battery: 85 },
    { atS: t('07:42'), role: 'pillbox', action: { pillbox: { dose: 'morning', open: true } }, battery: 84 },
    { atS: t('07:43'), role: 'pillbox', action: { pillbox: { dose: 'morning', open: false } } },
    { atS: t('07:50'), role: 'tracker', action: { fix: home2 } },
    { atS: t('08:15'), role: 'tracker', action: { fix: home3 } },
    // Forgetting she has taken them, she opens the same compartment again, still inside its window.
    { atS: t('08:20'), role: 'pillbox', action: { pillbox: { dose: 'morning', open: true } } },
    { atS: t('08:21'), role: 'pillbox', action: { pillbox: { dose: 'morning', open: false } } },
    { atS: t('08:30'), role: 'tracker', action: { fix: home4 } },
  ];
  return steps;
})();

const trackerSilent = (() => {
  const t = clockFrom('14:00');
  const steps: ScenarioStep[] = [
    { atS: t('14:00'), role: 'tracker', action: { fix: home1 }, battery: 55 },
    { atS: t('14:10'), role: 'tracker', action: { fix: home2 } },
    { atS: t('14:20'), role: 'tracker', action: { fix: home3 } },
    // The phone drops off the network (the broker publishes its last will); then nothing from it.
    { atS: t('14:21'), role: 'tracker', action: { offline: true } },
    // Life goes on: the carer comes and goes, past the tracker's heartbeat (30m in the examples).
    { atS: t('14:45'), role: 'exitDoor', action: { door: 'open' }, battery: 90 },
    { atS: t('14:46'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('15:00'), role: 'exitDoor', action: { door: 'open' } },
    { atS: t('15:01'), role: 'exitDoor', action: { door: 'closed' } },
  ];
  return steps;
})();

const lowBattery = (() => {
  const t = clockFrom('09:00');
  const steps: ScenarioStep[] = [
    { atS: t('09:00'), role: 'tracker', action: { fix: home1 }, battery: 31 },
    { atS: t('09:10'), role: 'exitDoor', action: { door: 'open' }, battery: 24 },
    { atS: t('09:11'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('10:00'), role: 'tracker', action: { fix: home2 }, battery: 26 },
    { atS: t('11:00'), role: 'exitDoor', action: { door: 'open' }, battery: 21 },
    { atS: t('11:01'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('12:00'), role: 'tracker', action: { fix: home3 }, battery: 21 },
    // The door sensor's coin cell and the phone both go below 20 %.
    { atS: t('13:00'), role: 'exitDoor', action: { door: 'open' }, battery: 19 },
    { atS: t('13:01'), role: 'exitDoor', action: { door: 'closed' } },
    { atS: t('14:00'), role: 'tracker', action: { fix: home4 }, battery: 17 },
    { atS: t('15:00'), role: 'exitDoor', action: { battery: 17 } },
    { atS: t('16:00'), role: 'tracker', action: { fix: home1 }, battery: 14 },
  ];
  return steps;
})();

export const scenarios: readonly Scenario[] = [
  {
    name: 'quiet-day',
    summary: 'an ordinary day: doses on time, the door used by day, an hour in the garden',
    startAt: '06:30',
    expect: 'no alerts',
    steps: quietDay,
  },
  {
    name: 'night-exit-returns',
    summary: 'the exit door opens at night; she walks to the gate and comes back in',
    startAt: '02:10',
    expect: 'night-exit (the tracker never leaves the home zone)',
    steps: nightExitReturns,
  },
  {
    name: 'night-exit-leaves-zone',
    summary: 'the exit door opens at night; the tracker walks 50 m to 600 m beyond the zone',
    startAt: '01:55',
    expect: 'night-exit, then left-safe-zone, joined in one wandering incident',
    steps: nightExitLeavesZone,
  },
  {
    name: 'missed-morning-dose',
    summary: 'a normal morning in which the morning compartment is never opened',
    startAt: '06:30',
    expect: 'missed-dose at the morning dose\'s time + window (09:00 for "08:00" with "60m")',
    steps: missedMorningDose,
  },
  {
    name: 'double-dose',
    summary: 'the morning compartment is opened twice inside its window (07:42, 08:20)',
    startAt: '07:30',
    expect: 'double-dose ("possible double dose") at the second opening',
    steps: doubleDose,
  },
  {
    name: 'tracker-silent',
    summary: 'three fixes, then the tracker goes offline and says nothing more',
    startAt: '14:00',
    expect: 'tracker-silent once its heartbeat passes; the device shows offline at once where the source says so',
    steps: trackerSilent,
  },
  {
    name: 'low-battery',
    summary: "the door sensor's battery runs down to 17 %, the tracker's to 14 %",
    startAt: '09:00',
    expect: 'low-battery for the exit door and for the tracker (below 20 %)',
    steps: lowBattery,
  },
];

export const scenarioNames: readonly string[] = scenarios.map((s) => s.name);

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}

/** The roles a scenario needs the household to fill. */
export function rolesOf(scenario: Scenario): Role[] {
  return roles.filter((role) => scenario.steps.some((step) => step.role === role));
}

/** Seconds from the first step to the last, in simulated time. */
export function durationS(scenario: Scenario): number {
  return scenario.steps.reduce((latest, step) => Math.max(latest, step.atS), 0);
}
