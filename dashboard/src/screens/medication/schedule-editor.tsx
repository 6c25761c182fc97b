import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { describe } from '../../ui/action';
import { describedBy, Field } from '../../ui/field';
import { SubmitButton } from '../../ui/submission';
import { CLOCK_PATTERN } from './home-dates';
import type { Medication } from './schedule-card';
import { windowMinutes, windowWords, WEEKDAYS, type Weekday } from './words';

/** One dose as the form holds it: text as typed, checked and turned into the schedule on save. */
interface DraftDose {
  key: number;
  name: string;
  at: string;
  window: string;
  compartment: string;
  days: Weekday[];
}

type DoseErrors = Partial<Record<'name' | 'at' | 'window' | 'compartment' | 'days', string>>;

const WINDOWS = ['15m', '30m', '45m', '60m', '90m', '2h', '3h', '4h'];
const DAY_WORDS: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

let keys = 0;
function draftOf(dose: Medication): DraftDose {
  return { key: ++keys, name: dose.name, at: dose.at, window: dose.window, compartment: String(dose.compartment ?? 0), days: dose.days ? [...dose.days] : [...WEEKDAYS] };
}

function check(dose: DraftDose): DoseErrors {
  const errors: DoseErrors = {};
  if (dose.name.trim() === '') errors.name = 'Give the dose a name, for example “Morning tablets”.';
  if (!CLOCK_PATTERN.test(dose.at.trim())) errors.at = `“${dose.at}” is not a time. Write it as HH:MM on a 24-hour clock, for example 08:00 or 20:30.`;
  const minutes = windowMinutes(dose.window);
  if (minutes === undefined || minutes <= 0) errors.window = 'Choose how long either side of the time still counts as on time.';
  if (!/^\d{1,2}$/.test(dose.compartment.trim()) || Number(dose.compartment) > 28) errors.compartment = 'Write the compartment as a number from 0 to 28 (0 for a box with one lid).';
  if (dose.days.length === 0) errors.days = 'Choose at least one day.';
  return errors;
}

function scheduleOf(dose: DraftDose): Medication {
  return {
    name: dose.name.trim(),
    at: dose.at.trim(),
    window: dose.window,
    compartment: Number(dose.compartment),
    ...(dose.days.length === 7 ? {} : { days: WEEKDAYS.filter((d) => dose.days.includes(d)) }),
  };
}

/** The hub's word on a dose's field (`/medication/1/at`, or `/rules/medication/1/at` from the whole plan). */
function hubErrors(error: ApiError): Map<number, DoseErrors> {
  const found = new Map<number, DoseErrors>();
  for (const problem of error.problems ?? []) {
    const match = /medication\/(\d+)\/(name|at|window|compartment|days)/.exec(problem.path ?? '');
    if (!match) continue;
    const index = Number(match[1]);
    found.set(index, { ...found.get(index), [match[2] as keyof DoseErrors]: problem.message });
  }
  return found;
}

