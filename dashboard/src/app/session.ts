import { roleMay, type Permission } from '../../../src/http/permissions.js';
import type { Role } from '../../../src/accounts/roles.js';
import { api, ApiError, onSessionEnded, setCsrfToken } from '../api/client';
import type { Reply } from '../api/types';
import { forgetLastKnown } from './last-known';
import { createStore, useStore } from './store';

/**
 * Who is signed in on this device. The permission table is the hub's own (src/http/permissions.ts),
 * so a screen shows exactly what the API will let this role do; the hub still checks every request.
 */
export type User = Reply<'/api/me'>;

export type Session =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'needs-setup' }
  | { status: 'signed-in'; user: User; offline: boolean };

const USER_KEY = 'homeward.user';

export const session = createStore<Session>({ status: 'loading' });

export function useSession(): Session {
  return useStore(session);
}

export function may(user: Pick<User, 'role'>, permission: Permission): boolean {
  return roleMay(user.role as Role, permission);
}

function signedIn(user: User, csrfToken: string): void {
  setCsrfToken(csrfToken);
  localStorage.setItem(USER_KEY, JSON.stringify(user));
  session.set({ status: 'signed-in', user, offline: false });
}

/** At start: the session this browser still has, or sign-in (or setup, for a new hub). */
export async function resumeSession(): Promise<void> {
  try {
    const reply = await api.get('/api/auth/session');
    signedIn(reply.user, reply.csrfToken);
  } catch (error) {
    if (error instanceof ApiError && error.unreachable) {
      // Offline: show the last known state, marked stale, to the person who last signed in here.
      const cached = localStorage.getItem(USER_KEY);
      if (cached !== null) return session.set({ status: 'signed-in', user: JSON.parse(cached) as User, offline: true });
      return session.set({ status: 'signed-out', reason: error.detail });
    }
    try {
      const setup = await api.get('/api/setup');
      session.set(setup.needed ? { status: 'needs-setup' } : { status: 'signed-out' });
    } catch {
      session.set({ status: 'signed-out' });
    }
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  const reply = await api.post('/api/auth/login', { body: { email, password } });
  signedIn(reply.user, reply.csrfToken);
}

/** After setup or accepting an invitation, which sign in as they answer. */
export function startSession(reply: { user: User; csrfToken: string }): void {
  signedIn(reply.user, reply.csrfToken);
}

export async function signOut(): Promise<void> {
  try {
    await api.post('/api/auth/logout');
  } finally {
    endLocally('You have signed out.');
  }
}

function endLocally(reason: string): void {
  // What this device remembered about the person goes with the session.
  localStorage.removeItem(USER_KEY);
  forgetLastKnown();
  setCsrfToken('');
  session.set({ status: 'signed-out', reason });
}

onSessionEnded((reason) => {
  if (session.get().status === 'signed-in') endLocally(reason ?? 'Your session has ended. Please sign in again.');
});
