import { useEffect, useState } from 'preact/hooks';
import { signIn } from '../app/session';
import { describe } from '../ui/action';
import { Field } from '../ui/field';
import { Gate } from './account-form';

/** Signing in (issue 8, screen 9). The hub rate-limits attempts and says when to try again. */
export function SignInScreen(props: { reason?: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · Homeward';
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await signIn(email.trim(), password);
    } catch (error) {
      setProblem(describe(error));
      setBusy(false);
    }
  };
  return (
    <Gate title="Sign in">
      {props.reason ? (
        <p class="stale" role="status">
          {props.reason}
        </p>
      ) : null}
      <form onSubmit={(event) => void submit(event)}>
        <Field id="sign-in-email" label="Email">
          <input id="sign-in-email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field id="sign-in-password" label="Password">
          <input id="sign-in-password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {problem ? (
          <p class="problem" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
          Sign in
        </button>
      </form>
      <p class="muted small">New to this circle? Ask its owner for an invitation link.</p>
    </Gate>
  );
}
