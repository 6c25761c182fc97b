import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Body, Reply } from '../../api/types';
import type { Resource } from '../../app/resource';
import { describe } from '../../ui/action';
import { Loaded } from '../../ui/loaded';
import { Card, Empty } from '../../ui/page';
import { ScheduleEditor } from './schedule-editor';
import { compartmentWords, daysWords, windowWords } from './words';

type Overview = Reply<'/api/medication'>;
export type Medication = Body<'/api/medication', 'put'>['medication'][number];

/** The schedule as the care plan has it; those who give medication may change it. */
export function ScheduleCard(props: { medication: Resource<Overview>; canEdit: boolean; onSaved: () => void }) {
  const [editing, setEditing] = useState<{ doses: Medication[]; revision: number } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  // The schedule and the revision it belongs to come from one read of the care plan, so a save
  // (If-Match) is refused if anyone changed the plan after this editor opened.
  const startEditing = async () => {
    setProblem(null);
    setSaved(null);
    try {
      const reply = await api.get('/api/household');
      setEditing({ doses: reply.household.rules?.medication ?? [], revision: reply.revision });
    } catch (error) {
      setProblem(describe(error));
    }
  };

  return (
    <Card
      id="schedule"
      title="Schedule"
      actions={
        props.canEdit && editing === null ? (
          <button type="button" class="button" onClick={() => void startEditing()}>
            Edit the schedule
          </button>
        ) : null
      }
    >
      {problem ? (
        <p class="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {saved ? (
        <p class="action-done" role="status">
          {saved}
        </p>
      ) : null}
      {editing ? (
        <ScheduleEditor
          initial={editing.doses}
          revision={editing.revision}
          onCancel={() => setEditing(null)}
          onSaved={(count) => {
            setEditing(null);
            setSaved(`Schedule saved, with ${count === 1 ? 'one dose' : `${count} doses`}.`);
            props.onSaved();
          }}
          onRestart={() => void startEditing()}
        />
      ) : (
        <Loaded resource={props.medication} label="the schedule">
          {(data) =>
            data.schedule.length === 0 ? (
              <Empty>No doses in the schedule yet.{props.canEdit ? ' Choose “Edit the schedule” to add the first one.' : ''}</Empty>
            ) : (
              <ul class="list">
                {data.schedule.map((dose) => (
                  <li key={dose.dose} data-schedule={dose.dose}>
                    <span class="stack med-dose">
                      <span class="headline-small">{dose.name}</span>
                      <span class="muted small">
                        {daysWords(dose.days)}, from {compartmentWords(dose.compartment)}; counts as on time within {windowWords(dose.window)} either side
                      </span>
                    </span>
                    <span class="med-time">{dose.at}</span>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      )}
    </Card>
  );
}
