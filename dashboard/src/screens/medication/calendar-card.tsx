import { useEffect, useState } from 'preact/hooks';
import { useResource } from '../../app/resource';
import { Loaded } from '../../ui/loaded';
import { Card, Pill } from '../../ui/page';
import { addMonths, dateLabel, homeClock, monthDays, monthLabel, monthOf, weekdayIndex, weekdayNames } from './home-dates';
import { OUTCOME_ORDER, OUTCOME_WORDS, plural, type AdherenceDay, type DoseOutcome } from './words';

/**
 * The adherence calendar: a month of days, each marked with its worst outcome (missed, taken twice,
 * late, on time) by a symbol and a word for screen readers, never by colour alone; choosing a day
 * lists its doses. Months move by buttons; the current month is the home's.
 */
export function CalendarCard(props: { today: string; timezone: string; changes: number }) {
  const [month, setMonth] = useState(monthOf(props.today));
  const [chosen, setChosen] = useState<string | null>(null);
  const days = monthDays(month);
  const last = days[days.length - 1] as string;
  const adherence = useResource('/api/medication/adherence', {
    query: { from: days[0], to: last < props.today ? last : props.today },
    on: ['pillbox', 'alert', 'household'],
    enabled: days[0] as string <= props.today,
  });
  // A dose recorded or a schedule saved on this screen changes the record without a live event for it.
  useEffect(() => {
    if (props.changes > 0) void adherence.reload();
  }, [props.changes]);
  const thisMonth = monthOf(props.today);
  const go = (by: number) => {
    setMonth(addMonths(month, by));
    setChosen(null);
  };

  return (
    <Card id="calendar" title="Adherence calendar">
      <div class="med-month row">
        <button type="button" class="button" onClick={() => go(-1)}>
          <span aria-hidden="true">‹ </span>Previous month
        </button>
        <h3 class="med-month-name" aria-live="polite">
          {monthLabel(month)}
        </h3>
        <button type="button" class="button" onClick={() => go(1)} disabled={month >= thisMonth}>
          Next month<span aria-hidden="true"> ›</span>
        </button>
      </div>
      <Legend />
      <Loaded resource={adherence} label="the calendar">
        {(data) => {
          const byDate = new Map(data.days.map((d) => [d.date, d]));
          const chosenDay = chosen === null ? undefined : byDate.get(chosen);
          return (
            <>
              <MonthGrid days={days} today={props.today} byDate={byDate} chosen={chosen} onChoose={setChosen} />
              <p class="muted small">
                This month so far: {data.totals.onTime} on time, {data.totals.late} late, {data.totals.missed} missed, {data.totals.double} taken twice.
              </p>
              {chosen !== null ? <DayDoses date={chosen} day={chosenDay} timezone={props.timezone} /> : null}
            </>
          );
        }}
      </Loaded>
    </Card>
  );
}

function Legend() {
  return (
    <ul class="med-legend" aria-label="What the marks mean">
      {(['on-time', 'late', 'missed', 'double'] as const).map((outcome) => (
        <li key={outcome}>
          <span class={`med-mark med-${outcome}`} aria-hidden="true">
            {OUTCOME_WORDS[outcome].mark}
          </span>{' '}
          {OUTCOME_WORDS[outcome].word}
        </li>
      ))}
      <li>
        <span class="med-mark med-none" aria-hidden="true">
          ·
        </span>{' '}
        Nothing recorded
      </li>
    </ul>
  );
}

function worst(day: AdherenceDay | undefined): DoseOutcome | undefined {
  if (!day || day.doses.length === 0) return undefined;
  return OUTCOME_ORDER.find((o) => day.doses.some((d) => d.status === o));
}

export function daySentence(day: AdherenceDay | undefined): string {
  if (!day || day.doses.length === 0) return 'nothing recorded';
  const counts = OUTCOME_ORDER.map((o) => [o, day.doses.filter((d) => d.status === o).length] as const).filter(([, n]) => n > 0);
  return counts.map(([o, n]) => `${n} ${OUTCOME_WORDS[o].word.toLowerCase()}`).join(', ');
}

function MonthGrid(props: { days: string[]; today: string; byDate: Map<string, AdherenceDay>; chosen: string | null; onChoose: (date: string) => void }) {
  const names = weekdayNames('short');
  const long = weekdayNames('long');
  const lead = weekdayIndex(props.days[0] as string);
  const cells: Array<string | null> = [...Array.from({ length: lead }, () => null), ...props.days];
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: Array<Array<string | null>> = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return (
    <table class="med-calendar">
      <caption class="visually-hidden">Doses by day; choose a day to see its doses</caption>
      <thead>
        <tr>
          {names.map((name, i) => (
            <th key={name} scope="col" abbr={long[i]}>
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeks.map((week) => (
          <tr key={week.find((d) => d !== null) ?? ''}>
            {week.map((date, i) => {
              if (date === null) return <td key={`blank-${i}`} />;
              const future = date > props.today;
              const day = props.byDate.get(date);
              const outcome = worst(day);
              const mark = outcome ? OUTCOME_WORDS[outcome].mark : '·';
              return (
                <td key={date}>
                  <button
                    type="button"
                    class={`med-day med-${outcome ?? 'none'}${date === props.today ? ' med-today' : ''}`}
                    aria-pressed={props.chosen === date}
                    aria-label={`${dateLabel(date, true)}${date === props.today ? ' (today)' : ''}: ${future ? 'not yet' : daySentence(day)}`}
                    disabled={future}
                    onClick={() => props.onChoose(date)}
                    data-date={date}
                  >
                    <span class="med-day-number">{Number(date.slice(8))}</span>
                    <span class="med-day-mark">{future ? '' : mark}</span>
                  </button>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DayDoses(props: { date: string; day: AdherenceDay | undefined; timezone: string }) {
  const doses = props.day?.doses ?? [];
  return (
    <div class="med-day-detail" role="region" aria-label={`Doses on ${dateLabel(props.date, true)}`}>
      <h3>{dateLabel(props.date, true)}</h3>
      {doses.length === 0 ? (
        <p class="empty">Nothing recorded that day.</p>
      ) : (
        <ul class="list">
          {doses.map((dose) => {
            const words = OUTCOME_WORDS[dose.status];
            return (
              <li key={dose.dose}>
                <span>{dose.name ?? `${dose.dose} (no longer in the schedule)`}</span>
                <span class="row">
                  <Pill tone={words.tone}>{words.word}</Pill>
                  <span class="muted small">
                    {dose.status === 'missed' ? 'window closed' : 'at'} {homeClock(Date.parse(dose.at), props.timezone)}
                  </span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <p class="muted small">{plural(doses.length, 'dose')} recorded.</p>
    </div>
  );
}
