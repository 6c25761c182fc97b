import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { ActionButton } from '../../ui/action';
import { Field } from '../../ui/field';
import { dateTime } from '../../ui/format';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';

/** "YYYY-MM-DDTHH:MM" in this browser's time, as a datetime-local input shows it. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "I'm away" from–until: the rota skips me meanwhile, and someone else answers. */
export function AwayForm(props: { away: { from: string; until: string } | null; onChanged: () => Promise<void> }) {
  const [from, setFrom] = useState(() => localInput(Date.now()));
  const [until, setUntil] = useState(() => localInput(Date.now() + 2 * 24 * 3600_000));
  const submission = useSubmission();
  if (props.away) {
    return (
      <div class="stack">
        <p>
          You are marked away from {dateTime(props.away.from)} until {dateTime(props.away.until)}. The rota skips you meanwhile.
        </p>
        <ActionButton
          onAction={async () => {
            await api.delete('/api/me/away');
            await props.onChanged();
          }}
        >
          I’m back
        </ActionButton>
      </div>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    const start = Date.parse(from);
    const end = Date.parse(until);
    if (!Number.isFinite(start) || !Number.isFinite(end)) return submission.setProblem('Give both when you leave and when you are back.');
    if (end <= start) return submission.setProblem('“Back” must be after “Away from”.');
    await submission.run(async () => {
      await api.put('/api/me/away', { body: { from: new Date(start).toISOString(), until: new Date(end).toISOString() } });
      await props.onChanged();
    });
  };
  return (
    <form onSubmit={(event) => void submit(event)}>
      <p class="hint">Going on holiday, or cannot answer for a while? The rota passes your turns to the next person.</p>
      <div class="circle-inline">
        <Field id="away-from" label="Away from">
          <input id="away-from" type="datetime-local" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </Field>
        <Field id="away-until" label="Back">
          <input id="away-until" type="datetime-local" required value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </Field>
      </div>
      <FormProblem problem={submission.problem} />
      <SubmitButton busy={submission.busy} kind="secondary">
        I’m away
      </SubmitButton>
    </form>
  );
}
