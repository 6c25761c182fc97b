import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import { FormProblem, useSubmission } from '../../ui/submission';

type Credential = Reply<'/api/devices/{id}/credentials'>;

/**
 * "Show credentials" for a device or a bridge. Each look is audited by the hub, so the secret is
 * fetched only when asked, never remembered on this device, and hidden again with one press.
 */
export function CredentialsButton(props: { subject: 'device' | 'bridge'; id: string; name: string; source: string; topic?: string | null; baseTopic?: string; kind?: string }) {
  const [shown, setShown] = useState<Credential | null>(null);
  const { busy, problem, run } = useSubmission();
  const panelId = `credentials-${props.subject}-${props.id}`;
  const reveal = () =>
    run(async () => {
      setShown(props.subject === 'device' ? await api.get('/api/devices/{id}/credentials', { params: { id: props.id } }) : await api.get('/api/bridges/{id}/credentials', { params: { id: props.id } }));
    });
  return (
    <div class="credentials">
      <span class="action">
        <button
          type="button"
          class="button"
          aria-expanded={shown !== null}
          aria-controls={panelId}
          aria-label={`${shown ? 'Hide' : 'Show'} credentials for ${props.name}`}
          disabled={busy}
          aria-busy={busy}
          onClick={() => (shown ? setShown(null) : void reveal())}
        >
          {shown ? 'Hide credentials' : 'Show credentials'}
        </button>
        <FormProblem problem={problem} inline />
      </span>
      {shown ? (
        <div class="credentials-panel" id={panelId}>
          {shown.osmandId !== undefined ? (
            <Secret label="Device identifier" value={shown.osmandId} />
          ) : (
            <>
              <Secret label="Username" value={shown.username} />
              <Secret label="Password" value={shown.password} />
            </>
          )}
          <SetupHint {...props} credential={shown} />
          <p class="muted small">Anyone with these can send readings as {props.name}. Hide them when you are done.</p>
        </div>
      ) : null}
    </div>
  );
}

function Secret(props: { label: string; value: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const id = `secret-${props.label.toLowerCase().replace(/\W+/g, '-')}-${props.value.slice(0, 6)}`;
  const copy = async (input: HTMLInputElement | null) => {
    try {
      await navigator.clipboard.writeText(props.value);
      setSaid(`${props.label} copied.`);
    } catch {
      // Over plain http on the home network the clipboard API is missing: select it for a manual copy.
      input?.select();
      setSaid(`Copying is not allowed here: the ${props.label.toLowerCase()} is selected, copy it by hand.`);
    }
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <div class="secret">
        <input id={id} class="secret-value" readOnly value={props.value} spellcheck={false} autocomplete="off" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="button" aria-label={`Copy ${props.label.toLowerCase()}`} onClick={(e) => void copy(e.currentTarget.parentElement?.querySelector('input') ?? null)}>
          Copy
        </button>
      </div>
      <p class="hint" role="status">
        {said}
      </p>
    </div>
  );
}

/** What the installer types where, per source: the short form of devices/<source>/README.md. */
function SetupHint(props: { subject: 'device' | 'bridge'; id: string; source: string; topic?: string | null; baseTopic?: string; kind?: string; credential: Credential }) {
  const host = window.location.hostname;
  const origin = window.location.origin;
  const mqtt = `${host}:1883`;
  const steps: Record<string, ComponentChildren> = {
    native: (
      <>
        <li>
          MQTT host <code>{host}</code>, port <code>1883</code>, the username and password above, QoS 1, retain off.
        </li>
        <li>
          Publish to <code>homeward/devices/{props.id}/{props.kind ?? '<kind>'}</code>, e.g. <code>{'{"open":true,"battery":87}'}</code>.
        </li>
      </>
    ),
    zigbee2mqtt: (
      <>
        <li>
          In Zigbee2MQTT’s <code>configuration.yaml</code>, under <code>mqtt:</code> set <code>server: 'mqtt://{mqtt}'</code>, <code>user</code> and <code>password</code> as above
          {props.baseTopic ? (
            <>
              , and <code>base_topic: {props.baseTopic}</code>
            </>
          ) : null}
          .
        </li>
        <li>
          Set <code>homeassistant: false</code>. Give each sensor a friendly name; its device’s topic is <code>{props.baseTopic ?? '<base_topic>'}/&lt;friendly name&gt;</code>.
        </li>
      </>
    ),
    owntracks: (
      <>
        <li>
          In the app, Preferences → Connection: Mode MQTT, Host <code>{host}</code>, Port <code>1883</code>, the username and password above.
        </li>
        <li>
          Device ID: the last part of the device’s topic{props.topic ? <> (<code>{props.topic.split('/').pop()}</code>)</> : null}. Away from home use Mode HTTP with URL <code>{origin}/ingest/owntracks</code> over https.
        </li>
      </>
    ),
    traccar: (
      <>
        <li>
          In Traccar Client: Server URL <code>{origin}/ingest/osmand</code> (use https), Device identifier as above.
        </li>
        <li>Location accuracy high; heartbeat on, shorter than the device’s heartbeat; offline buffering on.</li>
      </>
    ),
    tasmota: (
      <li>
        In the Tasmota console: <code>Backlog MqttHost {host}; MqttPort 1883; MqttUser {props.credential.username}; MqttPassword &lt;the password&gt;; Topic {props.baseTopic ?? props.topic ?? '<topic>'}; FullTopic %prefix%/%topic%/</code>
      </li>
    ),
    shelly: (
      <>
        <li>
          Gen1: web UI → Internet &amp; Security → Advanced – Developer Settings → enable MQTT, server <code>{mqtt}</code>, the username and password above.
        </li>
        <li>
          Gen2 and later: Settings → MQTT → enable, server <code>{mqtt}</code>, the username and password above; keep “RPC status notifications over MQTT” on.
        </li>
      </>
    ),
  };
  const hint = steps[props.source];
  if (hint === undefined) return null;
  return (
    <div class="setup-hint">
      <h4>Setting it up</h4>
      <ol>{hint}</ol>
    </div>
  );
}
