/** What the hub currently believes about one device (DESIGN.md: last seen, battery, link quality, state). Times are Unix ms; null = never reported. */
export interface DeviceState {
  /** The compact device number readings use. */
  num: number;
  lastSeenAt: number | null;
  battery: number | null;
  batteryAt: number | null;
  linkQuality: number | null;
  voltageMv: number | null;
  online: boolean | null;
  onlineAt: number | null;
  doorOpen: boolean | null;
  /** When the door last changed (opened or closed). */
  doorAt: number | null;
  /** When the door last reported, changed or not (orders late reports). */
  doorReportedAt: number | null;
  lat: number | null;
  lon: number | null;
  accuracyM: number | null;
  positionAt: number | null;
  pillboxOpen: boolean | null;
  pillboxCompartment: number | null;
  pillboxAt: number | null;
}
