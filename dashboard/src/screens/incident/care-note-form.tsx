import { useRef, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { describe } from '../../ui/action';
import { describedBy, Field } from '../../ui/field';

const NOTE_LIMIT = 2000;

/** A care note about this incident (POST /api/care-log with incidentId): it joins the incident's timeline and the care log. */
export function CareNoteForm(props: { incidentId: string; onAdded: () => Promise<unknown> }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
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
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/care-log', { body: { kind: 'note', text: note, incidentId: props.incidentId } });
      setText('');
      setDone(true);
      await props.onAdded();
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
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
        <button type="submit" class="button" disabled={busy} aria-busy={busy}>
          Add note
        </button>
        {done ? (
          <span class="action-done" role="status">
            Note added.
          </span>
        ) : null}
      </div>
    </form>
  );
}
