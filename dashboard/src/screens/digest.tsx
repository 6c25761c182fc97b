import type { ScreenProps } from '../app/screens';
import { Page } from '../ui/page';

export function DigestScreen(_props: ScreenProps) {
  return <Page title="DigestScreen"><p>Not built yet.</p></Page>;
}
