import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import { describedBy, Field } from '../../ui/field';
import { SubmitButton, useSubmission } from '../../ui/submission';

type Note = Reply<'/api/care-log'>['notes'][number];
type Kind = Note['kind'];

const MAX = 2000;

/** How each kind is asked for: a handover asks what the next person should know. */
const ASK: Record<Kind, { choice: string; label: string; hint: string; submit: string; done: string }> = {
  handover: {
    choice: 'Handover',
    label: 'What the next person should know',
    hint: 'How she is, what was done, anything to watch for or to do next.',
    submit: 'Hand over',
    done: 'Handed over. The circle can read it now.',
  },
  visit: { choice: 'Visit', label: 'About the visit', hint: 'Who came, when, and how it went.', submit: 'Record the visit', done: 'Visit recorded.' },
  note: { choice: 'Note', label: 'Note', hint: 'Anything the circle should know.', submit: 'Add the note', done: 'Note added.' },
};

const KINDS: Kind[] = ['handover', 'visit', 'note'];

function emptyProblem(kind: Kind): string {
  return kind === 'handover' ? 'Write what the next person should know first: the handover is empty.' : 'Write something first: the note is empty.';
}

/** Write in the log: a handover (first, the usual case at the end of a visit), a visit or a note. */
export function NoteForm(props: { onWritten: () => Promise<void> }) {
  const [kind, setKind] = useState<Kind>('handover');
  const [text, setText] = useState('');
  const submission = useSubmission();
  const { problem, setProblem } = submission;
  const [done, setDone] = useState<string | null>(null);
  const ask = ASK[kind];
  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(null);
    if (text.trim() === '') return setProblem(emptyProblem(kind));
    await submission.run(async () => {
      await api.post('/api/care-log', { body: { kind, text: text.trim() } });
      setText('');
      setDone(ask.done);
      await props.onWritten();
    });
  };
  return (
    <form class="care-note-form" onSubmit={(event) => void submit(event)} noValidate>
      <fieldset class="care-kinds">
        <legend>What are you writing?</legend>
        <div class="row">
          {KINDS.map((choice) => (
            <label class="check" key={choice}>
              <input type="radio" name="care-kind" value={choice} checked={kind === choice} onChange={() => (setKind(choice), setProblem(null))} />
              {ASK[choice].choice}
            </label>
          ))}
        </div>
      </fieldset>
      <Field id="care-text" label={ask.label} hint={ask.hint} error={problem}>
        <textarea
          id="care-text"
          maxLength={MAX}
          value={text}
          onInput={(e) => (setText(e.currentTarget.value), setDone(null))}
          aria-invalid={problem ? true : undefined}
          aria-describedby={describedBy('care-text', { hint: ask.hint, error: problem })}
        />
      </Field>
      <div class="row">
        <SubmitButton busy={submission.busy}>{ask.submit}</SubmitButton>
        {done ? (
          <span class="action-done" role="status">
            {done}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/** Change the words of one's own note in place. */
export function NoteEditor(props: { note: Note; onDone: (changed: boolean) => Promise<void> }) {
  const [text, setText] = useState(props.note.text);
  const submission = useSubmission();
  const { problem, setProblem } = submission;
  const id = `care-edit-${props.note.id}`;
  const save = async (event: Event) => {
    event.preventDefault();
    if (text.trim() === '') return setProblem(emptyProblem(props.note.kind));
    if (text.trim() === props.note.text) return props.onDone(false);
    // Saved, the editor closes: it stays busy until then.
    await submission.run(
      async () => {
        await api.patch('/api/care-log/{id}', { params: { id: props.note.id }, body: { text: text.trim() } });
        await props.onDone(true);
      },
      { stayBusy: true },
    );
  };
  return (
    <form onSubmit={(event) => void save(event)} noValidate>
      <Field id={id} label="Your words" error={problem}>
        <textarea id={id} maxLength={MAX} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-invalid={problem ? true : undefined} aria-describedby={describedBy(id, { error: problem })} />
      </Field>
      <div class="row">
        <SubmitButton busy={submission.busy}>Save the change</SubmitButton>
        <button type="button" class="button" onClick={() => void props.onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
