import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function CircleScreen(_props: ScreenProps) {
  return <Page title="CircleScreen"><p>Not built yet.</p></Page>;
}
