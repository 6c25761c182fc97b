import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { Loaded } from '../ui/loaded';
import { Page } from '../ui/page';
import { DayFacts, DayNavigation } from './digest/day-facts';
import { WokenCard } from './digest/woken-card';
import { dateLabel } from './medication/home-dates';
import './digest/digest.css';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The page the daily digest notification opens (/digest?date=YYYY-MM-DD; without a date, the day
 * under way): when she was up, doses, night exits, time out, who handled alerts, care notes and
 * sensors; the days either side; and the week's "who was woken at night", so the load is shared.
 */
export function DigestScreen(props: ScreenProps) {
  const asked = props.query.get('date');
  const date = asked !== null && LOCAL_DATE.test(asked) ? asked : undefined;
  const digest = useResource('/api/digest', { query: { date }, on: ['alert', 'incident', 'care-log', 'door', 'pillbox', 'device'] });
  const shown = digest.data?.date ?? date;
  return (
    <Page title="Daily digest" subtitle={shown ? dateLabel(shown, true) : undefined}>
      <Loaded resource={digest} label="the digest">
        {(data) => (
          <>
            <DayNavigation date={data.date} complete={data.complete} />
            <DayFacts digest={data} />
            <WokenCard end={data.date} />
          </>
        )}
      </Loaded>
      {digest.data === undefined && digest.error?.code === 'date_in_future' ? (
        <p>
          <a href="/digest">Open the day under way</a>
        </p>
      ) : null}
    </Page>
  );
}
