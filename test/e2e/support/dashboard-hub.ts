import { roles, type Role } from '../../../src/accounts/roles.js';
import type { HubConfig } from '../../../src/config.js';
import type { Household } from '../../../src/core/household.js';
import { startTestHub, type TestHub } from '../../support/test-hub.js';

/**
 * A real hub for the browser tests: real broker, database and HTTP server on loopback, on the real
 * clock (the browser runs on it too), no map tiles (there is no network), and one member of each
 * role, all with the same password.
 */
export const PASSWORD = 'kettle on the windowsill 7';

export const MEMBER_NAMES: Record<Role, string> = { owner: 'Olive', family: 'Anna', carer: 'Carol', installer: 'Ian', viewer: 'Vera' };

export interface DashboardHub extends TestHub {
  baseUrl: string;
  members: Record<Role, { id: number; email: string; name: string }>;
}

export async function startDashboardHub(options: { household?: Household; config?: (config: HubConfig) => void; withMembers?: boolean } = {}): Promise<DashboardHub> {
  const t = await startTestHub({
    ...(options.household ? { household: options.household } : {}),
    config: (config) => {
      config.map = { tiles: '', attribution: '' };
      options.config?.(config);
    },
  });
  const members = {} as DashboardHub['members'];
  if (options.withMembers ?? true) {
    for (const role of roles) {
      const email = `${role}@example.org`;
      const user = await t.hub.home.accounts.create({ email, role, password: PASSWORD, name: MEMBER_NAMES[role] });
      members[role] = { id: user.id, email, name: MEMBER_NAMES[role] };
    }
  }
  return { ...t, baseUrl: `http://127.0.0.1:${t.httpPort}`, members };
}
