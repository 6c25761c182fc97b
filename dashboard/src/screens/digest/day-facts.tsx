import type { Reply } from '../../api/types';
import { Card, Pill } from '../../ui/page';
import { addDays, dateLabel, homeClock } from '../medication/home-dates';
import { plural } from '../medication/words';

type Digest = Reply<'/api/digest'>;

/** The day before and after; there is no day after the one under way. */
export function DayNavigation(props: { date: string; complete: boolean }) {
  const before = addDays(props.date, -1);
  const after = addDays(props.date, 1);
  return (
    <nav class="row digest-days no-print" aria-label="Other days">
      <a class="button" href={`/digest?date=${before}`}>
        <span aria-hidden="true">‹ </span>
        {dateLabel(before)}
      </a>
      {props.complete ? (
        <a class="button" href={`/digest?date=${after}`}>
          {dateLabel(after)}
          <span aria-hidden="true"> ›</span>
        </a>
      ) : (
        <Pill tone="info">The day is under way: these are the facts so far</Pill>
      )}
    </nav>
  );
}

function minutesWords(minutes: number): string {
  if (minutes < 60) return plural(minutes, 'minute');
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
}

export function DayFacts(props: { digest: Digest }) {
  const { digest } = props;
  const f = digest.facts;
  const d = f.doses;
  const dosesOk = d.missed.length === 0 && d.double.length === 0;
  return (
    <>
      <Card id="digest-summary" title={digest.title}>
        <p class="headline">{digest.line}</p>
        <p class="muted small">
          From {homeClock(Date.parse(digest.from), digest.timezone)} on {dateLabel(digest.date)} to {homeClock(Date.parse(digest.to), digest.timezone)} the next morning, home time.
        </p>
      </Card>
      <div class="grid grid-2">
        <Card id="digest-day" title="Her day">
          <dl class="digest-facts">
            <dt>Up</dt>
            <dd>{f.upAt ? `Up at ${f.upAt}` : 'No door or pill box opened after the night yet.'}</dd>
            <dt>Doses</dt>
            <dd>
              {d.scheduled === 0 ? (
                'None scheduled.'
              ) : (
                <span class="stack digest-doses">
                  <span>
                    {d.onTime} of {d.scheduled} on time{d.late > 0 ? `, ${d.late} late` : ''}
                    {d.pending > 0 ? `, ${d.pending} still due` : ''}.
                  </span>
                  {d.missed.length > 0 ? <Pill tone="alert">Missed: {d.missed.join(', ')}</Pill> : null}
                  {d.double.length > 0 ? <Pill tone="alert">Taken twice: {d.double.join(', ')}</Pill> : null}
                  {dosesOk && d.pending === 0 ? <Pill tone="ok">All taken</Pill> : null}
                </span>
              )}{' '}
              <a href="/medication" class="no-print">
                Medication
              </a>
            </dd>
            <dt>Night exits</dt>
            <dd>{f.nightExits === 0 ? 'None in the night that followed.' : `${plural(f.nightExits, 'door opening')} at night raised an alert.`}</dd>
            <dt>Time out</dt>
            <dd>{f.minutesOut === null ? 'Not known: no tracker reported.' : f.minutesOut === 0 ? 'Stayed home.' : `Out of the home for ${minutesWords(f.minutesOut)}.`}</dd>
          </dl>
        </Card>
        <Card id="digest-circle" title="The circle">
          <dl class="digest-facts">
            <dt>Alerts handled</dt>
            <dd>
              {f.handledBy.length === 0 ? (
                'No alerts needed anyone.'
              ) : (
                <ul class="digest-list">
                  {f.handledBy.map((who) => (
                    <li key={who.name}>
                      {who.name} was on {plural(who.alerts, 'alert')}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>Not acknowledged</dt>
            <dd>{f.unacknowledged === 0 ? 'Every alert was taken up.' : <Pill tone="warn">{plural(f.unacknowledged, 'alert')} nobody said “I’m on it” to</Pill>}</dd>
            <dt>Care notes</dt>
            <dd>
              {f.careNotes === 0 ? 'No notes written.' : `${plural(f.careNotes, 'note')} written.`}{' '}
              <a href="/care-log" class="no-print">
                Care log
              </a>
            </dd>
            <dt>Sensors</dt>
            <dd>
              {f.sensorProblems.length === 0 ? (
                'All reporting.'
              ) : (
                <ul class="digest-list">
                  {f.sensorProblems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        </Card>
      </div>
    </>
  );
}
