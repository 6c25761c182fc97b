import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { useMinuteTick } from '../app/router';
import { may, useSession } from '../app/session';
import { Page } from '../ui/page';
import { InvitationsCard } from './circle/invitations';
import { MembersCard } from './circle/members';
import { MyNotificationsCard } from './circle/my-notifications';
import { RotaCard } from './circle/rota';
import { WokenCard } from './circle/woken';
import './circle/circle.css';

/**
 * The care circle (issue 8, screen 7): who is in it and in which role, who is on call, invitations,
 * the rota, and each member's own notifications. A role without circle.read (the installer) sees
 * only their own notifications.
 */
export function CircleScreen(_props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const seesCircle = user !== undefined && may(user, 'circle.read');
  const members = useResource('/api/members', { on: ['circle'], enabled: seesCircle });
  if (!user) return null;
  return (
    <Page title={seesCircle ? 'The care circle' : 'My notifications'} subtitle={seesCircle ? 'Who is in the circle, who is on call, and how each of you is told.' : 'How and when this hub tells you about sensor problems.'}>
      {seesCircle ? <MembersCard user={user} members={members} /> : null}
      {may(user, 'people.manage') ? <InvitationsCard /> : null}
      {seesCircle ? <RotaCard user={user} members={members.data?.members ?? []} /> : null}
      {may(user, 'alerts.read') ? <WokenCard /> : null}
      <MyNotificationsCard user={user} />
    </Page>
  );
}
