import { roles, type Role } from '../accounts/roles.js';

/**
 * Who may do what: the one declarative permission table (issue 5, item 5). Every route declares
 * either `config: { permission: '<name>' }` or `config: { public: true }`; authenticate.ts enforces
 * it, and refuses every request to a route that declares neither (deny by default).
 *
 * From DESIGN.md, "Roles": an installer manages devices but sees no location, notes or medication;
 * a viewer reads but changes nothing; only the owner manages people and roles.
 * test/http/route-role-matrix.test.ts asks every route as every role and checks the answer against this table.
 */
const everyone = roles;

export const permissions = {
  // Oneself: every role may see who they are, end their own sessions and keep their own API tokens.
  'me.read': everyone,
  'me.sessions': everyone,
  'me.tokens': everyone,

  // One's own place in the circle: notification preferences, quiet hours, away, push subscriptions.
  'me.preferences': everyone,
  'push.subscribe': everyone,
  // Live updates: everyone may listen; each event is filtered by the permission that would read it.
  'events.read': everyone,

  // The care plan. The household document holds the home's position and the person's profile.
  'household.read': ['owner', 'family', 'carer', 'viewer'],
  'household.write': ['owner'],
  // The person's profile (routines, triggers, what calms them): those who care for them keep it current.
  'profile.write': ['owner', 'family', 'carer'],
  // Devices and their health: installers provision them (credentials, discovery, walk-test).
  'devices.read': everyone,
  'devices.manage': ['owner', 'installer'],
  // Door and pill-box history (not location, which is positions.read).
  'readings.read': ['owner', 'family', 'carer', 'viewer'],
  'positions.read': ['owner', 'family', 'carer', 'viewer'],
  'alerts.read': ['owner', 'family', 'carer', 'viewer'],
  'alerts.act': ['owner', 'family', 'carer'],
  // Sensor faults (sensor-silent, low-battery): installers see and fix these.
  'faults.read': ['owner', 'family', 'carer', 'installer', 'viewer'],
  'care-log.read': ['owner', 'family', 'carer', 'viewer'],
  'care-log.write': ['owner', 'family', 'carer'],
  'medication.read': ['owner', 'family', 'carer', 'viewer'],
  'medication.write': ['owner', 'family', 'carer'],
  // Who is in the circle and who is on call (names and roles, no contact details).
  'circle.read': ['owner', 'family', 'carer', 'viewer'],
  // A member may swap a shift or cover one; arranging the rota is the owner's and family's.
  'rota.swap': ['owner', 'family', 'carer'],
  'rota.manage': ['owner', 'family'],
  'people.manage': ['owner'],
  'privacy.manage': ['owner'],
  'audit.read': ['owner'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function isPermission(name: unknown): name is Permission {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(permissions, name);
}

export function roleMay(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
