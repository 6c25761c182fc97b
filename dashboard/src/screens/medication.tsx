import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { may, useSession } from '../app/session';
import { Page } from '../ui/page';
import { CalendarCard } from './medication/calendar-card';
import { ScheduleCard } from './medication/schedule-card';
import { TodayCard } from './medication/today-card';
import './medication/medication.css';

export { MedicationReportScreen } from './medication/report';

/**
 * Medication (issue 8, screen 4): today's doses, live from the pill box; a dose given by hand; the
 * schedule, editable by those who give medication; the adherence calendar; the printable report.
 */
export function MedicationScreen(_props: ScreenProps) {
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const canWrite = user !== undefined && may(user, 'medication.write');
  const medication = useResource('/api/medication', { on: ['pillbox', 'alert', 'household'] });
  const [changes, setChanges] = useState(0);
  const reload = () => {
    void medication.reload();
    setChanges((n) => n + 1);
  };
  return (
    <Page
      title="Medication"
      actions={
        <a class="button no-print" href="/medication/report">
          Printable report
        </a>
      }
    >
      <TodayCard medication={medication} canRecord={canWrite} onRecorded={reload} />
      <ScheduleCard medication={medication} canEdit={canWrite} onSaved={reload} />
      {medication.data ? <CalendarCard today={medication.data.date} timezone={medication.data.timezone} changes={changes} /> : null}
    </Page>
  );
}
