import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function ActivityScreen(_props: ScreenProps) {
  return <Page title="ActivityScreen"><p>Not built yet.</p></Page>;
}
