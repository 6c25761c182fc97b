import { useEffect, useState } from 'preact/hooks';
import { signIn } from '../app/session';
import { Field } from '../ui/field';
import { FormProblem, SubmitButton, useSubmission } from '../ui/submission';
import { Gate } from './account-form';

/** Signing in (issue 8, screen 9). The hub rate-limits attempts and says when to try again. */
export function SignInScreen(props: { reason?: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submission = useSubmission();
  useEffect(() => {
    document.title = 'Sign in · Homeward';
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    // Signed in, the app replaces this screen: the form stays busy until then.
    await submission.run(() => signIn(email.trim(), password), { stayBusy: true });
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
        <FormProblem problem={submission.problem} />
        <SubmitButton busy={submission.busy}>Sign in</SubmitButton>
      </form>
      <p class="muted small">New to this circle? Ask its owner for an invitation link.</p>
    </Gate>
  );
}
