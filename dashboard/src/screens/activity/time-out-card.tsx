import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { describe } from '../../ui/action';
import { BarChart } from '../../ui/chart';
import { Card, Empty } from '../../ui/page';
import { addDays, dateLabel, shortDate } from '../medication/home-dates';
import { plural } from '../medication/words';

/**
 * Time out of the home per day, from each day's digest (minutes outside every safe zone, a sum and
 * never a place, so no location view is logged). A few digests at a time: the hub is a Pi.
 */
const AT_ONCE = 4;

interface DayOut {
  date: string;
  minutes: number | null;
}

export function TimeOutCard(props: { days: number }) {
  const [days, setDays] = useState<DayOut[] | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const [asks, setAsks] = useState(0);

  useEffect(() => {
    let current = true;
    setProblem(null);
    void (async () => {
      try {
        const today = await api.get('/api/digest');
        const dates = Array.from({ length: props.days - 1 }, (_, i) => addDays(today.date, -(props.days - 1) + i));
        const found: DayOut[] = [];
        for (let i = 0; i < dates.length; i += AT_ONCE) {
          const replies = await Promise.all(dates.slice(i, i + AT_ONCE).map((date) => api.get('/api/digest', { query: { date } })));
          found.push(...replies.map((r) => ({ date: r.date, minutes: r.facts.minutesOut })));
        }
        found.push({ date: today.date, minutes: today.facts.minutesOut });
        if (current) setDays(found);
      } catch (error) {
        if (current) setProblem(describe(error));
      }
    })();
    return () => {
      current = false;
    };
  }, [props.days, asks]);

  return (
    <Card id="time-out" title="Time out of the home">
      {problem ? (
        <div class="problem" role="alert">
          <p>Could not load the time out: {problem}</p>
          <button type="button" class="button" onClick={() => setAsks((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : days === undefined ? (
        <p class="loading" role="status">
          Loading the time out…
        </p>
      ) : (
        <TimeOutChart days={days} />
      )}
    </Card>
  );
}

function hoursWords(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

function TimeOutChart(props: { days: DayOut[] }) {
  const known = props.days.filter((d) => d.minutes !== null);
  if (known.length === 0) return <Empty>No tracker has reported in these {props.days.length} days, so the time out is not known.</Empty>;
  const total = known.reduce((sum, d) => sum + (d.minutes ?? 0), 0);
  const home = known.filter((d) => d.minutes === 0).length;
  const longest = known.reduce((a, b) => ((b.minutes ?? 0) > (a.minutes ?? 0) ? b : a));
  const summary =
    total === 0
      ? `She stayed home on all ${known.length} days the tracker reported.`
      : `Out of the home on average ${hoursWords(Math.round(total / known.length))} a day over ${plural(known.length, 'day')}${home > 0 ? `, staying home on ${home}` : ''}; longest ${hoursWords(longest.minutes ?? 0)} on ${dateLabel(longest.date)}. The latest day is so far.`;
  return (
    <BarChart
      id="time-out-chart"
      labels={props.days.map((d) => dateLabel(d.date))}
      axisLabels={props.days.map((d) => shortDate(d.date))}
      values={props.days.map((d) => (d.minutes === null ? null : Math.round((d.minutes / 60) * 10) / 10))}
      format={(hours) => `${hours} h`}
      missing="No tracker data"
      summary={summary}
      columns={['Day', 'Hours out']}
    />
  );
}
