import type { FunctionComponent } from 'preact';
import type { Permission } from '../../../src/http/permissions.js';
import { ActivityScreen } from '../screens/activity';
import { CareLogScreen } from '../screens/care-log';
import { CircleScreen } from '../screens/circle';
import { DigestScreen } from '../screens/digest';
import { HomeScreen } from '../screens/home';
import { AlertScreen, IncidentScreen } from '../screens/incident';
import { InstallerScreen } from '../screens/installer';
import { MapScreen } from '../screens/map';
import { MedicationReportScreen, MedicationScreen } from '../screens/medication';
import { ProfileScreen } from '../screens/profile';

/**
 * Every signed-in screen: its path, what it needs (the hub's permission table), and whether it is in
 * the navigation. A role never sees a screen whose reads it may not make; the hub refuses them anyway.
 */
export interface ScreenProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface ScreenEntry {
  path: string;
  title: string;
  needs: Permission;
  screen: FunctionComponent<ScreenProps>;
  /** Shown in the navigation, in this order. */
  nav?: boolean;
}

export const SCREENS: readonly ScreenEntry[] = [
  { path: '/', title: 'Home', needs: 'alerts.read', screen: HomeScreen, nav: true },
  { path: '/map', title: 'Map', needs: 'positions.read', screen: MapScreen, nav: true },
  { path: '/medication', title: 'Medication', needs: 'medication.read', screen: MedicationScreen, nav: true },
  { path: '/care-log', title: 'Care log', needs: 'care-log.read', screen: CareLogScreen, nav: true },
  { path: '/activity', title: 'Activity', needs: 'readings.read', screen: ActivityScreen, nav: true },
  { path: '/profile', title: 'About her', needs: 'household.read', screen: ProfileScreen, nav: true },
  { path: '/circle', title: 'Circle', needs: 'me.preferences', screen: CircleScreen, nav: true },
  { path: '/installer', title: 'Devices', needs: 'devices.read', screen: InstallerScreen, nav: true },
  { path: '/incidents/:id', title: 'Incident', needs: 'alerts.read', screen: IncidentScreen },
  { path: '/alerts/:id', title: 'Alert', needs: 'faults.read', screen: AlertScreen },
  { path: '/medication/report', title: 'Medication report', needs: 'medication.read', screen: MedicationReportScreen },
  { path: '/digest', title: 'Digest', needs: 'alerts.read', screen: DigestScreen },
];
