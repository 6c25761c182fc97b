import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function MedicationScreen(_props: ScreenProps) {
  return <Page title="MedicationScreen"><p>Not built yet.</p></Page>;
}
export function MedicationReportScreen(_props: ScreenProps) {
  return <Page title="MedicationReportScreen"><p>Not built yet.</p></Page>;
}
