import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTempStore } from '../store/temp-store.js';
import { DAY, GOOD_PASSWORD } from './accounts-hub.js';
import { accountsOn } from './accounts-fixture.js';

const temp = useTempStore();
const MINUTE = 60_000;

async function withUser(settings = {}) {
  const services = accountsOn(temp.store, { settings });
  const user = await services.accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD });
  return { ...services, user };
}

describe('sessions', () => {
  it('starts a session for a person and resolves its token back to them', async () => {
    const { sessions, user } = await withUser();
    const started = sessions.start(user.id, { userAgent: 'Firefox', address: '203.0.113.7' });
    expect(started.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const active = sessions.resolve(started.token);
    expect(active?.user.email).toBe('anna@example.org');
    expect(active?.session).toMatchObject({ userId: user.id, userAgent: 'Firefox', address: '203.0.113.7', csrfToken: started.csrfToken });
    expect(sessions.resolve('not-a-token')).toBeUndefined();
  });

  it('stores only the SHA-256 of the token: the database file does not contain it', async () => {
    const { sessions, user } = await withUser();
    const { token } = sessions.start(user.id);
    temp.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(temp.db.name);
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(temp.db.prepare('SELECT length(token_hash) AS n FROM sessions').get()).toEqual({ n: 32 });
  });

  it('ends after 14 days unused (idle expiry)', async () => {
    const { sessions, user, clock } = await withUser();
    const { token } = sessions.start(user.id);
    clock.advance(14 * DAY - 1);
    expect(sessions.resolve(token)).toBeDefined();
    clock.advance(14 * DAY - 1);
    expect(sessions.resolve(token)).toBeDefined();
    clock.advance(14 * DAY);
    expect(sessions.resolve(token)).toBeUndefined();
    // An expired session is deleted, not just refused.
    expect(temp.store.sessions.forUser(user.id)).toEqual([]);
  });

  it('ends 90 days after sign-in however much it is used (absolute expiry)', async () => {
    const { sessions, user, clock } = await withUser();
    const { token } = sessions.start(user.id);
    for (let day = 1; day < 90; day++) {
      clock.advance(DAY);
      expect(sessions.resolve(token), `day ${day}`).toBeDefined();
    }
    clock.advance(DAY);
    expect(sessions.resolve(token)).toBeUndefined();
  });

  it('honours configured lifetimes', async () => {
    const { sessions, user, clock } = await withUser({ idleMs: 30 * MINUTE, absoluteMs: 2 * 60 * MINUTE });
    const { token } = sessions.start(user.id);
    clock.advance(30 * MINUTE);
    expect(sessions.resolve(token)).toBeUndefined();
    const second = sessions.start(user.id);
    for (let i = 0; i < 5; i++) {
      clock.advance(20 * MINUTE);
      expect(sessions.resolve(second.token)).toBeDefined();
    }
    clock.advance(20 * MINUTE);
    expect(sessions.resolve(second.token)).toBeUndefined();
  });

  it('writes last_seen_at at most once a minute', async () => {
    const { sessions, user, clock } = await withUser();
    const { token, session } = sessions.start(user.id);
    const lastSeen = () => temp.store.sessions.forUser(user.id)[0]?.lastSeenAt;
    clock.advance(59_000);
    sessions.resolve(token);
    expect(lastSeen()).toBe(session.createdAt);
    clock.advance(1_000);
    sessions.resolve(token);
    expect(lastSeen()).toBe(session.createdAt + 60_000);
    clock.advance(30_000);
    sessions.resolve(token);
    expect(lastSeen()).toBe(session.createdAt + 60_000);
  });

  it('ends one session (log out) and all of a person’s sessions (sign out everywhere)', async () => {
    const { sessions, user, accounts } = await withUser();
    const other = await accounts.create({ email: 'ben@example.org', role: 'carer', password: GOOD_PASSWORD });
    const phone = sessions.start(user.id);
    const laptop = sessions.start(user.id);
    const bens = sessions.start(other.id);
    expect(sessions.end(phone.token)).toBe(true);
    expect(sessions.resolve(phone.token)).toBeUndefined();
    expect(sessions.resolve(laptop.token)).toBeDefined();
    sessions.start(user.id);
    expect(sessions.endAllFor(user.id)).toBe(2);
    expect(sessions.resolve(laptop.token)).toBeUndefined();
    expect(sessions.resolve(bens.token)).toBeDefined();
  });

  it('ends all of a person’s sessions when their role changes', async () => {
    const { sessions, user, accounts, clock } = await withUser();
    await accounts.create({ email: 'owner@example.org', role: 'owner', password: GOOD_PASSWORD });
    const { token } = sessions.start(user.id);
    accounts.changeRole(user.id, 'viewer');
    expect(sessions.resolve(token)).toBeUndefined();
    const entry = temp.store.audit.recent(1)[0];
    expect(entry).toMatchObject({ action: 'user.role-changed', target: `user:${user.id}`, details: { from: 'family', to: 'viewer', sessionsEnded: 1 } });
    expect(entry?.at).toBe(clock.now());
    // The same role again changes nothing and ends nothing.
    const again = sessions.start(user.id);
    accounts.changeRole(user.id, 'viewer');
    expect(sessions.resolve(again.token)).toBeDefined();
  });

  it('refuses the session of a disabled person', async () => {
    const { sessions, user, accounts } = await withUser();
    const { token } = sessions.start(user.id);
    expect(accounts.disable(user.id)).toBe(true);
    expect(sessions.resolve(token)).toBeUndefined();
  });

  it('keeps at most 20 sessions per person, ending the least recently used', async () => {
    const { sessions, user, clock } = await withUser();
    const first = sessions.start(user.id);
    for (let i = 0; i < 25; i++) {
      clock.advance(1000);
      sessions.start(user.id);
    }
    expect(temp.store.sessions.forUser(user.id)).toHaveLength(20);
    expect(sessions.resolve(first.token)).toBeUndefined();
  });
});
