import { useRef, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { describedBy, Field } from '../../ui/field';
import { SubmitButton, useSubmission } from '../../ui/submission';

const NOTE_LIMIT = 2000;

/** A care note about this incident (POST /api/care-log with incidentId): it joins the incident's timeline and the care log. */
export function CareNoteForm(props: { incidentId: string; onAdded: () => Promise<unknown> }) {
  const [text, setText] = useState('');
  const submission = useSubmission();
  const { problem: error, setProblem: setError } = submission;
  const [done, setDone] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const id = `note-${props.incidentId}`;
  const hint = 'What you did or saw; the whole circle reads it.';

  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(false);
    const note = text.trim();
    if (note === '') {
      setError('Write the note first.');
      area.current?.focus();
      return;
    }
    await submission.run(async () => {
      await api.post('/api/care-log', { body: { kind: 'note', text: note, incidentId: props.incidentId } });
      setText('');
      setDone(true);
      await props.onAdded();
    });
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <Field id={id} label="Add a care note about this incident" hint={hint} error={error}>
        <textarea
          id={id}
          ref={area}
          value={text}
          maxLength={NOTE_LIMIT}
          aria-describedby={describedBy(id, { hint, error })}
          aria-invalid={error ? 'true' : undefined}
          onInput={(event) => {
            setText(event.currentTarget.value);
            if (error) setError(null);
          }}
        />
      </Field>
      <div class="row">
        <SubmitButton busy={submission.busy} kind="secondary">
          Add note
        </SubmitButton>
        {done ? (
          <span class="action-done" role="status">
            Note added.
          </span>
        ) : null}
      </div>
    </form>
  );
}
