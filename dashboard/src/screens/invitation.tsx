import { useEffect } from 'preact/hooks';
import { api } from '../api/client';
import { useResource } from '../app/resource';
import { navigate } from '../app/router';
import { startSession } from '../app/session';
import { dateTime } from '../ui/format';
import { AccountForm, Gate } from './account-form';

const ROLE_WORDS: Record<string, string> = {
  owner: 'an owner',
  family: 'family',
  carer: 'a carer',
  installer: 'the installer',
  viewer: 'a viewer (reading only)',
};

/** Accepting an invitation (issue 8, screen 9): the hub says first whether the link is still good. */
export function InvitationScreen(props: { token: string }) {
  useEffect(() => {
    document.title = 'Invitation · Homeward';
  }, []);
  const invitation = useResource('/api/invitations/{token}', { params: { token: props.token || '-' }, enabled: props.token !== '', remember: false });
  if (props.token === '' || (invitation.data && !invitation.data.valid)) {
    return (
      <Gate title="This invitation cannot be used">
        <p>The link has been used, has expired or was withdrawn. Ask whoever invited you for a new one.</p>
        <p>
          <a href="/">Sign in instead</a>
        </p>
      </Gate>
    );
  }
  if (!invitation.data) {
    return (
      <Gate title="Invitation">
        <p role="status">{invitation.error ? invitation.error.message : 'Checking the invitation…'}</p>
      </Gate>
    );
  }
  const offer = invitation.data;
  return (
    <Gate title="Join the care circle">
      <p>
        {offer.invitedBy ? `${offer.invitedBy} invites you` : 'You are invited'} to join as {ROLE_WORDS[offer.role] ?? offer.role}. The link works until {dateTime(offer.expiresAt)}.
      </p>
      <AccountForm
        submitLabel="Join"
        fixedEmail={offer.email}
        initialName={offer.name}
        onSubmit={async (details) => {
          startSession(await api.post('/api/invitations/accept', { body: { token: props.token, ...details } }));
          navigate('/', { replace: true });
        }}
      />
    </Gate>
  );
}
