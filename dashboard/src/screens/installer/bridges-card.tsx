import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import type { Resource } from '../../app/resource';
import { ActionButton } from '../../ui/action';
import { ago } from '../../ui/format';
import { describedBy, Field } from '../../ui/field';
import { Loaded } from '../../ui/loaded';
import { Card, Empty, Pill } from '../../ui/page';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';
import { CredentialsButton } from './credentials';
import { BRIDGE_SOURCES, sourceWord, type Source } from './words';

type Bridge = Reply<'/api/bridges'>['bridges'][number];

/** Gateways (Zigbee2MQTT, a Tasmota Zigbee bridge, a Shelly BLU gateway) that reach several sensors on one credential. */
export function BridgesCard(props: { bridges: Resource<Reply<'/api/bridges'>>; manage: boolean }) {
  const [adding, setAdding] = useState(false);
  return (
    <Card
      id="bridges"
      title="Bridges"
      actions={
        props.manage && !adding ? (
          <button type="button" class="button" onClick={() => setAdding(true)}>
            Add a bridge
          </button>
        ) : null
      }
    >
      {adding ? (
        <BridgeForm
          onCancel={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            void props.bridges.reload();
          }}
        />
      ) : null}
      <Loaded resource={props.bridges} label="the bridges">
        {(data) =>
          data.bridges.length === 0 ? (
            <Empty>No bridges. Sensors that connect to the hub themselves need none.</Empty>
          ) : (
            <ul class="list">
              {data.bridges.map((bridge) => (
                <BridgeLine key={bridge.id} bridge={bridge} manage={props.manage} onRemoved={() => void props.bridges.reload()} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

function BridgeLine(props: { bridge: Bridge; manage: boolean; onRemoved: () => void }) {
  const { bridge } = props;
  return (
    <li data-bridge={bridge.id}>
      <div class="stack device-main">
        <h3 class="device-name">{bridge.id}</h3>
        <p class="muted small">
          {sourceWord(bridge.source)} · base topic <code class="wrap">{bridge.baseTopic}</code> · {bridge.devices} device{bridge.devices === 1 ? '' : 's'}
        </p>
        <div class="row">
          <Pill tone={bridge.online === true ? 'ok' : bridge.online === false ? 'alert' : bridge.lastSeen ? 'info' : 'muted'}>
            {bridge.online === true ? 'Online' : bridge.online === false ? 'Offline' : bridge.lastSeen ? 'Heard' : 'Not heard yet'}
          </Pill>
          {bridge.lastSeen ? <span class="muted small">last heard {ago(bridge.lastSeen)}</span> : null}
        </div>
        {props.manage ? (
          <div class="row">
            <CredentialsButton subject="bridge" id={bridge.id} name={bridge.id} source={bridge.source} baseTopic={bridge.baseTopic} />
            {bridge.devices === 0 ? (
              <ActionButton kind="danger" label={`Remove bridge ${bridge.id}`} onAction={async () => (await api.delete('/api/bridges/{id}', { params: { id: bridge.id } }), props.onRemoved())}>
                Remove
              </ActionButton>
            ) : null}
          </div>
        ) : null}
      </div>
    </li>
  );
}

function BridgeForm(props: { onDone: () => void; onCancel: () => void }) {
  const [id, setId] = useState('');
  const [source, setSource] = useState<Source>('zigbee2mqtt');
  const [baseTopic, setBaseTopic] = useState('zigbee2mqtt');
  const submission = useSubmission();
  const submit = async (event: Event) => {
    event.preventDefault();
    await submission.run(async () => {
      await api.post('/api/bridges', { body: { id: id.trim(), source, baseTopic: baseTopic.trim() } });
      props.onDone();
    });
  };
  const err = submission.fieldProblem;
  return (
    <form class="device-form card" onSubmit={(e) => void submit(e)} aria-labelledby="bridge-form-title">
      <h3 id="bridge-form-title">Add a bridge</h3>
      <Field id="bridge-id" label="Bridge id" hint="Lower-case letters, digits, - and _; it becomes the bridge’s MQTT username." error={err('id')}>
        <input id="bridge-id" required value={id} autocomplete="off" spellcheck={false} onInput={(e) => setId(e.currentTarget.value)} aria-describedby={describedBy('bridge-id', { hint: true, error: err('id') })} />
      </Field>
      <Field id="bridge-source" label="Source" error={err('source')}>
        <select id="bridge-source" value={source} onChange={(e) => setSource(e.currentTarget.value as Source)}>
          {BRIDGE_SOURCES.map((value) => (
            <option key={value} value={value}>
              {sourceWord(value)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="bridge-base" label="Base topic" hint="Zigbee2MQTT’s base_topic, the Tasmota’s Topic, or the gateway’s topic prefix." error={err('baseTopic')}>
        <input id="bridge-base" required value={baseTopic} autocomplete="off" spellcheck={false} onInput={(e) => setBaseTopic(e.currentTarget.value)} aria-describedby={describedBy('bridge-base', { hint: true, error: err('baseTopic') })} />
      </Field>
      <FormProblem problem={submission.problem} />
      <div class="row">
        <SubmitButton busy={submission.busy}>Add the bridge</SubmitButton>
        <button type="button" class="button button-plain" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
