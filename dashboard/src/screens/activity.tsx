import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { Loaded } from '../ui/loaded';
import { Card, Page } from '../ui/page';
import { nightOf, NightActivityCard, OpeningsByHourCard } from './activity/door-charts';
import { useDoorOpenings } from './activity/door-openings';
import { TimeOutCard } from './activity/time-out-card';
import { addDays, homeMoment } from './medication/home-dates';

const DAY_MS = 86_400_000;
/** Openings by hour look at four weeks; the nights at eight; time out at two (one digest a day). */
const HOUR_DAYS = 28;
const NIGHTS = 56;
const OUT_DAYS = 14;
const DEFAULT_NIGHT = { start: '22:00', end: '07:00' };

/**
 * Activity (issue 8, screen 5): door openings by hour, night-time activity over weeks, time out of
 * the home. Patterns for the circle and a care review, not alerts; no location is shown.
 */
export function ActivityScreen(_props: ScreenProps) {
  const household = useResource('/api/household', { on: ['household'] });
  // Fixed for the life of the screen, so the fetch is not repeated every render.
  const [since] = useState(() => Date.now() - (NIGHTS + 1) * DAY_MS);
  const doors = useDoorOpenings(since);
  return (
    <Page title="Activity" subtitle="Patterns from the door sensors and the tracker, for the circle and for care reviews.">
      <Loaded resource={household} label="the care plan">
        {(data) => {
          const timezone = data.household.home.timezone;
          const night = data.household.rules?.night ?? DEFAULT_NIGHT;
          if (doors.openings === undefined) {
            return doors.error ? (
              <Card id="doors-problem" title="Door openings">
                <div class="problem" role="alert">
                  <p>Could not load the door openings: {doors.error.message}</p>
                  <button type="button" class="button" onClick={doors.reload}>
                    Try again
                  </button>
                </div>
              </Card>
            ) : (
              <p class="loading" role="status">
                Loading the door openings…
              </p>
            );
          }
          const now = Date.now();
          // The last night shown is the one under way, or in the daytime the one just past.
          const lastNight = nightOf(now, timezone, night) ?? addDays(homeMoment(now, timezone).date, -1);
          return (
            <>
              {doors.cut ? <p class="stale">The hub holds more door readings than this page fetches; the oldest weeks are incomplete.</p> : null}
              <div class="grid grid-2">
                <OpeningsByHourCard openings={doors.openings} sinceMs={now - HOUR_DAYS * DAY_MS} days={HOUR_DAYS} timezone={timezone} />
                <TimeOutCard days={OUT_DAYS} />
              </div>
              <NightActivityCard openings={doors.openings} lastNight={lastNight} nights={NIGHTS} timezone={timezone} night={night} />
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
