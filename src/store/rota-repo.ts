import type { Db } from './database.js';

/** The rota_shifts, rota_cover table(s) (migration 6). */
export function createRotaRepo(db: Db) {
  void db;
  return {};
}

export type RotaRepo = ReturnType<typeof createRotaRepo>;
