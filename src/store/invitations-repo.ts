import type { Role } from '../accounts/roles.js';
import type { Db } from './database.js';

export type InvitationPurpose = 'setup' | 'invite';

export interface InvitationRow {
  id: number;
  purpose: InvitationPurpose;
  role: Role;
  email: string | null;
  invitedBy: number | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: number | null;
}

interface Row {
  id: number;
  purpose: InvitationPurpose;
  role: Role;
  email: string | null;
  invited_by: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: number | null;
}

const toInvitation = (r: Row): InvitationRow => ({
  id: r.id,
  purpose: r.purpose,
  role: r.role,
  email: r.email,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  usedBy: r.used_by,
});

const COLUMNS = 'id, purpose, role, email, invited_by, created_at, expires_at, used_at, used_by';

/** Single-use account links (the setup link, and later the owner's invitations), kept only as SHA-256. */
export function createInvitationsRepo(db: Db) {
  const insert = db.prepare<{ token_hash: Buffer; purpose: InvitationPurpose; role: Role; email: string | null; invited_by: number | null; created_at: number; expires_at: number }>(
    `INSERT INTO invitations (token_hash, purpose, role, email, invited_by, created_at, expires_at)
     VALUES (@token_hash, @purpose, @role, @email, @invited_by, @created_at, @expires_at)`,
  );
  const byHash = db.prepare<[Buffer], Row>(`SELECT ${COLUMNS} FROM invitations WHERE token_hash = ?`);
  const markUsed = db.prepare<[number, number, number]>('UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL');
  const withdrawUnused = db.prepare<[InvitationPurpose]>('DELETE FROM invitations WHERE purpose = ? AND used_at IS NULL');

  return {
    insert(invitation: { tokenHash: Buffer; purpose: InvitationPurpose; role: Role; email: string | null; invitedBy: number | null; createdAt: number; expiresAt: number }): number {
      return Number(
        insert.run({
          token_hash: invitation.tokenHash,
          purpose: invitation.purpose,
          role: invitation.role,
          email: invitation.email,
          invited_by: invitation.invitedBy,
          created_at: invitation.createdAt,
          expires_at: invitation.expiresAt,
        }).lastInsertRowid,
      );
    },
    byTokenHash(tokenHash: Buffer): InvitationRow | undefined {
      const r = byHash.get(tokenHash);
      return r === undefined ? undefined : toInvitation(r);
    },
    /** Marks an invitation used; false if someone used it first (the single-use guarantee). */
    markUsed(id: number, at: number, userId: number): boolean {
      return markUsed.run(at, userId, id).changes === 1;
    },
    /** Deletes every unused invitation of a purpose (a new setup link replaces the previous one). */
    withdrawUnused(purpose: InvitationPurpose): number {
      return withdrawUnused.run(purpose).changes;
    },
  };
}

export type InvitationsRepo = ReturnType<typeof createInvitationsRepo>;
