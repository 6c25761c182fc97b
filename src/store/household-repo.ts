import type { Household } from '../core/household.js';
import type { Db } from './database.js';

export interface StoredHousehold {
  household: Household;
  revision: number;
  importedAt: number;
}

/** The household document, stored whole as JSON with a revision that other processes can poll. */
export function createHouseholdRepo(db: Db) {
  const select = db.prepare<[], { document: string; revision: number; imported_at: number }>(
    'SELECT document, revision, imported_at FROM household WHERE id = 1',
  );
  const selectRevision = db.prepare<[], { revision: number }>('SELECT revision FROM household WHERE id = 1');
  const upsert = db.prepare<[string, number]>(
    `INSERT INTO household (id, document, revision, imported_at) VALUES (1, ?, 1, ?)
     ON CONFLICT (id) DO UPDATE SET document = excluded.document, revision = revision + 1, imported_at = excluded.imported_at`,
  );

  return {
    get(): StoredHousehold | undefined {
      const row = select.get();
      if (row === undefined) return undefined;
      return { household: JSON.parse(row.document) as Household, revision: row.revision, importedAt: row.imported_at };
    },
    revision(): number {
      return selectRevision.get()?.revision ?? 0;
    },
    /** Saves the document and returns its new revision. */
    save(household: Household, at: number): number {
      upsert.run(JSON.stringify(household), at);
      return selectRevision.get()?.revision ?? 0;
    },
  };
}

export type HouseholdRepo = ReturnType<typeof createHouseholdRepo>;
