import type { Role } from '../accounts/roles.js';
import type { Db } from './database.js';

export interface UserRow {
  id: number;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
  disabledAt: number | null;
}

interface Row {
  id: number;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

const toUser = (r: Row): UserRow => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

/** People who sign in to the dashboard. Emails arrive already normalised (see accounts/email.ts). */
export function createUsersRepo(db: Db) {
  const insert = db.prepare<{ email: string; name: string; role: Role; password_hash: string; created_at: number }>(
    'INSERT INTO users (email, name, role, password_hash, created_at) VALUES (@email, @name, @role, @password_hash, @created_at)',
  );
  const byId = db.prepare<[number], Row>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], Row>('SELECT * FROM users WHERE email = ?');
  const all = db.prepare<[], Row>('SELECT * FROM users ORDER BY id');
  const setRole = db.prepare<[Role, number]>('UPDATE users SET role = ? WHERE id = ?');
  const setPasswordHash = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
  const disable = db.prepare<[number, number]>('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL');
  const activeOwners = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM users WHERE role = 'owner' AND disabled_at IS NULL");

  return {
    /** Inserts a user and returns its id; throws SQLITE_CONSTRAINT_UNIQUE if the email is taken. */
    insert(user: { email: string; name: string; role: Role; passwordHash: string; createdAt: number }): number {
      const result = insert.run({ email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt });
      return Number(result.lastInsertRowid);
    },
    byId(id: number): UserRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toUser(r);
    },
    byEmail(email: string): UserRow | undefined {
      const r = byEmail.get(email);
      return r === undefined ? undefined : toUser(r);
    },
    all(): UserRow[] {
      return all.all().map(toUser);
    },
    setRole(id: number, role: Role): boolean {
      return setRole.run(role, id).changes === 1;
    },
    setPasswordHash(id: number, passwordHash: string): void {
      setPasswordHash.run(passwordHash, id);
    },
    disable(id: number, at: number): boolean {
      return disable.run(at, id).changes === 1;
    },
    activeOwnerCount(): number {
      return activeOwners.get()?.n ?? 0;
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