export function ScheduleEditor(props: { initial: Medication[]; revision: number; onCancel: () => void; onSaved: (count: number) => void; onRestart: () => void }) {
  const [doses, setDoses] = useState<DraftDose[]>(() => props.initial.map(draftOf));
  const [errors, setErrors] = useState<Map<number, DoseErrors>>(new Map());
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);

  const change = (key: number, patch: Partial<DraftDose>) => setDoses((all) => all.map((d) => (d.key === key ? { ...d, ...patch } : d)));
  const add = () => setDoses((all) => [...all, { key: ++keys, name: '', at: '', window: '60m', compartment: '0', days: [...WEEKDAYS] }]);
  const remove = (key: number) => setDoses((all) => all.filter((d) => d.key !== key));

  const save = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    setConflict(false);
    const found = new Map<number, DoseErrors>();
    doses.forEach((dose, i) => {
      const e = check(dose);
      if (Object.keys(e).length > 0) found.set(i, e);
    });
    setErrors(found);
    if (found.size > 0) {
      setProblem(`Nothing was saved: ${found.size === 1 ? 'one dose needs' : `${found.size} doses need`} a correction (shown below).`);
      return;
    }
    setBusy(true);
    try {
      await api.put('/api/medication', { body: { medication: doses.map(scheduleOf) }, headers: { 'if-match': `"${props.revision}"` } });
      props.onSaved(doses.length);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setConflict(true);
        setProblem('Nothing was saved: someone else changed the care plan while you were editing. Start again from the current schedule.');
      } else {
        if (error instanceof ApiError) setErrors(hubErrors(error));
        setProblem(`Nothing was saved: ${describe(error)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={(e) => void save(e)} noValidate aria-label="Edit the schedule">
      {doses.length === 0 ? <p class="empty">No doses. Add one, or save an empty schedule to stop the medication alerts.</p> : null}
      {doses.map((dose, i) => (
        <DoseFields key={dose.key} dose={dose} index={i} errors={errors.get(i) ?? {}} onChange={(patch) => change(dose.key, patch)} onRemove={() => remove(dose.key)} />
      ))}
      <div>
        <button type="button" class="button" onClick={add}>
          Add a dose
        </button>
      </div>
      {problem ? (
        <div class="problem" role="alert">
          <p>{problem}</p>
          {conflict ? (
            <button type="button" class="button" onClick={props.onRestart}>
              Start again
            </button>
          ) : null}
        </div>
      ) : null}
      <div class="row">
        <SubmitButton busy={busy}>Save the schedule</SubmitButton>
        <button type="button" class="button button-plain" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DoseFields(props: { dose: DraftDose; index: number; errors: DoseErrors; onChange: (patch: Partial<DraftDose>) => void; onRemove: () => void }) {
  const { dose, errors } = props;
  const id = `dose-${dose.key}`;
  const title = dose.name.trim() === '' ? `Dose ${props.index + 1}` : dose.name.trim();
  const windows = WINDOWS.includes(dose.window) ? WINDOWS : [dose.window, ...WINDOWS];
  return (
    <fieldset class="med-dose-fields" data-dose-form={props.index}>
      <legend>{title}</legend>
      <div class="med-dose-grid">
        <Field id={`${id}-name`} label="Name" error={errors.name ?? null}>
          <input
            id={`${id}-name`}
            type="text"
            maxLength={200}
            value={dose.name}
            onInput={(e) => props.onChange({ name: e.currentTarget.value })}
            aria-invalid={errors.name ? 'true' : undefined}
            aria-describedby={describedBy(`${id}-name`, { error: errors.name })}
          />
        </Field>
        <Field id={`${id}-at`} label="Time" hint="HH:MM, 24-hour clock" error={errors.at ?? null}>
          <input
            id={`${id}-at`}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            maxLength={5}
            value={dose.at}
            onInput={(e) => props.onChange({ at: e.currentTarget.value })}
            aria-invalid={errors.at ? 'true' : undefined}
            aria-describedby={describedBy(`${id}-at`, { hint: true, error: errors.at })}
          />
        </Field>
        <Field id={`${id}-window`} label="On time within" hint="either side of the time" error={errors.window ?? null}>
          <select
            id={`${id}-window`}
            value={dose.window}
            onChange={(e) => props.onChange({ window: e.currentTarget.value })}
            aria-describedby={describedBy(`${id}-window`, { hint: true, error: errors.window })}
          >
            {windows.map((w) => (
              <option key={w} value={w}>
                {windowWords(w)}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-compartment`} label="Compartment" hint="0 for a box with one lid" error={errors.compartment ?? null}>
          <input
            id={`${id}-compartment`}
            type="text"
            inputMode="numeric"
            maxLength={2}
            value={dose.compartment}
            onInput={(e) => props.onChange({ compartment: e.currentTarget.value })}
            aria-invalid={errors.compartment ? 'true' : undefined}
            aria-describedby={describedBy(`${id}-compartment`, { hint: true, error: errors.compartment })}
          />
        </Field>
      </div>
      <fieldset class="med-days" aria-describedby={errors.days ? `${id}-days-error` : undefined}>
        <legend>Days</legend>
        <div class="med-days-list">
          {WEEKDAYS.map((day) => (
            <label key={day} class="check">
              <input
                type="checkbox"
                checked={dose.days.includes(day)}
                onChange={(e) => props.onChange({ days: e.currentTarget.checked ? [...dose.days, day] : dose.days.filter((d) => d !== day) })}
              />
              {DAY_WORDS[day]}
            </label>
          ))}
        </div>
        {errors.days ? (
          <p class="field-error" id={`${id}-days-error`} role="alert">
            {errors.days}
          </p>
        ) : null}
      </fieldset>
      <button type="button" class="button button-danger" onClick={props.onRemove}>
        Remove this dose<span class="visually-hidden">: {title}</span>
      </button>
    </fieldset>
  );
}
