/**
 * The people around the person (DESIGN.md, "Roles"). The order is the order shown to people, most
 * trusted first; what each role may do is decided in one place, src/http/permissions.ts.
 */
export const roles = ['owner', 'family', 'carer', 'installer', 'viewer'] as const;

export type Role = (typeof roles)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
