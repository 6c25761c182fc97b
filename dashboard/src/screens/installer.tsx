import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function InstallerScreen(_props: ScreenProps) {
  return <Page title="InstallerScreen"><p>Not built yet.</p></Page>;
}
