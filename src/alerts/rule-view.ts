import type { DeviceState } from '../core/device-state.js';
import type { HouseholdView } from '../household/household-service.js';
import type { OpenAlertView, RuleView } from '../rules/rule.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';
import type { AlertService } from './alert-service.js';

/**
 * Builds the read port rules see (src/rules/rule.ts) over the store and the household. Rules get
 * answers, never the database: the dependency stays one-way (DESIGN.md, "Layout").
 */
export function buildRuleView(options: {
  now: number;
  household: HouseholdView;
  store: Store;
  alerts: Pick<AlertService, 'openAlert' | 'openAlerts' | 'raised'>;
  states: ReadonlyMap<number, DeviceState>;
  addedAt: (deviceId: string) => number | undefined;
  hubDowntime?: { from: number; to: number } | undefined;
}): RuleView {
  const { now, household, store, states } = options;
  const num = (id: string) => household.deviceNums.get(id);
  const toOpen = (a: AlertRow): OpenAlertView => ({ id: a.id, key: a.key, type: a.type, deviceId: a.deviceId, raisedAt: a.raisedAt, details: a.details });
  const devices = [...household.devicesById.values()];

  return {
    now,
    household: household.household,
    timezone: household.household.home.timezone,
    devices,
    device: (id) => household.devicesById.get(id),
    state: (id) => {
      const n = num(id);
      return n === undefined ? undefined : states.get(n);
    },
    addedAt: options.addedAt,
    hubDowntime: options.hubDowntime,
    recentFixes: (id, limit) => {
      const n = num(id);
      return n === undefined ? [] : store.readings.recentFixes(n, id, limit);
    },
    pillboxOpenings: (from, to) => store.readings.pillboxOpenings(from, to).filter((r) => household.devicesById.has(r.deviceId)),
    activityCount: (from, to) => store.readings.activityCount(from, to),
    doseRecord: (dose, date) => store.ruleState.dose(dose, date),
    // From the alert service's memory, current after every change, so a rule sees what an earlier rule raised.
    openAlert: (key) => {
      const alert = options.alerts.openAlert(key);
      return alert === undefined ? undefined : toOpen(alert);
    },
    openAlerts: (type) =>
      options.alerts
        .openAlerts()
        .filter((a) => type === undefined || a.type === type)
        .map(toOpen),
    raised: (key) => options.alerts.raised(key),
  };
}
