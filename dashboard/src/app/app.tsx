import { useEffect } from 'preact/hooks';
import { InvitationScreen } from '../screens/invitation';
import { SetupScreen } from '../screens/setup';
import { SignInScreen } from '../screens/sign-in';
import { connectLive, disconnectLive } from './live';
import { followLink, matchRoute, navigate, useLocation } from './router';
import { SCREENS, type ScreenEntry } from './screens';
import { may, resumeSession, useSession, type User } from './session';
import { Shell } from './shell';

/**
 * The dashboard: who is here decides what shows. Setup and invitation links work signed out; every
 * other screen needs a session, and each only for the roles that may read it.
 */
export function App() {
  const session = useSession();
  const location = useLocation();

  useEffect(() => {
    void resumeSession();
    document.addEventListener('click', followLink);
    return () => document.removeEventListener('click', followLink);
  }, []);

  const signedIn = session.status === 'signed-in';
  const offline = signedIn && session.offline;
  useEffect(() => {
    if (signedIn && !offline) connectLive();
    else disconnectLive();
  }, [signedIn, offline]);

  if (location.path === '/invite') return <InvitationScreen token={location.query.get('token') ?? ''} />;
  if (location.path === '/setup' && session.status !== 'signed-in') return <SetupScreen token={location.query.get('token') ?? ''} />;
  if (session.status === 'loading') return <p class="loading boot" role="status">Opening Homeward…</p>;
  if (session.status === 'needs-setup') return <SetupScreen token={location.query.get('token') ?? ''} />;
  if (session.status === 'signed-out') return <SignInScreen {...(session.reason ? { reason: session.reason } : {})} />;

  const user = session.user;
  const found = route(location.path);
  const allowed = found && may(user, found.entry.needs);
  if (!found || !allowed) {
    const start = firstScreen(user);
    // The installer's start is the devices screen; anyone on an unknown path goes to their start.
    if (location.path === '/' || location.path === '/setup' || location.path === '/sign-in') {
      if (start && start.path !== location.path) queueMicrotask(() => navigate(start.path, { replace: true }));
      return <p class="loading boot" role="status">Opening Homeward…</p>;
    }
    return (
      <Shell user={user} offline={session.offline}>
        <section class="page">
          <h1 tabIndex={-1}>{found ? 'Not for your role' : 'Not found'}</h1>
          <p>{found ? 'Your role in the circle does not include this page.' : 'There is no such page.'}</p>
          <p>
            <a href={start?.path ?? '/'}>Go to {start?.title ?? 'the start'}</a>
          </p>
        </section>
      </Shell>
    );
  }
  const Screen = found.entry.screen;
  return (
    <Shell user={user} offline={session.offline}>
      <Screen params={found.params} query={location.query} />
    </Shell>
  );
}

function route(path: string): { entry: ScreenEntry; params: Record<string, string> } | undefined {
  for (const entry of SCREENS) {
    const params = matchRoute(entry.path, path);
    if (params) return { entry, params };
  }
  return undefined;
}

export function firstScreen(user: Pick<User, 'role'>): ScreenEntry | undefined {
  return SCREENS.find((entry) => entry.nav && may(user, entry.needs));
}
