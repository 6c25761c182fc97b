import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function IncidentScreen(_props: ScreenProps) {
  return <Page title="IncidentScreen"><p>Not built yet.</p></Page>;
}
export function AlertScreen(_props: ScreenProps) {
  return <Page title="AlertScreen"><p>Not built yet.</p></Page>;
}
