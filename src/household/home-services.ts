import type { AlertService } from '../alerts/alert-service.js';
import type { HubConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { GroupCommit } from '../ingest/group-commit.js';
import { createPrivacyService, type PrivacyService } from '../privacy/privacy-service.js';
import type { AuditEntryWithName, AuditFilter } from '../store/audit-repo.js';
import { createHistoryRepo } from '../store/history-repo.js';
import type { Store } from '../store/store.js';
import type { CredentialService } from './credentials.js';
import { createDeviceAdmin, type DeviceAdmin } from './device-admin.js';
import type { DeviceStatus } from './device-status.js';
import { createHistoryService, type HistoryService } from './history-service.js';
import { createHouseholdEditor, type HouseholdEditor } from './household-editor.js';
import type { HouseholdService } from './household-service.js';
import { createMedicationService, type MedicationService } from './medication-service.js';

/**
 * The household's data (issue 5, items 7 and 8): the household document, devices and their health,
 * readings and positions (every view of positions audited), medication and adherence, retention and
 * pruning, export and deletion, the audit log. Built by hub.ts; its `routes` part is what
 * src/http/home-routes.ts serves; start() and stop() run the pruning schedule.
 */
export interface HomeServiceDeps {
  config: HubConfig;
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  household: HouseholdService;
  credentials: CredentialService;
  commit: GroupCommit;
  /** Raises and resolves alerts: a dose given by hand settles a missed-dose alert through it. */
  alerts: AlertService;
  /** Every household device with its health. */
  deviceStatuses(now: number): DeviceStatus[];
  /** Tells the WAL checkpointer of rows pruning and erasure delete (thousands, on a first run). */
  noteWrites?: (rows: number) => void;
}

export interface HomeRouteServices {
  household: HouseholdEditor;
  devices: DeviceAdmin;
  history: HistoryService;
  medication: MedicationService;
  privacy: PrivacyService;
  audit: { query(filter: AuditFilter): AuditEntryWithName[] };
  clock: Clock;
  /** home.timezone: names dated downloads and local dates. */
  timezone(): string;
}

export function createHomeServices(deps: HomeServiceDeps) {
  const { store, clock, household } = deps;
  const privacy = createPrivacyService({ store, clock, log: deps.log.child({ part: 'privacy' }), household, noteWrites: deps.noteWrites });
  const routes: HomeRouteServices = {
    household: createHouseholdEditor({ household, repo: store.household, audit: store.audit, clock }),
    devices: createDeviceAdmin({ household, store, credentials: deps.credentials, clock, deviceStatuses: deps.deviceStatuses }),
    history: createHistoryService({ history: createHistoryRepo(store.db), devices: () => store.devices.all(), household, audit: store.audit, clock }),
    medication: createMedicationService({ household, ruleState: store.ruleState, alerts: deps.alerts, audit: store.audit, clock }),
    privacy,
    audit: { query: (filter) => store.audit.query(filter) },
    clock,
    timezone: () => household.view().household.home.timezone,
  };
  return {
    routes,
    /** Runs the pruning that is due by the hub's clock, if any (its timer does this each minute). */
    tick: () => privacy.tick(),
    start(): void {
      privacy.start();
    },
    stop(): void {
      privacy.stop();
    },
  };
}

export type HomeServices = ReturnType<typeof createHomeServices>;
