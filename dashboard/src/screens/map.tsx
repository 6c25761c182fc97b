import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function MapScreen(_props: ScreenProps) {
  return <Page title="MapScreen"><p>Not built yet.</p></Page>;
}
