import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { useMinuteTick } from '../app/router';
import { may, useSession } from '../app/session';
import { Page } from '../ui/page';
import { BridgesCard } from './installer/bridges-card';
import type { DeviceDraft } from './installer/device-form';
import { DevicesCard } from './installer/devices-card';
import { DiscoverCard } from './installer/discover-card';
import { FaultsCard } from './installer/faults-card';
import { HouseholdFileCard } from './installer/household-file';
import { WalkTestCard } from './installer/walk-test';
import './installer/installer.css';

/**
 * Devices (issue 8, screen 8): every sensor's health for the whole circle; for installers and owners
 * also discovery, adding and changing devices and bridges, credentials and the walk-test. Nothing
 * here reads a location, a note or a dose: installers may see none of them.
 */
export function InstallerScreen(_props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const manage = user !== undefined && may(user, 'devices.manage');
  const devices = useResource('/api/devices', { on: ['device'] });
  const bridges = useResource('/api/bridges', { on: ['device', 'household'] });
  const discovered = useResource('/api/devices/discovered', { enabled: manage, on: ['device', 'household'] });
  const [draft, setDraft] = useState<DeviceDraft | null>(null);
  return (
    <Page title="Devices" subtitle={manage ? 'Sensors and trackers: their health, and setting them up.' : 'Sensors and trackers, and whether each is reporting.'}>
      <FaultsCard />
      <DevicesCard
        devices={devices}
        bridges={bridges.data?.bridges ?? []}
        manage={manage}
        draft={draft}
        onDraft={(next) => {
          setDraft(next);
          if (next === null) void discovered.reload();
        }}
      />
      {manage ? <WalkTestCard devices={devices.data?.devices ?? []} /> : null}
      {manage ? <DiscoverCard discovered={discovered} onAdd={setDraft} /> : null}
      <BridgesCard bridges={bridges} manage={manage} />
      {user && may(user, 'household.read') ? <HouseholdFileCard canImport={may(user, 'household.write')} /> : null}
    </Page>
  );
}
