import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describedBy, Field } from '../ui/field';
import { FormProblem, SubmitButton, useSubmission } from '../ui/submission';

/**
 * The form that makes an account, for the first owner (setup) and for an invited member: name,
 * email, password twice. The hub checks the password policy; its answer is shown as it says it.
 */
export interface AccountDetails {
  name: string;
  email: string;
  password: string;
}

export function AccountForm(props: { submitLabel: string; fixedEmail?: string | null; initialName?: string | null; onSubmit: (details: AccountDetails) => Promise<void>; children?: ComponentChildren }) {
  const [name, setName] = useState(props.initialName ?? '');
  const [email, setEmail] = useState(props.fixedEmail ?? '');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const submission = useSubmission();
  const mismatch = again !== '' && again !== password ? 'The two passwords differ.' : null;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (mismatch) return;
    await submission.run(() => props.onSubmit({ name: name.trim(), email: email.trim(), password }));
  };
  return (
    <form onSubmit={(event) => void submit(event)} noValidate={false}>
      {props.children}
      <Field id="account-name" label="Your name" hint="As the circle will see it, e.g. “Anna”.">
        <input id="account-name" autocomplete="name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="account-name-hint" />
      </Field>
      <Field id="account-email" label="Email">
        <input id="account-email" type="email" autocomplete="username" required value={email} readOnly={Boolean(props.fixedEmail)} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field id="account-password" label="Password" hint="At least 12 characters; a few words you will remember works well.">
        <input id="account-password" type="password" autocomplete="new-password" required minLength={12} value={password} onInput={(e) => setPassword(e.currentTarget.value)} aria-describedby="account-password-hint" />
      </Field>
      <Field id="account-again" label="Password again" error={mismatch}>
        <input id="account-again" type="password" autocomplete="new-password" required value={again} onInput={(e) => setAgain(e.currentTarget.value)} aria-invalid={mismatch ? true : undefined} aria-describedby={describedBy('account-again', { error: mismatch })} />
      </Field>
      <FormProblem problem={submission.problem} />
      <SubmitButton busy={submission.busy}>{props.submitLabel}</SubmitButton>
    </form>
  );
}

/** The frame of the signed-out screens. */
export function Gate(props: { title: string; children: ComponentChildren }) {
  return (
    <main class="gate" id="main">
      <p class="brand">
        <img src="/icons/icon.svg" alt="" width="32" height="32" /> Homeward
      </p>
      <h1>{props.title}</h1>
      {props.children}
    </main>
  );
}
