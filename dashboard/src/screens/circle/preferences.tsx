import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Body, Reply } from '../../api/types';
import { Field } from '../../ui/field';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';

type Preferences = Reply<'/api/me/preferences'>['preferences'];
type AlertType = keyof Preferences['alertTypes'];
type Severity = keyof Preferences['severities'];

const ALERT_WORDS: Array<[AlertType, string]> = [
  ['night-exit', 'A door opens at night'],
  ['left-safe-zone', 'She leaves the safe area'],
  ['door-open-too-long', 'A door stays open too long'],
  ['tracker-silent', 'Her tracker goes quiet'],
  ['inactivity', 'No activity at home'],
  ['missed-dose', 'A dose is missed'],
  ['double-dose', 'A dose may be taken twice'],
  ['sensor-silent', 'A sensor stops reporting'],
  ['low-battery', 'A sensor’s battery is low'],
  ['hub-storage-low', 'The hub’s storage is nearly full'],
];

const SEVERITY_WORDS: Array<[Severity, string]> = [
  ['urgent', 'Urgent: she may be in danger'],
  ['warning', 'Warnings'],
  ['notice', 'Notices'],
  ['fault', 'Sensor faults'],
];

/** What I am told, when: alert kinds, quiet hours, the daily digest. */
export function PreferencesForm(props: { preferences: Preferences; faultsOnly: boolean; onSaved: () => Promise<void> }) {
  // An installer is told only of sensor faults; the other choices would be about things they never see.
  const alertWords = props.faultsOnly ? ALERT_WORDS.filter(([type]) => type === 'sensor-silent' || type === 'low-battery' || type === 'hub-storage-low') : ALERT_WORDS;
  const severityWords = props.faultsOnly ? SEVERITY_WORDS.filter(([severity]) => severity === 'fault' || severity === 'notice') : SEVERITY_WORDS;
  const [draft, setDraft] = useState<Preferences>(props.preferences);
  const [quiet, setQuiet] = useState(props.preferences.quietHours ?? { start: '22:00', end: '07:00' });
  const [quietOn, setQuietOn] = useState(props.preferences.quietHours !== null);
  const submission = useSubmission();
  const [saved, setSaved] = useState(false);
  const change = (next: Partial<Preferences>) => (setDraft((current) => ({ ...current, ...next })), setSaved(false));
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    await submission.run(async () => {
      const body: Body<'/api/me/preferences', 'put'> = { ...draft, quietHours: quietOn ? quiet : null };
      await api.put('/api/me/preferences', { body });
      setSaved(true);
      await props.onSaved();
    });
  };
  return (
    <form onSubmit={(event) => void submit(event)}>
      <label class="check">
        <input type="checkbox" checked={draft.channels.push} onChange={(e) => change({ channels: { ...draft.channels, push: e.currentTarget.checked } })} />
        Send notifications to my devices
      </label>
      <fieldset>
        <legend>Tell me when</legend>
        {alertWords.map(([type, words]) => (
          <div key={type}>
            <label class="check">
              <input type="checkbox" checked={draft.alertTypes[type]} onChange={(e) => change({ alertTypes: { ...draft.alertTypes, [type]: e.currentTarget.checked } })} />
              {words}
            </label>
          </div>
        ))}
      </fieldset>
      <fieldset>
        <legend>How serious</legend>
        {severityWords.map(([severity, words]) => (
          <div key={severity}>
            <label class="check">
              <input type="checkbox" checked={draft.severities[severity]} onChange={(e) => change({ severities: { ...draft.severities, [severity]: e.currentTarget.checked } })} />
              {words}
            </label>
          </div>
        ))}
      </fieldset>
      <fieldset aria-describedby="quiet-hint">
        <legend>Quiet hours</legend>
        <p class="hint" id="quiet-hint">
          Notifications wait until the quiet hours end. An urgent alert still reaches you while you are on call: if you cannot answer, mark yourself away.
        </p>
        <label class="check">
          <input type="checkbox" checked={quietOn} onChange={(e) => (setQuietOn(e.currentTarget.checked), setSaved(false))} />
          Keep quiet hours
        </label>
        <div class="circle-inline">
          <Field id="quiet-start" label="Quiet from">
            <input id="quiet-start" type="time" disabled={!quietOn} value={quiet.start} onInput={(e) => (setQuiet({ ...quiet, start: e.currentTarget.value }), setSaved(false))} />
          </Field>
          <Field id="quiet-end" label="Until">
            <input id="quiet-end" type="time" disabled={!quietOn} value={quiet.end} onInput={(e) => (setQuiet({ ...quiet, end: e.currentTarget.value }), setSaved(false))} />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Daily digest</legend>
        <label class="check">
          <input type="checkbox" checked={draft.digest.enabled} onChange={(e) => change({ digest: { ...draft.digest, enabled: e.currentTarget.checked } })} />
          Send me a short summary of each day
        </label>
        <Field id="digest-at" label="At">
          <input id="digest-at" type="time" disabled={!draft.digest.enabled} value={draft.digest.at} onInput={(e) => change({ digest: { ...draft.digest, at: e.currentTarget.value } })} />
        </Field>
      </fieldset>
      <FormProblem problem={submission.problem} />
      <div class="row">
        <SubmitButton busy={submission.busy}>Save my preferences</SubmitButton>
        {saved ? (
          <span class="action-done" role="status">
            Saved.
          </span>
        ) : null}
      </div>
    </form>
  );
}
