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

/**
 * Single-use account links (the setup link, and the owner's invitations), kept only as SHA-256.
 * An invitation is pending (used_at NULL, not expired), used (used_by set), or revoked (used_at set,
 * used_by NULL: accounts are disabled, never deleted, so used_by is not nulled by its foreign key).
 */
export function createInvitationsRepo(db: Db) {
  const insert = db.prepare<{ token_hash: Buffer; purpose: InvitationPurpose; role: Role; email: string | null; invited_by: number | null; created_at: number; expires_at: number }>(
    `INSERT INTO invitations (token_hash, purpose, role, email, invited_by, created_at, expires_at)
     VALUES (@token_hash, @purpose, @role, @email, @invited_by, @created_at, @expires_at)`,
  );
  const byHash = db.prepare<[Buffer], Row>(`SELECT ${COLUMNS} FROM invitations WHERE token_hash = ?`);
  const markUsed = db.prepare<[number, number, number]>('UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL');
  const withdrawUnused = db.prepare<[InvitationPurpose]>('DELETE FROM invitations WHERE purpose = ? AND used_at IS NULL');
  const byId = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM invitations WHERE id = ?`);
  // The name an invitation was made for lives in its 'invitation.created' audit entry (the table has no
  // column for it); that entry was written in the same transaction, at the same instant, so the at index
  // finds it without scanning the trail.
  const withName = `SELECT ${COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')},
       (SELECT json_extract(a.details, '$.name') FROM audit_log a
         WHERE a.at = i.created_at AND a.action = 'invitation.created' AND a.target = 'invitation:' || i.id) AS name
     FROM invitations i WHERE i.purpose = 'invite'`;
  const invitesBefore = db.prepare<[number, number], Row & { name: string | null }>(`${withName} AND i.id < ? ORDER BY i.id DESC LIMIT ?`);
  const inviteById = db.prepare<[number], Row & { name: string | null }>(`${withName} AND i.id = ?`);
  // Revoked = used up by nobody: an unused row marked used with used_by NULL. The same conditional
  // update as markUsed, so a revocation and an acceptance racing each other cannot both win.
  const revoke = db.prepare<[number, number]>("UPDATE invitations SET used_at = ?, used_by = NULL WHERE id = ? AND purpose = 'invite' AND used_at IS NULL");
  const revokePendingBy = db.prepare<[number, number, number]>(
    "UPDATE invitations SET used_at = ?, used_by = NULL WHERE invited_by = ? AND purpose = 'invite' AND used_at IS NULL AND expires_at > ?",
  );

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
    byId(id: number): InvitationRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toInvitation(r);
    },
    /** The owner's invitations (not setup links), newest first; `before` (an id) pages back. */
    invitesBefore(before: number, limit: number): Array<InvitationRow & { name: string | null }> {
      return invitesBefore.all(before, limit).map((r) => ({ ...toInvitation(r), name: r.name }));
    },
    /** One of the owner's invitations (not a setup link), with the name it was made for. */
    inviteById(id: number): (InvitationRow & { name: string | null }) | undefined {
      const r = inviteById.get(id);
      return r === undefined ? undefined : { ...toInvitation(r), name: r.name };
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
