import { useState } from 'preact/hooks';
import type { Reply } from '../../api/types';
import { Field } from '../../ui/field';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';
import { ON_CALL_ROLES, WEEKDAYS, type Member, type Weekday } from './words';

type Shift = Reply<'/api/rota'>['shifts'][number];
export interface ShiftDraft {
  userId: number;
  days: Weekday[];
  start: string;
  end: string;
  tier: number;
}

/** Adding or changing a shift: who, which days, from when until when, who is called first. */
export function ShiftForm(props: { idPrefix: string; members: readonly Member[]; shift?: Shift; submitLabel: string; onSubmit: (draft: ShiftDraft) => Promise<void>; onCancel?: () => void }) {
  const candidates = props.members.filter((member) => !member.disabled && ON_CALL_ROLES.includes(member.role));
  const [userId, setUserId] = useState(props.shift?.userId ?? candidates[0]?.id ?? 0);
  const [days, setDays] = useState<Weekday[]>((props.shift?.days as Weekday[] | undefined) ?? WEEKDAYS.map(([d]) => d));
  const [start, setStart] = useState(props.shift?.start ?? '22:00');
  const [end, setEnd] = useState(props.shift?.end ?? '07:00');
  const [tier, setTier] = useState(props.shift?.tier ?? 1);
  const submission = useSubmission();
  const id = (name: string) => `${props.idPrefix}-${name}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (days.length === 0) return submission.setProblem('Choose at least one day.');
    if (!start || !end) return submission.setProblem('Give the time the shift starts and ends.');
    await submission.run(() => props.onSubmit({ userId, days, start, end, tier }));
  };
  if (candidates.length === 0) return <p class="empty">Nobody in the circle can be on call yet: invite family or a carer first.</p>;
  return (
    <form onSubmit={(event) => void submit(event)} class="circle-box">
      <div class="circle-inline">
        <Field id={id('who')} label="Who is on call">
          <select id={id('who')} value={String(userId)} onChange={(e) => setUserId(Number(e.currentTarget.value))}>
            {candidates.map((member) => (
              <option key={member.id} value={String(member.id)}>
                {member.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id={id('start')} label="From">
          <input id={id('start')} type="time" required value={start} onInput={(e) => setStart(e.currentTarget.value)} />
        </Field>
        <Field id={id('end')} label="Until" hint="Before the start means the next morning.">
          <input id={id('end')} type="time" required value={end} onInput={(e) => setEnd(e.currentTarget.value)} aria-describedby={`${id('end')}-hint`} />
        </Field>
        <Field id={id('tier')} label="Called">
          <select id={id('tier')} value={String(tier)} onChange={(e) => setTier(Number(e.currentTarget.value))}>
            <option value="1">First</option>
            <option value="2">Second, if nobody answers</option>
            <option value="3">Third</option>
          </select>
        </Field>
      </div>
      <fieldset>
        <legend>On these days (the day the shift starts)</legend>
        <div class="circle-days">
          {WEEKDAYS.map(([day, , long]) => (
            <label class="check" key={day}>
              <input type="checkbox" checked={days.includes(day)} onChange={(e) => setDays(e.currentTarget.checked ? WEEKDAYS.map(([d]) => d).filter((d) => d === day || days.includes(d)) : days.filter((d) => d !== day))} />
              {long}
            </label>
          ))}
        </div>
      </fieldset>
      <FormProblem problem={submission.problem} />
      <div class="row">
        <SubmitButton busy={submission.busy}>{props.submitLabel}</SubmitButton>
        {props.onCancel ? (
          <button type="button" class="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
