import { createAlertsRepo } from './alerts-repo.js';
import { createApiTokensRepo } from './api-tokens-repo.js';
import { createAuditRepo } from './audit-repo.js';
import { createBridgesRepo } from './bridges-repo.js';
import { createCredentialsRepo } from './credentials-repo.js';
import type { Db } from './database.js';
import { createDeviceStateRepo } from './device-state-repo.js';
import { createDevicesRepo } from './devices-repo.js';
import { createDiscoveryRepo } from './discovery-repo.js';
import { createHouseholdRepo } from './household-repo.js';
import { createIncidentsRepo } from './incidents-repo.js';
import { createInvitationsRepo } from './invitations-repo.js';
import { createReadingsRepo } from './readings-repo.js';
import { createRuleStateRepo } from './rule-state-repo.js';
import { createSessionsRepo } from './sessions-repo.js';
import { createUsersRepo } from './users-repo.js';
import { createAlertEventsRepo } from './alert-events-repo.js';
import { createCareNotesRepo } from './care-notes-repo.js';
import { createMemberProfilesRepo } from './member-profiles-repo.js';
import { createRotaRepo } from './rota-repo.js';
import { createPushSubscriptionsRepo } from './push-subscriptions-repo.js';
import { createSettingsRepo } from './settings-repo.js';
import { createUsedActionTokensRepo } from './used-action-tokens-repo.js';
import { createMqttDeliveriesRepo } from './mqtt-deliveries-repo.js';

/** Every repository over one open database: what the hub hands to the modules that need storage. */
export function createStore(db: Db) {
  return {
    db,
    household: createHouseholdRepo(db),
    devices: createDevicesRepo(db),
    bridges: createBridgesRepo(db),
    credentials: createCredentialsRepo(db),
    readings: createReadingsRepo(db),
    deviceState: createDeviceStateRepo(db),
    discovery: createDiscoveryRepo(db),
    alerts: createAlertsRepo(db),
    incidents: createIncidentsRepo(db),
    ruleState: createRuleStateRepo(db),
    users: createUsersRepo(db),
    sessions: createSessionsRepo(db),
    apiTokens: createApiTokensRepo(db),
    invitations: createInvitationsRepo(db),
    audit: createAuditRepo(db),
    alertEvents: createAlertEventsRepo(db),
    careNotes: createCareNotesRepo(db),
    memberProfiles: createMemberProfilesRepo(db),
    rota: createRotaRepo(db),
    pushSubscriptions: createPushSubscriptionsRepo(db),
    settings: createSettingsRepo(db),
    usedActionTokens: createUsedActionTokensRepo(db),
    mqttDeliveries: createMqttDeliveriesRepo(db),
    /** Runs `work` in one IMMEDIATE transaction (writers queue behind each other instead of failing). */
    transaction<T>(work: () => T): T {
      return db.transaction(work).immediate();
    },
  };
}

export type Store = ReturnType<typeof createStore>;
