import type { Reply } from '../../api/types';
import { ago, clockTime, distance } from '../../ui/format';
import { Empty, Pill } from '../../ui/page';

type Tracker = Reply<'/api/positions/latest'>['trackers'][number];

/** Each tracker's last fix, in words: where, how exact, and how long ago. */
export function Whereabouts(props: { trackers: readonly Tracker[]; name: string }) {
  if (props.trackers.length === 0) return <Empty>No tracker has reported a position yet. The devices page shows whether the tracker is set up.</Empty>;
  return (
    <ul class="list">
      {props.trackers.map((tracker) => (
        <li key={tracker.deviceId} data-tracker={tracker.deviceId}>
          <div class="stack">
            <span class="headline">
              {tracker.zone ? `${props.name} is ${tracker.zone.name === 'Home' ? 'at home' : `at ${tracker.zone.name}`}` : `${props.name} is out`}
            </span>
            <span class="muted small">
              {tracker.zone === null && tracker.nearestZone ? `${distance(tracker.nearestZone.beyondM)} beyond ${tracker.nearestZone.name}. ` : ''}
              {tracker.fromHomeM !== null ? `${distance(tracker.fromHomeM)} from home. ` : ''}
              Last fix {clockTime(tracker.at)} ({ago(tracker.at)}) from {tracker.name}
              {tracker.accuracyM !== null ? `, within ${distance(tracker.accuracyM)}` : ''}.
            </span>
          </div>
          <Pill tone={tracker.zone ? 'ok' : 'warn'}>{tracker.zone ? 'In a safe zone' : 'Out'}</Pill>
        </li>
      ))}
    </ul>
  );
}
