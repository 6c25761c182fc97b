import type { ScreenProps } from '../../app/screens';
import { useResource } from '../../app/resource';
import { navigate } from '../../app/router';
import type { Reply } from '../../api/types';
import { Loaded } from '../../ui/loaded';
import { Card, Page } from '../../ui/page';
import { addDays, dateLabel, homeClock } from './home-dates';
import { compartmentWords, daysWords, OUTCOME_WORDS, windowWords } from './words';
import './medication.css';

type Adherence = Reply<'/api/medication/adherence'>;
type Overview = Reply<'/api/medication'>;

const PERIODS = [7, 14, 30, 60, 90] as const;
const DEFAULT_PERIOD = 30;

/**
 * A printable adherence report for a GP or a care review: the period, each day's doses and how they
 * went, totals with percentages, the schedule they were judged against, whose report it is and
 * when it was printed. The browser prints it; styles.css hides the navigation on paper.
 */
export function MedicationReportScreen(props: ScreenProps) {
  const asked = Number(props.query.get('days'));
  const period = (PERIODS as readonly number[]).includes(asked) ? asked : DEFAULT_PERIOD;
  const medication = useResource('/api/medication', { on: ['household'] });
  const household = useResource('/api/household', { on: ['household'] });
  const name = household.data?.household.person.name;
  return (
    <Page title="Medication report" subtitle={name ? `For ${name}` : undefined} wide>
      <div class="row no-print med-report-controls">
        <div class="field">
          <label for="report-period">Period</label>
          <select id="report-period" value={String(period)} onChange={(e) => navigate(`/medication/report?days=${e.currentTarget.value}`, { replace: true })}>
            {PERIODS.map((days) => (
              <option key={days} value={String(days)}>
                The last {days} days
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="button button-primary" onClick={() => window.print()}>
          Print
        </button>
        <a class="button button-plain" href="/medication">
          Back to medication
        </a>
      </div>
      <Loaded resource={medication} label="the schedule">
        {(overview) => <Report overview={overview} period={period} name={name} />}
      </Loaded>
    </Page>
  );
}

function Report(props: { overview: Overview; period: number; name: string | undefined }) {
  const { overview, period } = props;
  const from = addDays(overview.date, -(period - 1));
  const adherence = useResource('/api/medication/adherence', { query: { from, to: overview.date }, on: ['pillbox', 'alert'] });
  return (
    <Loaded resource={adherence} label="the doses">
      {(data) => (
        <>
          <Card id="report-summary" title={`Adherence from ${dateLabel(data.from, true)} to ${dateLabel(data.to, true)}`}>
            <p>
              {props.name ? `${props.name}. ` : ''}Printed {dateLabel(overview.date, true)} at {homeClock(Date.now(), overview.timezone)} (home time, {overview.timezone}).
            </p>
            <Totals totals={data.totals} />
            <p class="muted small">Doses still due today are not counted. A dose “taken twice” means the box was opened again for it within its window.</p>
          </Card>
          <Card id="report-schedule" title="The schedule">
            {overview.schedule.length === 0 ? (
              <p class="empty">No doses are scheduled now.</p>
            ) : (
              <ul class="list">
                {overview.schedule.map((dose) => (
                  <li key={dose.dose}>
                    <span>
                      {dose.name}: {dose.at}, {daysWords(dose.days).toLowerCase()}, on time within {windowWords(dose.window)}, from {compartmentWords(dose.compartment)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card id="report-days" title="Day by day">
            <DayTable adherence={data} />
          </Card>
        </>
      )}
    </Loaded>
  );
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((part / whole) * 100)} %`;
}

function Totals(props: { totals: Adherence['totals'] }) {
  const { onTime, late, missed, double } = props.totals;
  const all = onTime + late + missed + double;
  const rows: Array<[string, number]> = [
    ['On time', onTime],
    ['Late', late],
    ['Missed', missed],
    ['Taken twice', double],
  ];
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Totals">
      <table class="med-totals">
        <caption class="visually-hidden">Totals</caption>
        <thead>
          <tr>
            <th scope="col">Outcome</th>
            <th scope="col">Doses</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([word, count]) => (
            <tr key={word}>
              <th scope="row">{word}</th>
              <td>{count}</td>
              <td>{percent(count, all)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All recorded doses</th>
            <td>{all}</td>
            <td>{all === 0 ? '—' : '100 %'}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function DayTable(props: { adherence: Adherence }) {
  const { adherence } = props;
  const days = [...adherence.days].reverse();
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Day by day">
      <table class="med-report-table">
        <caption class="visually-hidden">Each day's doses, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Dose</th>
            <th scope="col">Outcome</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {days.flatMap((day) =>
            day.doses.length === 0
              ? [
                  <tr key={day.date}>
                    <th scope="row">{dateLabel(day.date)}</th>
                    <td colSpan={3} class="muted">
                      Nothing recorded
                    </td>
                  </tr>,
                ]
              : day.doses.map((dose, i) => (
                  <tr key={`${day.date}-${dose.dose}`}>
                    <th scope="row">{i === 0 ? dateLabel(day.date) : <span class="visually-hidden">{dateLabel(day.date)}</span>}</th>
                    <td>{dose.name ?? `${dose.dose} (no longer scheduled)`}</td>
                    <td>{OUTCOME_WORDS[dose.status].word}</td>
                    <td>{dose.status === 'missed' ? `window closed ${homeClock(Date.parse(dose.at), adherence.timezone)}` : homeClock(Date.parse(dose.at), adherence.timezone)}</td>
                  </tr>
                )),
          )}
        </tbody>
      </table>
    </div>
  );
}
