import { roles, type Role } from '../accounts/roles.js';

/**
 * Who may do what: the one declarative permission table (issue 5, item 5). Every route declares
 * either `config: { permission: '<name>' }` or `config: { public: true }`; authenticate.ts enforces
 * it, and refuses every request to a route that declares neither (deny by default).
 *
 * From DESIGN.md, "Roles": an installer manages devices but sees no location, notes or medication;
 * a viewer reads but changes nothing; only the owner manages people and roles. Entries below the
 * first group name the resources of later slices of issue 5, so their policy is settled (and
 * reviewed) here before their routes exist.
 */
const everyone = roles;

export const permissions = {
  // Oneself: every role may see who they are, end their own sessions and keep their own API tokens.
  'me.read': everyone,
  'me.sessions': everyone,
  'me.tokens': everyone,

  // Later slices of issue 5.
  'household.read': ['owner', 'family', 'carer', 'viewer'],
  'household.write': ['owner'],
  'devices.read': everyone,
  'devices.manage': ['owner', 'installer'],
  'positions.read': ['owner', 'family', 'carer', 'viewer'],
  'alerts.read': ['owner', 'family', 'carer', 'viewer'],
  'alerts.act': ['owner', 'family', 'carer'],
  'care-log.read': ['owner', 'family', 'carer', 'viewer'],
  'care-log.write': ['owner', 'family', 'carer'],
  'medication.read': ['owner', 'family', 'carer', 'viewer'],
  'medication.write': ['owner', 'family', 'carer'],
  'people.manage': ['owner'],
  'audit.read': ['owner'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function isPermission(name: unknown): name is Permission {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(permissions, name);
}

export function roleMay(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
