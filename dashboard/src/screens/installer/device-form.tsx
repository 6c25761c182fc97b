import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { describedBy, Field } from '../../ui/field';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';
import { BRIDGE_SOURCES, KINDS, SOURCES, type DeviceBody, type Kind, type Source } from './words';

/** A device's household entry as the form edits it: every field as text, so half-typed is fine. */
export interface DeviceDraft {
  /** Set when changing an existing device (its id cannot change: it names its history). */
  editing?: string;
  id: string;
  name: string;
  kind: Kind;
  source: Source;
  bridge: string;
  topic: string;
  exit: boolean;
  heartbeat: string;
  compartments: string;
}

export function emptyDraft(): DeviceDraft {
  return { id: '', name: '', kind: 'door', source: 'native', bridge: '', topic: '', exit: false, heartbeat: '', compartments: '' };
}

export function draftOf(entry: Partial<DeviceBody> & { id?: string }, editing = false): DeviceDraft {
  return {
    ...(editing && entry.id ? { editing: entry.id } : {}),
    id: entry.id ?? '',
    name: entry.name ?? '',
    kind: entry.kind ?? 'door',
    source: entry.source ?? 'native',
    bridge: entry.bridge ?? '',
    topic: entry.topic ?? '',
    exit: entry.exit === true,
    heartbeat: entry.heartbeat ?? '',
    compartments: entry.compartments === undefined || entry.compartments === null ? '' : String(entry.compartments),
  };
}

function bodyOf(draft: DeviceDraft): DeviceBody {
  const body: DeviceBody = { id: draft.id.trim(), name: draft.name.trim(), kind: draft.kind, source: draft.source };
  if (draft.bridge !== '') body.bridge = draft.bridge;
  if (draft.topic.trim() !== '') body.topic = draft.topic.trim();
  if (draft.kind === 'door' && draft.exit) body.exit = true;
  if (draft.heartbeat.trim() !== '') body.heartbeat = draft.heartbeat.trim();
  if (draft.kind === 'pillbox' && draft.compartments.trim() !== '') body.compartments = Number(draft.compartments);
  return body;
}

const TOPIC_HINTS: Record<Source, string> = {
  native: 'Leave empty: a native device publishes to homeward/devices/<id>/…',
  zigbee2mqtt: '<base topic>/<friendly name>, exactly as Zigbee2MQTT publishes it, e.g. zigbee2mqtt/Front Door.',
  owntracks: 'owntracks/<user>/<device>, the app’s base topic. Leave empty for a phone in HTTP mode.',
  traccar: 'Leave empty: Traccar Client reports over HTTP.',
  tasmota: 'Through a bridge: <base topic>/<ZbName>; a Tasmota of its own: its Topic.',
  shelly: 'shellies/<id> for Gen1; the device’s topic prefix for Gen2 and later; <gateway>/<MAC> through a BLU gateway.',
};

