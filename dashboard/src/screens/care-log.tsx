import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function CareLogScreen(_props: ScreenProps) {
  return <Page title="CareLogScreen"><p>Not built yet.</p></Page>;
}
