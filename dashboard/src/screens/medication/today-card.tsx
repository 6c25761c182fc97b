import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import type { Resource } from '../../app/resource';
import { describedBy, Field } from '../../ui/field';
import { Loaded } from '../../ui/loaded';
import { Card, Empty, Pill } from '../../ui/page';
import { SubmitButton, useSubmission } from '../../ui/submission';
import { CLOCK_PATTERN, homeClock, homeInstant } from './home-dates';
import { TODAY_WORDS, type TodaysDose } from './words';

type Overview = Reply<'/api/medication'>;

/** Today's doses in the home's day, and for those who give medication, a dose given by hand. */
export function TodayCard(props: { medication: Resource<Overview>; canRecord: boolean; onRecorded: () => void }) {
  return (
    <Card id="today" title="Today’s doses">
      <Loaded resource={props.medication} label="today’s doses">
        {(data) => (
          <>
            {data.today.length === 0 ? (
              <Empty>No doses are scheduled today.{props.canRecord ? ' Add them to the schedule below.' : ''}</Empty>
            ) : (
              <ul class="list">
                {data.today.map((dose) => (
                  <DoseLine key={`${dose.dose}-${dose.due}`} dose={dose} timezone={data.timezone} />
                ))}
              </ul>
            )}
            {props.canRecord && data.today.length > 0 ? <RecordDose overview={data} onRecorded={props.onRecorded} /> : null}
          </>
        )}
      </Loaded>
    </Card>
  );
}

function DoseLine(props: { dose: TodaysDose; timezone: string }) {
  const { dose, timezone } = props;
  const [word, tone] = TODAY_WORDS[dose.status];
  const taken = dose.status === 'taken' || dose.status === 'late' || dose.status === 'double';
  return (
    <li data-dose={dose.dose}>
      <span class="stack med-dose">
        <span class="headline-small">{dose.name}</span>
        <span class="muted small">
          Due {homeClock(Date.parse(dose.due), timezone)} (between {homeClock(Date.parse(dose.windowStart), timezone)} and {homeClock(Date.parse(dose.windowEnd), timezone)})
        </span>
      </span>
      <span class="row">
        <Pill tone={tone}>{word}</Pill>
        {dose.at && taken ? <span class="muted small">at {homeClock(Date.parse(dose.at), timezone)}</span> : null}
      </span>
    </li>
  );
}

/**
 * "Record a dose given by hand": the carer gave it from the blister pack, or the box's sensor is
 * broken. The time is the home's clock (the hub judges on time or late against the window).
 */
function RecordDose(props: { overview: Overview; onRecorded: () => void }) {
  const { overview } = props;
  const [open, setOpen] = useState(false);
  const firstOpen = overview.today.find((d) => d.status === 'due' || d.status === 'missed') ?? overview.today[0];
  const [dose, setDose] = useState(firstOpen?.dose ?? '');
  const [time, setTime] = useState('');
  const [note, setNote] = useState('');
  const [timeError, setTimeError] = useState<string | null>(null);
  const submission = useSubmission();
  const { problem, setProblem } = submission;
  const [done, setDone] = useState<string | null>(null);

  const start = () => {
    setOpen(true);
    if (firstOpen) setDose(firstOpen.dose);
    setTime(homeClock(Date.now(), overview.timezone));
    setDone(null);
    setProblem(null);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    if (!CLOCK_PATTERN.test(time)) return setTimeError('Write the time as HH:MM on a 24-hour clock, for example 08:15.');
    const takenAt = homeInstant(overview.date, time, overview.timezone);
    if (takenAt > Date.now() + 60_000) return setTimeError('That time has not come yet today. Record a dose once it has been given.');
    setTimeError(null);
    await submission.run(async () => {
      const reply = await api.post('/api/medication/doses', {
        body: { dose, date: overview.date, takenAt: new Date(takenAt).toISOString(), ...(note.trim() === '' ? {} : { note: note.trim() }) },
      });
      const how = reply.status === 'late' ? 'taken late' : reply.status === 'double' ? 'now recorded twice' : 'taken';
      setDone(`Recorded: ${reply.name} given at ${time}, ${how}.${reply.resolvedAlertId ? ' The missed-dose alert is resolved.' : ''}`);
      setNote('');
      setOpen(false);
      props.onRecorded();
    });
  };

  if (!open) {
    return (
      <div class="med-record">
        <button type="button" class="button" onClick={start}>
          Record a dose given by hand
        </button>
        {done ? (
          <p class="action-done" role="status">
            {done}
          </p>
        ) : null}
      </div>
    );
  }
  return (
    <form class="med-record stack" onSubmit={(e) => void submit(e)} aria-labelledby="record-dose-title" noValidate>
      <h3 id="record-dose-title">Record a dose given by hand</h3>
      <p class="hint">For a dose given from the blister pack or by a carer, when the pill box did not see it.</p>
      <Field id="record-dose" label="Which dose">
        <select id="record-dose" value={dose} onChange={(e) => setDose(e.currentTarget.value)}>
          {overview.today.map((d) => (
            <option key={d.dose} value={d.dose}>
              {d.name}, due {homeClock(Date.parse(d.due), overview.timezone)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="record-time" label="Given at" hint="Today, on the home’s clock (HH:MM)." error={timeError}>
        <input
          id="record-time"
          type="text"
          inputMode="numeric"
          autoComplete="off"
          value={time}
          onInput={(e) => setTime(e.currentTarget.value.trim())}
          aria-invalid={timeError ? 'true' : undefined}
          aria-describedby={describedBy('record-time', { hint: true, error: timeError })}
        />
      </Field>
      <Field id="record-note" label="Note (optional)" hint="For example: given with breakfast from the blister pack.">
        <input id="record-note" type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} aria-describedby="record-note-hint" />
      </Field>
      {problem ? (
        <p class="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div class="row">
        <SubmitButton busy={submission.busy}>Record this dose</SubmitButton>
        <button type="button" class="button button-plain" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