/** Add a device, or change one: the hub checks the entry and its answer is shown next to the field it names. */
export function DeviceForm(props: { draft: DeviceDraft; bridges: Array<{ id: string; source: string }>; onDone: (id: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<DeviceDraft>(props.draft);
  const submission = useSubmission();
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef(props.draft);
  useEffect(() => {
    // A new draft (another device chosen) replaces the form's; on first showing the state already holds
    // it, and setting it again after paint would wipe what a quick hand has typed meanwhile.
    if (shown.current !== props.draft) {
      shown.current = props.draft;
      setDraft(props.draft);
      submission.clear();
    }
    heading.current?.scrollIntoView({ block: 'start' });
    heading.current?.focus({ preventScroll: true });
  }, [props.draft]);

  const set = <K extends keyof DeviceDraft>(key: K, value: DeviceDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const adding = draft.editing === undefined;
  const bridges = props.bridges.filter((b) => b.source === draft.source);
  const canBridge = BRIDGE_SOURCES.includes(draft.source);

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = bodyOf(draft);
    await submission.run(async () => {
      if (adding) await api.post('/api/devices', { body });
      else {
        const { id: _id, ...fields } = body;
        await api.put('/api/devices/{id}', { params: { id: draft.editing as string }, body: fields });
      }
      props.onDone(body.id);
    });
  };

  const err = submission.fieldProblem;
  const ctl = (key: string, hint?: unknown) => ({
    'aria-invalid': err(key) ? true : undefined,
    'aria-describedby': describedBy(`device-${key}`, { hint, error: err(key) }),
  });
  const topicHint = TOPIC_HINTS[draft.source];
  return (
    <form class="device-form card" onSubmit={(e) => void submit(e)} aria-labelledby="device-form-title">
      <h3 id="device-form-title" tabIndex={-1} ref={heading}>
        {adding ? 'Add a device' : `Change ${props.draft.name}`}
      </h3>
      {adding ? (
        <Field id="device-id" label="Id" hint="Lower-case letters, digits, - and _. It becomes the device’s MQTT username and cannot change later." error={err('id')}>
          <input id="device-id" required value={draft.id} autocomplete="off" spellcheck={false} onInput={(e) => set('id', e.currentTarget.value)} {...ctl('id', true)} />
        </Field>
      ) : null}
      <Field id="device-name" label="Name" hint="As the circle will read it, e.g. “Front door”." error={err('name')}>
        <input id="device-name" required value={draft.name} autocomplete="off" onInput={(e) => set('name', e.currentTarget.value)} {...ctl('name', true)} />
      </Field>
      <div class="grid grid-2">
        <Field id="device-kind" label="Kind" error={err('kind')}>
          <select id="device-kind" value={draft.kind} onChange={(e) => set('kind', e.currentTarget.value as Kind)} {...ctl('kind')}>
            {KINDS.map(([value, word]) => (
              <option key={value} value={value}>
                {word}
              </option>
            ))}
          </select>
        </Field>
        <Field id="device-source" label="Source" error={err('source')}>
          <select id="device-source" value={draft.source} onChange={(e) => set('source', e.currentTarget.value as Source)} {...ctl('source')}>
            {SOURCES.map(([value, word]) => (
              <option key={value} value={value}>
                {word}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {canBridge || draft.bridge !== '' ? (
        <Field id="device-bridge" label="Bridge" hint="The gateway it is reached through; none if it connects to the hub itself." error={err('bridge')}>
          <select id="device-bridge" value={draft.bridge} onChange={(e) => set('bridge', e.currentTarget.value)} {...ctl('bridge', true)}>
            <option value="">None: it connects itself</option>
            {(draft.bridge !== '' && !bridges.some((b) => b.id === draft.bridge) ? [{ id: draft.bridge }, ...bridges] : bridges).map((b) => (
              <option key={b.id} value={b.id}>
                {b.id}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field id="device-topic" label="Topic (optional)" hint={topicHint} error={err('topic')}>
        <input id="device-topic" value={draft.topic} autocomplete="off" spellcheck={false} onInput={(e) => set('topic', e.currentTarget.value)} {...ctl('topic', true)} />
      </Field>
      <Field id="device-heartbeat" label="Heartbeat (optional)" hint="Silent for longer than this means something is wrong, e.g. 26h for a door, 30m for a tracker." error={err('heartbeat')}>
        <input id="device-heartbeat" value={draft.heartbeat} autocomplete="off" spellcheck={false} onInput={(e) => set('heartbeat', e.currentTarget.value)} {...ctl('heartbeat', true)} />
      </Field>
      {draft.kind === 'door' ? (
        <label class="check">
          <input type="checkbox" checked={draft.exit} onChange={(e) => set('exit', e.currentTarget.checked)} />
          She can leave the home by this door (night-exit and open-too-long watch it)
        </label>
      ) : null}
      {draft.kind === 'pillbox' ? (
        <Field id="device-compartments" label="Compartments (optional)" hint="Leave empty for a box with one lid." error={err('compartments')}>
          <input id="device-compartments" type="number" inputMode="numeric" min={1} max={28} value={draft.compartments} onInput={(e) => set('compartments', e.currentTarget.value)} {...ctl('compartments', true)} />
        </Field>
      ) : null}
      <FormProblem problem={submission.problem} />
      <div class="row">
        <SubmitButton busy={submission.busy}>{adding ? 'Add the device' : 'Save changes'}</SubmitButton>
        <button type="button" class="button button-plain" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
