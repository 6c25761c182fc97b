import { BarChart } from '../../ui/chart';
import { Card, Empty } from '../../ui/page';
import { addDays, dateLabel, shortDate, homeMoment } from '../medication/home-dates';
import { plural } from '../medication/words';

/** Door openings by hour of the day (home clock), over the last `days` days. */
export function OpeningsByHourCard(props: { openings: readonly number[]; sinceMs: number; days: number; timezone: string }) {
  const counts = Array.from({ length: 24 }, () => 0);
  let total = 0;
  for (const at of props.openings) {
    if (at < props.sinceMs) continue;
    const hour = homeMoment(at, props.timezone).hour;
    counts[hour] = (counts[hour] ?? 0) + 1;
    total += 1;
  }
  const labels = counts.map((_, hour) => `${String(hour).padStart(2, '0')}:00`);
  const busiest = counts.indexOf(Math.max(...counts));
  const summary =
    total === 0
      ? `No door openings in the last ${props.days} days.`
      : `Over the last ${props.days} days the doors opened ${plural(total, 'time')}; most often between ${hourWords(busiest)} and ${hourWords((busiest + 1) % 24)} (${plural(counts[busiest] ?? 0, 'time')}).`;
  return (
    <Card id="by-hour" title="Door openings by hour of the day">
      {total === 0 ? <Empty>{summary} Openings appear here as the door sensors report them.</Empty> : <BarChart id="by-hour-chart" labels={labels} values={counts} summary={summary} columns={['Hour starting', 'Openings']} />}
    </Card>
  );
}

function hourWords(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

function minutesOf(clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Which night an opening belongs to, named by the date the night began (as the digest names
 * nights); undefined outside the night hours.
 */
export function nightOf(at: number, timezone: string, night: { start: string; end: string }): string | undefined {
  const { date, hour, minute } = homeMoment(at, timezone);
  const now = hour * 60 + minute;
  const start = minutesOf(night.start);
  const end = minutesOf(night.end);
  if (start === end) return undefined;
  if (start < end) return now >= start && now < end ? date : undefined;
  if (now >= start) return date;
  if (now < end) return addDays(date, -1);
  return undefined;
}

/** Door openings during the household's night hours, night by night, over the last weeks. */
export function NightActivityCard(props: { openings: readonly number[]; lastNight: string; nights: number; timezone: string; night: { start: string; end: string } }) {
  const dates = Array.from({ length: props.nights }, (_, i) => addDays(props.lastNight, i - props.nights + 1));
  const index = new Map(dates.map((d, i) => [d, i]));
  const counts = dates.map(() => 0);
  for (const at of props.openings) {
    const night = nightOf(at, props.timezone, props.night);
    const i = night === undefined ? undefined : index.get(night);
    if (i !== undefined) counts[i] = (counts[i] ?? 0) + 1;
  }
  const restless = counts.filter((n) => n > 0).length;
  const total = counts.reduce((a, b) => a + b, 0);
  const lastWeek = counts.slice(-7).filter((n) => n > 0).length;
  const busiest = counts.indexOf(Math.max(...counts));
  const weeks = Math.round(props.nights / 7);
  const summary =
    total === 0
      ? `No door opened between ${props.night.start} and ${props.night.end} in the last ${weeks} weeks.`
      : `A door opened at night (${props.night.start}–${props.night.end}) on ${restless} of the last ${props.nights} nights, ${lastWeek} of them in the last week. The busiest was the night of ${dateLabel(dates[busiest] as string)} (${plural(counts[busiest] ?? 0, 'opening')}).`;
  return (
    <Card id="nights" title="Night-time activity">
      <BarChart id="nights-chart" labels={dates.map((d) => dateLabel(d))} axisLabels={dates.map(shortDate)} values={counts} summary={summary} columns={['Night of', 'Door openings']} />
    </Card>
  );
}
