import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function ProfileScreen(_props: ScreenProps) {
  return <Page title="ProfileScreen"><p>Not built yet.</p></Page>;
}
