import { useResource } from '../../app/resource';
import { ago, dateTime } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Card, Pill } from '../../ui/page';

/** Open sensor faults (sensor-silent, low-battery): what the installer came to fix, each linked to its alert. */
export function FaultsCard() {
  const faults = useResource('/api/faults', { query: { status: 'open' }, on: ['alert', 'device'] });
  const open = faults.data?.alerts.length ?? 0;
  return (
    <Card id="faults" title="Sensor problems" tone={open > 0 ? 'warn' : undefined}>
      <Loaded resource={faults} label="sensor problems">
        {(data) =>
          data.alerts.length === 0 ? (
            <p>No sensor problems: every sensor is reporting and has battery.</p>
          ) : (
            <ul class="list">
              {data.alerts.map((fault) => (
                <li key={fault.id} data-fault={fault.id}>
                  <div class="stack device-main">
                    <a href={`/alerts/${encodeURIComponent(fault.id)}`}>{fault.title}</a>
                    <span class="muted small">
                      Since {dateTime(fault.raisedAt)} ({ago(fault.raisedAt)}){fault.deviceId ? ` · ${fault.deviceId}` : ''}
                    </span>
                  </div>
                  <Pill tone="warn">{fault.type === 'low-battery' ? 'Low battery' : fault.type === 'sensor-silent' ? 'Silent' : fault.type === 'hub-storage-low' ? 'Storage' : fault.type}</Pill>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}
