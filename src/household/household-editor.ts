import type { Clock } from '../core/clock.js';
import type { Household, Zone } from '../core/household.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { HouseholdRepo } from '../store/household-repo.js';
import type { HouseholdService } from './household-service.js';

/**
 * Editing the care plan from the dashboard (issue 5, item 7): the whole document (the owner), the
 * person's profile (those who care for her keep it current), the zones (edited on the map). Every
 * change is validated whole, refused when made against a stale revision, audited with who made it,
 * and announced (householdChanged, from the household service) so open dashboards and the rules update.
 */
export type PersonProfile = Pick<Household['person'], 'description' | 'routines' | 'triggers' | 'calming' | 'likelyPlaces'>;

const PROFILE_FIELDS = ['description', 'routines', 'triggers', 'calming', 'likelyPlaces'] as const;

export interface StoredDocument {
  household: Household;
  revision: number;
  /** When it last changed; null before the first import. */
  updatedAt: number | null;
}

export function createHouseholdEditor(deps: { household: HouseholdService; repo: HouseholdRepo; audit: AuditRepo; clock: Clock }) {
  const { household, repo, audit, clock } = deps;

  function audited(actorId: number, action: string, revision: number, details: Record<string, unknown>): number {
    audit.append({ at: clock.now(), userId: actorId, action, target: 'household', details: { revision, ...details } });
    return revision;
  }

  return {
    current(): StoredDocument {
      const stored = repo.get();
      if (stored === undefined) return { household: household.view().household, revision: 0, updatedAt: null };
      return { household: stored.household, revision: stored.revision, updatedAt: stored.importedAt };
    },

    /** Replaces the whole document; `expectedRevision` is the one the editor loaded. */
    replace(actorId: number, candidate: unknown, expectedRevision: number): number {
      return audited(actorId, 'household.replaced', household.import(candidate, { expectedRevision }), { from: expectedRevision });
    },

    /** Replaces the profile; the person's name stays (renaming her is the owner's, in the document). */
    setProfile(actorId: number, profile: PersonProfile, expectedRevision?: number): number {
      let changed: string[] = [];
      const revision = household.update((current) => {
        const person = { name: current.person.name, ...withoutUndefined(profile) };
        changed = PROFILE_FIELDS.filter((field) => JSON.stringify(current.person[field]) !== JSON.stringify(person[field]));
        return { ...current, person };
      }, { expectedRevision });
      // Which parts changed, not what they say: the profile is hers, the trail is about who edited it.
      return audited(actorId, 'household.profile-changed', revision, { fields: changed });
    },

    setZones(actorId: number, zones: Zone[], expectedRevision?: number): number {
      const revision = household.update((current) => ({ ...current, zones }), { expectedRevision });
      return audited(actorId, 'household.zones-changed', revision, { zones: zones.map((z) => z.id) });
    },
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export type HouseholdEditor = ReturnType<typeof createHouseholdEditor>;
