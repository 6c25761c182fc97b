import { useRef, useState } from 'preact/hooks';
import { describedBy, Field } from '../../ui/field';
import { SubmitButton, useSubmission } from '../../ui/submission';

const NOTE_LIMIT = 500;

/**
 * "Resolve with a note" (DESIGN.md: resolving takes a short note): a button that opens a small form.
 * An empty note is refused here, before anything is sent, so nothing changes on the hub.
 */
export function ResolveWithNote(props: { id: string; onResolve: (note: string) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const submission = useSubmission();
  const { problem: error, setProblem: setError, busy } = submission;
  const area = useRef<HTMLTextAreaElement>(null);
  const fieldId = `${props.id}-note`;
  const formId = `${props.id}-form`;
  const hint = 'A few words for the circle, for example “Found her at the church, home safe.”';

  const submit = async (event: Event) => {
    event.preventDefault();
    const text = note.trim();
    if (text === '') {
      setError('Write a few words about what happened before resolving, so the circle knows how it ended.');
      area.current?.focus();
      return;
    }
    await submission.run(async () => {
      await props.onResolve(text);
      setOpen(false);
      setNote('');
    });
  };

  if (!open) {
    return (
      <button
        type="button"
        class="button"
        aria-expanded="false"
        onClick={() => {
          setOpen(true);
          window.setTimeout(() => area.current?.focus(), 0);
        }}
      >
        Resolve with a note
      </button>
    );
  }
  return (
    <form id={formId} class="resolve-form" onSubmit={(event) => void submit(event)} noValidate>
      <Field id={fieldId} label="What happened?" hint={hint} error={error}>
        <textarea
          id={fieldId}
          ref={area}
          value={note}
          maxLength={NOTE_LIMIT}
          aria-describedby={describedBy(fieldId, { hint, error })}
          aria-invalid={error ? 'true' : undefined}
          onInput={(event) => {
            setNote(event.currentTarget.value);
            if (error) setError(null);
          }}
        />
      </Field>
      <div class="row">
        <SubmitButton busy={busy}>Resolve</SubmitButton>
        <button
          type="button"
          class="button button-plain"
          disabled={busy}
          onClick={() => {
            setOpen(false);
            setError(null);
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
