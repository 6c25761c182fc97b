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
  /** Whom the invitation is for, when the owner said. */
  name: string | null;
  revokedAt: number | null;
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
  name: string | null;
  revoked_at: number | null;
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
  name: r.name,
  revokedAt: r.revoked_at,
});

const COLUMNS = 'id, purpose, role, email, invited_by, created_at, expires_at, used_at, used_by, name, revoked_at';

/**
 * Single-use account links (the setup link, and the owner's invitations), kept only as SHA-256.
 * An invitation is pending (neither used nor revoked, not expired), used, revoked, or expired. Using
 * and revoking are conditional updates on the same two columns, so a revocation and an acceptance
 * racing each other cannot both win.
 */
export function createInvitationsRepo(db: Db) {
  const insert = db.prepare<{
    token_hash: Buffer;
    purpose: InvitationPurpose;
    role: Role;
    email: string | null;
    name: string | null;
    invited_by: number | null;
    created_at: number;
    expires_at: number;
  }>(
    `INSERT INTO invitations (token_hash, purpose, role, email, name, invited_by, created_at, expires_at)
     VALUES (@token_hash, @purpose, @role, @email, @name, @invited_by, @created_at, @expires_at)`,
  );
  const byHash = db.prepare<[Buffer], Row>(`SELECT ${COLUMNS} FROM invitations WHERE token_hash = ?`);
  const markUsed = db.prepare<[number, number, number]>('UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL');
  const withdrawUnused = db.prepare<[InvitationPurpose]>('DELETE FROM invitations WHERE purpose = ? AND used_at IS NULL');
  const byId = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM invitations WHERE id = ?`);
  const invitesBefore = db.prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM invitations WHERE purpose = 'invite' AND id < ? ORDER BY id DESC LIMIT ?`);
  const inviteById = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM invitations WHERE purpose = 'invite' AND id = ?`);
  const revoke = db.prepare<[number, number]>("UPDATE invitations SET revoked_at = ? WHERE id = ? AND purpose = 'invite' AND used_at IS NULL AND revoked_at IS NULL");
  const revokePendingBy = db.prepare<[number, number, number]>(
    "UPDATE invitations SET revoked_at = ? WHERE invited_by = ? AND purpose = 'invite' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
  );

  return {
    insert(invitation: {
      tokenHash: Buffer;
      purpose: InvitationPurpose;
      role: Role;
      email: string | null;
      name?: string | null;
      invitedBy: number | null;
      createdAt: number;
      expiresAt: number;
    }): number {
      return Number(
        insert.run({
          token_hash: invitation.tokenHash,
          purpose: invitation.purpose,
          role: invitation.role,
          email: invitation.email,
          name: invitation.name ?? null,
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
    byId(id: number): InvitationRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toInvitation(r);
    },
    /** The owner's invitations (not setup links), newest first; `before` (an id) pages back. */
    invitesBefore(before: number, limit: number): InvitationRow[] {
      return invitesBefore.all(before, limit).map(toInvitation);
    },
    /** One of the owner's invitations (not a setup link), with the name it was made for. */
    inviteById(id: number): InvitationRow | undefined {
      const r = inviteById.get(id);
      return r === undefined ? undefined : toInvitation(r);
    },
    /** Withdraws an unused invitation; false if it was used (or revoked) first, or is not an invitation. */
    revoke(id: number, at: number): boolean {
      return revoke.run(at, id).changes === 1;
    },
    /** Withdraws every pending invitation someone made (they left the circle or are no longer owner). */
    revokePendingBy(userId: number, at: number): number {
      return revokePendingBy.run(at, userId, at).changes;
    },
    /** Deletes every unused invitation of a purpose (a new setup link replaces the previous one). */
    withdrawUnused(purpose: InvitationPurpose): number {
      return withdrawUnused.run(purpose).changes;
    },
  };
}

export type InvitationsRepo = ReturnType<typeof createInvitationsRepo>;
