import type { Reply } from '../../api/types';

/** The circle's words for roles, days and tiers (issue 8, screen 7). */
export type Member = Reply<'/api/members'>['members'][number];
export type Role = Member['role'];
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const ROLES: Role[] = ['owner', 'family', 'carer', 'installer', 'viewer'];

export const ROLE_WORDS: Record<Role, { name: string; does: string }> = {
  owner: { name: 'Owner', does: 'manages the circle and everything else' },
  family: { name: 'Family', does: 'sees everything, acts on alerts, arranges the rota' },
  carer: { name: 'Carer', does: 'sees everything, acts on alerts, writes the care log' },
  installer: { name: 'Installer', does: 'looks after the sensors; sees no personal data' },
  viewer: { name: 'Viewer', does: 'reads only' },
};

/** Roles that may be on call: those who may act on alerts (the hub refuses others). */
export const ON_CALL_ROLES: readonly Role[] = ['owner', 'family', 'carer'];

export const WEEKDAYS: Array<[Weekday, string, string]> = [
  ['mon', 'Mon', 'Monday'],
  ['tue', 'Tue', 'Tuesday'],
  ['wed', 'Wed', 'Wednesday'],
  ['thu', 'Thu', 'Thursday'],
  ['fri', 'Fri', 'Friday'],
  ['sat', 'Sat', 'Saturday'],
  ['sun', 'Sun', 'Sunday'],
];

export function daysWords(days: readonly string[]): string {
  if (days.length === 7) return 'Every day';
  const set = new Set(days);
  if (set.size === 5 && ['mon', 'tue', 'wed', 'thu', 'fri'].every((d) => set.has(d))) return 'Weekdays';
  if (set.size === 2 && set.has('sat') && set.has('sun')) return 'Weekends';
  return WEEKDAYS.filter(([d]) => set.has(d)).map(([, short]) => short).join(', ');
}

export function tierWords(tier: number): string {
  return tier === 1 ? 'First to be called' : tier === 2 ? 'Second, if nobody answers' : `Called at step ${tier}`;
}

export function nameOf(members: readonly Member[], id: number, me?: number): string {
  if (id === me) return 'You';
  return members.find((member) => member.id === id)?.name ?? 'A former member';
}
