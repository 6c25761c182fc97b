import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import type { Resource } from '../../app/resource';
import { ActionButton } from '../../ui/action';
import { ago, dateTime } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Card, Empty, Pill, type Tone } from '../../ui/page';
import { CredentialsButton } from './credentials';
import { DeviceForm, draftOf, emptyDraft, type DeviceDraft } from './device-form';
import { kindWord, signalWord, sourceWord, type DeviceBody } from './words';

export type Device = Reply<'/api/devices'>['devices'][number];
type Bridge = Reply<'/api/bridges'>['bridges'][number];

/**
 * Every device with its health (issue 8, screen 8): kind, source, battery, signal, last seen, online
 * and problems, live. Installers and owners also add, change and remove devices and see credentials.
 */
export function DevicesCard(props: {
  devices: Resource<Reply<'/api/devices'>>;
  bridges: Bridge[];
  manage: boolean;
  draft: DeviceDraft | null;
  onDraft: (draft: DeviceDraft | null) => void;
}) {
  const [said, setSaid] = useState<string | null>(null);
  const count = props.devices.data?.devices.length;
  return (
    <Card
      id="devices"
      title={count === undefined ? 'Devices' : `Devices (${count})`}
      actions={
        props.manage && props.draft === null ? (
          <button type="button" class="button button-primary" onClick={() => (setSaid(null), props.onDraft(emptyDraft()))}>
            Add a device
          </button>
        ) : null
      }
    >
      {said ? (
        <p class="action-done" role="status">
          {said}
        </p>
      ) : null}
      {props.manage && props.draft ? (
        <DeviceForm
          draft={props.draft}
          bridges={props.bridges}
          onCancel={() => props.onDraft(null)}
          onDone={(id) => {
            setSaid(props.draft?.editing ? `Saved ${id}.` : `Added ${id}. Show its credentials to set it up.`);
            props.onDraft(null);
            void props.devices.reload();
          }}
        />
      ) : null}
      <Loaded resource={props.devices} label="the devices">
        {(data) =>
          data.devices.length === 0 ? (
            <Empty>{props.manage ? 'No devices yet. Add one, or look below at what the hub has already heard.' : 'No devices yet. The installer adds them.'}</Empty>
          ) : (
            <ul class="list device-list">
              {data.devices.map((device) => (
                <DeviceLine key={device.id} device={device} manage={props.manage} onEdit={() => (setSaid(null), props.onDraft(draftOf(entryOf(device), true)))} onRemoved={() => (setSaid(`Removed ${device.name}. Its history stays.`), void props.devices.reload())} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

/** The household entry behind a device report (the form edits entries, not health). */
function entryOf(device: Device): Partial<DeviceBody> & { id: string } {
  return {
    id: device.id,
    name: device.name,
    kind: device.kind as DeviceBody['kind'],
    source: device.source as DeviceBody['source'],
    ...(device.bridge !== null ? { bridge: device.bridge } : {}),
    ...(device.topic !== null ? { topic: device.topic } : {}),
    exit: device.exit,
    ...(device.heartbeat !== null ? { heartbeat: device.heartbeat } : {}),
    ...(device.compartments !== null ? { compartments: device.compartments } : {}),
  };
}

function stateWord(device: Device): [string, Tone] | null {
  if (device.kind === 'tracker') return device.state === 'reporting' ? ['Reporting', 'ok'] : null;
  if (device.state === 'open') return [device.kind === 'pillbox' ? 'Lid open' : 'Open', 'warn'];
  if (device.state === 'closed') return [device.kind === 'pillbox' ? 'Lid closed' : 'Closed', 'ok'];
  return null;
}

function DeviceLine(props: { device: Device; manage: boolean; onEdit: () => void; onRemoved: () => void }) {
  const { device } = props;
  const [confirming, setConfirming] = useState(false);
  const state = stateWord(device);
  const facts = [
    kindWord(device.kind),
    sourceWord(device.source),
    device.bridge ? `through ${device.bridge}` : null,
    device.exit ? 'exit door' : null,
    device.battery === null ? 'no battery reading' : `battery ${device.battery} %`,
    signalWord(device.signal),
  ].filter(Boolean);
  return (
    <li data-device={device.id}>
      <div class="stack device-main">
        <h3 class="device-name">
          {device.name} <span class="muted small">({device.id})</span>
        </h3>
        <p class="muted small">{facts.join(' · ')}</p>
        <p class="small">
          {device.lastSeen ? (
            <>
              Last heard <time dateTime={device.lastSeen}>{ago(device.lastSeen)}</time> <span class="muted">({dateTime(device.lastSeen)})</span>
            </>
          ) : (
            'Never heard from yet'
          )}
        </p>
        <div class="row">
          <Pill tone={device.online ? 'ok' : 'alert'}>{device.online ? 'Online' : 'Offline'}</Pill>
          {state ? <Pill tone={state[1]}>{state[0]}</Pill> : null}
          {device.problems.map((problem) => (
            <Pill key={problem.code} tone="warn">
              {problem.detail}
            </Pill>
          ))}
        </div>
        {props.manage ? (
          <div class="row">
            {device.bridge ? (
              <p class="muted small">It uses the credentials of its bridge, {device.bridge}.</p>
            ) : (
              <CredentialsButton subject="device" id={device.id} name={device.name} source={device.source} topic={device.topic} kind={device.kind} />
            )}
          </div>
        ) : null}
        {props.manage ? (
          <div class="row">
            <button type="button" class="button" aria-label={`Change ${device.name}`} onClick={props.onEdit}>
              Change
            </button>
            {confirming ? (
              <>
                <p class="small" role="status">
                  Remove {device.name}? Its readings stay in the history and its open alerts resolve.
                </p>
                <ActionButton kind="danger" label={`Yes, remove ${device.name}`} onAction={async () => (await api.delete('/api/devices/{id}', { params: { id: device.id } }), props.onRemoved())}>
                  Yes, remove it
                </ActionButton>
                <button type="button" class="button button-plain" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" class="button button-danger" aria-label={`Remove ${device.name}`} onClick={() => setConfirming(true)}>
                Remove
              </button>
            )}
          </div>
        ) : null}
      </div>
    </li>
  );
}
