import type { Db } from './database.js';
import type { DeviceState } from '../core/device-state.js';

export type { DeviceState };

export function emptyDeviceState(num: number): DeviceState {
  return {
    num,
    lastSeenAt: null,
    battery: null,
    batteryAt: null,
    linkQuality: null,
    voltageMv: null,
    online: null,
    onlineAt: null,
    doorOpen: null,
    doorAt: null,
    doorReportedAt: null,
    lat: null,
    lon: null,
    accuracyM: null,
    positionAt: null,
    pillboxOpen: null,
    pillboxCompartment: null,
    pillboxAt: null,
  };
}

interface Row {
  device: number;
  last_seen_at: number | null;
  battery: number | null;
  battery_at: number | null;
  link_quality: number | null;
  voltage_mv: number | null;
  online: number | null;
  online_at: number | null;
  door_open: number | null;
  door_at: number | null;
  door_reported_at: number | null;
  lat_e6: number | null;
  lon_e6: number | null;
  accuracy_m: number | null;
  position_at: number | null;
  pillbox_open: number | null;
  pillbox_compartment: number | null;
  pillbox_at: number | null;
}

const bool = (v: number | null) => (v === null ? null : v === 1);
const int = (v: boolean | null) => (v === null ? null : v ? 1 : 0);
const e6 = (v: number | null) => (v === null ? null : Math.round(v * 1e6));

/** Current device state, one row per device, written once per device per group commit. */
export function createDeviceStateRepo(db: Db) {
  const selectAll = db.prepare<[], Row>('SELECT * FROM device_state');
  const upsert = db.prepare<Row>(
    `INSERT INTO device_state VALUES (@device, @last_seen_at, @battery, @battery_at, @link_quality, @voltage_mv,
       @online, @online_at, @door_open, @door_at, @lat_e6, @lon_e6, @accuracy_m, @position_at,
       @pillbox_open, @pillbox_compartment, @pillbox_at, @door_reported_at)
     ON CONFLICT (device) DO UPDATE SET last_seen_at = excluded.last_seen_at, battery = excluded.battery,
       battery_at = excluded.battery_at, link_quality = excluded.link_quality, voltage_mv = excluded.voltage_mv,
       online = excluded.online, online_at = excluded.online_at, door_open = excluded.door_open,
       door_at = excluded.door_at, lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6,
       accuracy_m = excluded.accuracy_m, position_at = excluded.position_at, pillbox_open = excluded.pillbox_open,
       pillbox_compartment = excluded.pillbox_compartment, pillbox_at = excluded.pillbox_at,
       door_reported_at = excluded.door_reported_at`,
  );

  return {
    loadAll(): Map<number, DeviceState> {
      const states = new Map<number, DeviceState>();
      for (const r of selectAll.all()) {
        states.set(r.device, {
          num: r.device,
          lastSeenAt: r.last_seen_at,
          battery: r.battery,
          batteryAt: r.battery_at,
          linkQuality: r.link_quality,
          voltageMv: r.voltage_mv,
          online: bool(r.online),
          onlineAt: r.online_at,
          doorOpen: bool(r.door_open),
          doorAt: r.door_at,
          doorReportedAt: r.door_reported_at,
          lat: r.lat_e6 === null ? null : r.lat_e6 / 1e6,
          lon: r.lon_e6 === null ? null : r.lon_e6 / 1e6,
          accuracyM: r.accuracy_m,
          positionAt: r.position_at,
          pillboxOpen: bool(r.pillbox_open),
          pillboxCompartment: r.pillbox_compartment,
          pillboxAt: r.pillbox_at,
        });
      }
      return states;
    },
    save(s: DeviceState): void {
      upsert.run({
        device: s.num,
        last_seen_at: s.lastSeenAt,
        battery: s.battery,
        battery_at: s.batteryAt,
        link_quality: s.linkQuality,
        voltage_mv: s.voltageMv,
        online: int(s.online),
        online_at: s.onlineAt,
        door_open: int(s.doorOpen),
        door_at: s.doorAt,
        door_reported_at: s.doorReportedAt,
        lat_e6: e6(s.lat),
        lon_e6: e6(s.lon),
        accuracy_m: s.accuracyM === null ? null : Math.round(s.accuracyM),
        position_at: s.positionAt,
        pillbox_open: int(s.pillboxOpen),
        pillbox_compartment: s.pillboxCompartment,
        pillbox_at: s.pillboxAt,
      });
    },
  };
}

export type DeviceStateRepo = ReturnType<typeof createDeviceStateRepo>;
