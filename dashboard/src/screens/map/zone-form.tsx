import { describedBy, Field } from '../../ui/field';
import { distance } from '../../ui/format';
import { Empty } from '../../ui/page';
import { SubmitButton } from '../../ui/submission';
import type { Zone, ZoneDraft, ZoneEditor, ZoneField } from './zone-drafts';

/**
 * The zones as a form (issue 8, screen 3): everything the map's taps and drags do, done by keyboard
 * and screen reader too. The map is an aid; this is the way every edit can be made.
 */
export function ZoneForm(props: { editor: ZoneEditor; home: { lat: number; lon: number } }) {
  const { editor } = props;
  const focusSoon = (id: string) => window.setTimeout(() => document.getElementById(id)?.focus(), 0);
  const save = async () => {
    const wrong = await editor.save();
    if (wrong !== undefined) focusSoon(wrong);
  };
  return (
    <form
      class="zone-form"
      noValidate
      aria-label="Safe zones"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {editor.drafts.length === 0 ? <Empty>No safe zones yet. Add one around her home, so the hub can tell when she leaves it.</Empty> : null}
      {editor.drafts.map((draft, index) => (
        <ZoneFields key={draft.key} draft={draft} number={index + 1} editor={editor} />
      ))}
      <div class="row">
        <button
          type="button"
          class="button"
          disabled={editor.atLimit}
          onClick={() => {
            const key = editor.add(props.home);
            focusSoon(`${key}-name`);
          }}
        >
          Add a zone
        </button>
        <SubmitButton busy={editor.busy} disabled={!editor.dirty}>
          Save zones
        </SubmitButton>
        {editor.dirty ? (
          <button type="button" class="button button-plain" onClick={editor.discard}>
            Discard changes
          </button>
        ) : null}
      </div>
      {editor.refusal ? (
        <p class="problem" role="alert" data-zone-refusal>
          {editor.refusal}
        </p>
      ) : editor.saved ? (
        <p class="action-done" role="status">
          Zones saved.
        </p>
      ) : editor.dirty ? (
        <p class="hint" role="status">
          You have changes that are not saved yet.
        </p>
      ) : null}
    </form>
  );
}

function ZoneFields(props: { draft: ZoneDraft; number: number; editor: ZoneEditor }) {
  const { draft, editor } = props;
  const problems = editor.problems[draft.key] ?? {};
  const title = draft.name.trim() || `New zone ${props.number}`;
  const selected = editor.selected === draft.key;
  const input = (field: ZoneField, label: string, options: { hint?: string; inputMode?: 'decimal' | 'numeric' } = {}) => {
    const id = `${draft.key}-${field}`;
    const error = problems[field] ?? null;
    return (
      <Field id={id} label={label} hint={options.hint} error={error}>
        <input
          id={id}
          type="text"
          inputMode={options.inputMode}
          value={draft[field]}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy(id, { hint: options.hint, error })}
          onInput={(event) => editor.change(draft.key, field, event.currentTarget.value)}
          onFocus={() => editor.select(draft.key)}
        />
      </Field>
    );
  };
  return (
    <fieldset class={selected ? 'zone-fields zone-selected' : 'zone-fields'} data-zone={draft.id ?? 'new'}>
      <legend>{title}</legend>
      {input('name', 'Name')}
      <div class="zone-place">
        {input('lat', 'Latitude', { inputMode: 'decimal' })}
        {input('lon', 'Longitude', { inputMode: 'decimal' })}
        {draft.polygon === undefined ? input('radius', 'Radius in metres', { inputMode: 'numeric' }) : null}
      </div>
      {draft.polygon !== undefined ? <p class="hint">This zone is an outline drawn point by point; its shape is changed by importing the household document.</p> : null}
      <div class="row">
        <button type="button" class="button button-plain" aria-pressed={selected} onClick={() => editor.select(selected ? null : draft.key)}>
          {selected ? 'Shown on the map' : 'Show on the map'}
        </button>
        <button type="button" class="button button-danger" onClick={() => editor.remove(draft.key)}>
          Remove {title}
        </button>
      </div>
    </fieldset>
  );
}

/** The zones for those who may not change them. */
export function ZoneList(props: { zones: readonly Zone[] }) {
  if (props.zones.length === 0) return <Empty>No safe zones yet. The owner of the household adds them.</Empty>;
  return (
    <ul class="list">
      {props.zones.map((zone) => (
        <li key={zone.id} data-zone={zone.id}>
          <span class="headline">{zone.name}</span>
          <span class="muted small">
            {zone.radiusM !== undefined ? `${distance(zone.radiusM)} around ` : 'An outline around '}
            {zone.lat.toFixed(5)}, {zone.lon.toFixed(5)}
          </span>
        </li>
      ))}
    </ul>
  );
}
