import { useEffect, useRef, useState } from 'preact/hooks';
import { onLive } from '../../app/live';
import { clockTime } from '../../ui/format';
import { Card, Empty, Pill } from '../../ui/page';
import type { Device } from './devices-card';

/** What a 'device' live event carries (src/household/device-status.ts): health and door state, never a coordinate. */
interface DeviceEvent {
  id: string;
  name: string;
  kind: string;
  online: boolean;
  lastSeen: string | null;
  battery: number | null;
  state: string;
}

interface Seen {
  at: number;
  id: string;
  name: string;
  what: string;
}

const EVENTS_SHOWN = 30;

function isDeviceEvent(data: unknown): data is DeviceEvent {
  return typeof data === 'object' && data !== null && typeof (data as DeviceEvent).id === 'string' && typeof (data as DeviceEvent).state === 'string';
}

function progressKey(device: { kind: string; state: string; lastSeen: string | null }): string {
  return device.kind === 'tracker' ? `heard ${device.lastSeen ?? ''}` : device.state;
}

function eventWord(event: DeviceEvent): string | null {
  if (event.kind === 'door') return event.state === 'open' ? 'opened' : event.state === 'closed' ? 'closed' : null;
  if (event.kind === 'pillbox') return event.state === 'open' ? 'lid opened' : event.state === 'closed' ? 'lid closed' : null;
  if (event.kind === 'tracker') return event.state === 'reporting' ? 'report received' : null;
  return null;
}

/**
 * Walk-test (issue 8, screen 8): the installer tours the home opening and closing each door and
 * carrying each tracker; each event appears as the hub receives it, and a door gets its tick once
 * seen both open and closed. Built on the 'device' live events, which installers receive (they have
 * no readings.read) and which carry no location: a tracker shows only that a report arrived.
 */
export function WalkTestCard(props: { devices: Device[] }) {
  const [since, setSince] = useState<number | null>(null);
  const [seen, setSeen] = useState<Seen[]>([]);
  const [doors, setDoors] = useState<Record<string, { open: boolean; closed: boolean }>>({});
  const [reports, setReports] = useState<Record<string, number>>({});
  const baseline = useRef(new Map<string, string>());

  useEffect(() => {
    if (since === null) return undefined;
    const last = baseline.current;
    return onLive((kind, data) => {
      if (kind !== 'device' || !isDeviceEvent(data)) return;
      const what = eventWord(data);
      // A door counts when its state changes, a tracker when it is heard again; a battery report or
      // going offline is health, not a walk-test event.
      const key = progressKey(data);
      if (what === null || last.get(data.id) === key) return;
      last.set(data.id, key);
      setSeen((list) => [{ at: Date.now(), id: data.id, name: data.name, what }, ...list].slice(0, EVENTS_SHOWN));
      if (data.kind === 'door' || data.kind === 'pillbox') {
        setDoors((d) => {
          const was = d[data.id] ?? { open: false, closed: false };
          return { ...d, [data.id]: { open: was.open || data.state === 'open', closed: was.closed || data.state === 'closed' } };
        });
      }
      if (data.kind === 'tracker') setReports((r) => ({ ...r, [data.id]: (r[data.id] ?? 0) + 1 }));
    });
  }, [since]);

  const start = () => {
    baseline.current = new Map(props.devices.map((d) => [d.id, progressKey(d)]));
    setSeen([]);
    setDoors({});
    setReports({});
    setSince(Date.now());
  };
  const checked = props.devices.filter((d) => d.kind === 'door' || d.kind === 'tracker' || d.kind === 'pillbox');
  const done = checked.filter((d) => (d.kind === 'tracker' ? (reports[d.id] ?? 0) > 0 : doors[d.id]?.open && doors[d.id]?.closed)).length;

  return (
    <Card
      id="walk-test"
      title="Walk-test"
      actions={
        since === null ? (
          <button type="button" class="button button-primary" onClick={start}>
            Start walk-test
          </button>
        ) : (
          <button type="button" class="button" onClick={() => setSince(null)}>
            Stop walk-test
          </button>
        )
      }
    >
      {since === null ? (
        <p class="muted">Walk round the home: open and close each door and the pill box, and carry each tracker outside for a fix. Each event shows here as it arrives.</p>
      ) : (
        <>
          <p role="status" class="headline walk-progress">
            {done} of {checked.length} checked
          </p>
          <p class="muted small">Started at {clockTime(since)}. Open and close each door; a door is ticked once seen open and closed.</p>
          <ul class="list walk-checklist">
            {checked.map((device) => {
              const door = doors[device.id];
              const ok = device.kind === 'tracker' ? (reports[device.id] ?? 0) > 0 : Boolean(door?.open && door.closed);
              const still = device.kind === 'tracker' ? 'waiting for a report' : door?.open ? 'seen open; now close it' : door?.closed ? 'seen closed; now open it' : 'waiting: open and close it';
              return (
                <li key={device.id} data-walk={device.id}>
                  <span>{device.name}</span>
                  {ok ? (
                    <Pill tone="ok">
                      <span aria-hidden="true">✓</span> {device.kind === 'tracker' ? `${reports[device.id]} report${reports[device.id] === 1 ? '' : 's'}` : 'seen open and closed'}
                    </Pill>
                  ) : (
                    <Pill tone="muted">{still}</Pill>
                  )}
                </li>
              );
            })}
          </ul>
          <h3 class="walk-events-title">As they arrive</h3>
          <div aria-live="polite" aria-relevant="additions">
            {seen.length === 0 ? (
              <Empty>Nothing yet. Open a door.</Empty>
            ) : (
              <ol class="timeline walk-events">
                {seen.map((event) => (
                  <li key={`${event.id}-${event.at}-${event.what}`}>
                    <time>{clockTime(event.at)}</time>
                    {event.name} {event.what}
                  </li>
                ))}
              </ol>
            )}
          </div>
        </>
      )}
    </Card>
  );
}
