import { useEffect, useState } from 'preact/hooks';
import { useResource } from '../../app/resource';
import { defaultDeviceLabel, disablePush, enablePush, pushSupport, removeDevice, thisDeviceId } from '../../app/push';
import { ActionButton } from '../../ui/action';
import { Field } from '../../ui/field';
import { ago, dateTime } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Empty, Pill } from '../../ui/page';
import { FormProblem, useSubmission } from '../../ui/submission';

/**
 * "Enable notifications on this device" and the list of my devices that get them (issue 8, screen 7).
 * Each device is subscribed from itself; any of them can be removed from anywhere.
 */
export function MyDevices() {
  const devices = useResource('/api/push/subscriptions', { remember: false });
  const [mine, setMine] = useState<number | undefined>(undefined);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    void thisDeviceId().then((id) => (setMine(id), setChecked(true)));
  }, [devices.data]);
  // The hub may have dropped this device (its push service said it is gone): then it is not "on".
  const on = mine !== undefined && devices.data?.subscriptions.some((s) => s.id === mine) === true;
  return (
    <>
      <h3 class="circle-part">This device</h3>
      {checked ? <ThisDevice on={on} onChanged={() => devices.reload()} /> : <p class="loading">Checking this device…</p>}
      <h3 class="circle-part">My devices</h3>
      <Loaded resource={devices} label="your devices">
        {(data) =>
          data.subscriptions.length === 0 ? (
            <Empty>No device gets notifications for you yet. Turn them on from each phone or computer you use.</Empty>
          ) : (
            <ul class="list">
              {data.subscriptions.map((device) => {
                const name = device.label ?? device.service;
                return (
                  <li key={device.id} data-device={device.id}>
                    <div class="circle-member">
                      <strong>
                        {name}
                        {device.id === mine ? ' (this device)' : ''}
                      </strong>
                      <span class="muted small">
                        Since {dateTime(device.createdAt)} · via {device.service}
                        {device.lastSuccessAt ? ` · last reached ${ago(device.lastSuccessAt)}` : ' · not reached yet'}
                      </span>
                    </div>
                    <span class="row">
                      {device.failures > 0 ? <Pill tone="warn">{device.failures} failed {device.failures === 1 ? 'delivery' : 'deliveries'}</Pill> : null}
                      <ActionButton
                        onAction={async () => {
                          await removeDevice(device.id);
                          await devices.reload();
                        }}
                      >
                        Remove<span class="visually-hidden"> {name}</span>
                      </ActionButton>
                    </span>
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function ThisDevice(props: { on: boolean; onChanged: () => Promise<void> }) {
  const support = pushSupport();
  const [label, setLabel] = useState(defaultDeviceLabel);
  const submission = useSubmission();
  const { busy } = submission;
  const [notice, setNotice] = useState<string | null>(null);
  if (!support.supported) return <p class="stale">{support.reason}</p>;
  const run = async (action: () => Promise<string | null>) => {
    setNotice(null);
    await submission.run(async () => {
      setNotice(await action());
      await props.onChanged();
    });
  };
  return (
    <div class="stack">
      {props.on ? (
        <>
          <p>
            <Pill tone="ok">On</Pill> This device gets your notifications.
          </p>
          <div>
            <button type="button" class="button" disabled={busy} aria-busy={busy} onClick={() => void run(async () => (await disablePush(), 'Notifications are off on this device.'))}>
              Turn off notifications on this device
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            <Pill tone="muted">Off</Pill> This device does not get notifications yet.
          </p>
          <Field id="device-label" label="Name for this device" hint="So you can tell your devices apart, e.g. “Anna’s phone”.">
            <input id="device-label" maxLength={100} value={label} onInput={(e) => setLabel(e.currentTarget.value)} aria-describedby="device-label-hint" />
          </Field>
          <div>
            <button
              type="button"
              class="button button-primary"
              disabled={busy}
              aria-busy={busy}
              onClick={() =>
                void run(async () => {
                  const enabled = await enablePush(label);
                  return enabled.hubNotSending ? `This device is subscribed, but the hub cannot send yet: ${enabled.hubNotSending}` : 'Notifications are on for this device.';
                })
              }
            >
              Enable notifications on this device
            </button>
          </div>
        </>
      )}
      <FormProblem problem={submission.problem} />
      {notice ? (
        <p class="action-done" role="status">
          {notice}
        </p>
      ) : null}
    </div>
  );
}
