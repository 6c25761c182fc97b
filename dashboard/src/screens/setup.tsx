import { useEffect } from 'preact/hooks';
import { api } from '../api/client';
import { navigate } from '../app/router';
import { startSession } from '../app/session';
import { AccountForm, Gate } from './account-form';

/**
 * The first owner's account (issue 8, screen 9), from the one-time setup link the hub prints on its
 * first start (`/setup?token=…`). Without the token there is nothing to do here but say where it is.
 */
export function SetupScreen(props: { token: string }) {
  useEffect(() => {
    document.title = 'Set up · Homeward';
  }, []);
  if (props.token === '') {
    return (
      <Gate title="Set up Homeward">
        <p>This hub has no owner yet. Open the setup link the hub printed when it first started (it looks like <code>/setup?token=…</code>), or run <code>npm run homeward -- status</code> on the hub to see it again.</p>
      </Gate>
    );
  }
  return (
    <Gate title="Set up Homeward">
      <p>You will be the owner of this hub: you invite the rest of the circle and decide who may do what.</p>
      <AccountForm
        submitLabel="Create the owner’s account"
        onSubmit={async (details) => {
          startSession(await api.post('/api/setup', { body: { token: props.token, ...details } }));
          navigate('/', { replace: true });
        }}
      />
    </Gate>
  );
}
