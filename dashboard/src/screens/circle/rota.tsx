import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { useResource } from '../../app/resource';
import { may, type User } from '../../app/session';
import type { Reply } from '../../api/types';
import { ActionButton } from '../../ui/action';
import { Field } from '../../ui/field';
import { dayLabel, localDate } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Card, Empty } from '../../ui/page';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';
import { ShiftForm } from './shift-form';
import { daysWords, nameOf, ON_CALL_ROLES, tierWords, WEEKDAYS, type Member } from './words';

type Rota = Reply<'/api/rota'>;
type Shift = Rota['shifts'][number];

/** The on-call rota: who answers first, when; covers for single turns; who is on call right now. */
export function RotaCard(props: { user: User; members: readonly Member[] }) {
  const rota = useResource('/api/rota', { on: ['circle'] });
  const manage = may(props.user, 'rota.manage');
  const [adding, setAdding] = useState(false);
  return (
    <Card id="rota" title="On-call rota">
      <Loaded resource={rota} label="the rota">
        {(data) => (
          <>
            <OnCallNow rota={data} members={props.members} me={props.user.id} />
            {data.shifts.length === 0 ? (
              <Empty>No shifts yet.{manage ? ' Add one so each alert goes first to whoever is on call.' : ''}</Empty>
            ) : (
              <ul class="list">
                {data.shifts.map((shift) => (
                  <ShiftLine key={shift.id} shift={shift} rota={data} user={props.user} members={props.members} onChanged={() => rota.reload()} />
                ))}
              </ul>
            )}
            <p class="hint">Times are the home’s local time ({data.timezone}).</p>
            {manage ? (
              adding ? (
                <ShiftForm
                  idPrefix="new-shift"
                  members={props.members}
                  submitLabel="Add the shift"
                  onCancel={() => setAdding(false)}
                  onSubmit={async (draft) => {
                    await api.post('/api/rota/shifts', { body: draft });
                    setAdding(false);
                    await rota.reload();
                  }}
                />
              ) : (
                <button type="button" class="button" onClick={() => setAdding(true)}>
                  Add a shift
                </button>
              )
            ) : null}
          </>
        )}
      </Loaded>
    </Card>
  );
}

function OnCallNow(props: { rota: Rota; members: readonly Member[]; me: number }) {
  const tiers = props.rota.onCall.filter((tier) => tier.userIds.length > 0);
  if (tiers.length === 0) return <p class="headline">Nobody is on call right now.</p>;
  return (
    <div>
      {tiers.map((tier) => (
        <p key={tier.tier} class={tier.tier === tiers[0]?.tier ? 'headline' : ''}>
          {tier.tier === tiers[0]?.tier ? 'On call now: ' : 'Then: '}
          {tier.userIds.map((id) => nameOf(props.members, id, props.me)).join(', ')}
        </p>
      ))}
    </div>
  );
}

function ShiftLine(props: { shift: Shift; rota: Rota; user: User; members: readonly Member[]; onChanged: () => Promise<void> }) {
  const { shift } = props;
  const [mode, setMode] = useState<'view' | 'edit' | 'cover' | 'remove'>('view');
  const manage = may(props.user, 'rota.manage');
  const swap = may(props.user, 'rota.swap');
  const who = nameOf(props.members, shift.userId, props.user.id);
  const summary = `${who}, ${daysWords(shift.days)} ${shift.start}–${shift.end}`;
  const covers = props.rota.covers.filter((cover) => cover.shiftId === shift.id);
  return (
    <li data-shift={shift.id}>
      <div class="circle-member">
        <strong>{who}</strong>
        <span>
          {daysWords(shift.days)}, {shift.start}–{shift.end}
          {shift.overnight ? ' (overnight)' : ''}
        </span>
        <span class="muted small">{tierWords(shift.tier)}</span>
        {covers.length > 0 ? (
          <ul class="small">
            {covers.map((cover) => (
              <li key={cover.id}>
                {dayLabel(`${cover.date}T12:00:00`)}: {nameOf(props.members, cover.userId, props.user.id)} covers{' '}
                {swap ? (
                  <ActionButton
                    kind="plain"
                    onAction={async () => {
                      await api.delete('/api/rota/cover/{id}', { params: { id: cover.id } });
                      await props.onChanged();
                    }}
                  >
                    Cancel<span class="visually-hidden"> the cover on {dayLabel(`${cover.date}T12:00:00`)}</span>
                  </ActionButton>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {mode === 'view' && (manage || swap) ? (
        <div class="row">
          {swap ? (
            <button type="button" class="button" onClick={() => setMode('cover')}>
              Cover a turn<span class="visually-hidden"> of {summary}</span>
            </button>
          ) : null}
          {manage ? (
            <>
              <button type="button" class="button button-plain" onClick={() => setMode('edit')}>
                Change<span class="visually-hidden"> the shift {summary}</span>
              </button>
              <button type="button" class="button button-plain" onClick={() => setMode('remove')}>
                Remove<span class="visually-hidden"> the shift {summary}</span>
              </button>
            </>
          ) : null}
        </div>
      ) : null}
      {mode === 'edit' ? (
        <ShiftForm
          idPrefix={`shift-${shift.id}`}
          members={props.members}
          shift={shift}
          submitLabel="Save the shift"
          onCancel={() => setMode('view')}
          onSubmit={async (draft) => {
            await api.patch('/api/rota/shifts/{id}', { params: { id: shift.id }, body: draft });
            setMode('view');
            await props.onChanged();
          }}
        />
      ) : null}
      {mode === 'remove' ? (
        <div class="row" role="group" aria-label="Remove this shift?">
          <span>Remove {summary}?</span>
          <ActionButton
            kind="danger"
            onAction={async () => {
              await api.delete('/api/rota/shifts/{id}', { params: { id: shift.id } });
              await props.onChanged();
            }}
          >
            Yes, remove
          </ActionButton>
          <button type="button" class="button" onClick={() => setMode('view')}>
            Keep it
          </button>
        </div>
      ) : null}
      {mode === 'cover' ? <CoverForm shift={shift} user={props.user} members={props.members} onDone={async (done) => (setMode('view'), done ? props.onChanged() : undefined)} /> : null}
    </li>
  );
}

/** The next date (from today) on which the shift starts. */
function nextTurn(shift: Shift): string {
  const day = new Date();
  for (let i = 0; i < 7; i++) {
    const weekday = WEEKDAYS[(day.getDay() + 6) % 7]?.[0];
    if (weekday && shift.days.includes(weekday)) return localDate(day);
    day.setDate(day.getDate() + 1);
  }
  return localDate();
}

/**
 * Someone takes one turn of a shift. With rota.swap only, one covers another's turn oneself, or hands
 * one's own turn to someone else; rota.manage arranges any cover.
 */
function CoverForm(props: { shift: Shift; user: User; members: readonly Member[]; onDone: (done: boolean) => Promise<unknown> }) {
  const manage = may(props.user, 'rota.manage');
  const own = props.shift.userId === props.user.id;
  const others = props.members.filter((member) => !member.disabled && ON_CALL_ROLES.includes(member.role) && member.id !== props.shift.userId);
  const choosable = manage || own;
  const [date, setDate] = useState(nextTurn(props.shift));
  const [userId, setUserId] = useState(choosable ? (others.find((m) => m.id === props.user.id)?.id ?? others[0]?.id ?? 0) : props.user.id);
  const submission = useSubmission();
  const prefix = `cover-${props.shift.id}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    // Done, the form closes: it stays busy until then.
    await submission.run(
      async () => {
        await api.post('/api/rota/cover', { body: { shiftId: props.shift.id, date, userId } });
        await props.onDone(true);
      },
      { stayBusy: true },
    );
  };
  return (
    <form class="circle-box" onSubmit={(event) => void submit(event)}>
      <div class="circle-inline">
        <Field id={`${prefix}-date`} label="The turn starting on">
          <input id={`${prefix}-date`} type="date" required value={date} onInput={(e) => setDate(e.currentTarget.value)} />
        </Field>
        {choosable ? (
          <Field id={`${prefix}-who`} label="Who covers it">
            <select id={`${prefix}-who`} value={String(userId)} onChange={(e) => setUserId(Number(e.currentTarget.value))}>
              {others.map((member) => (
                <option key={member.id} value={String(member.id)}>
                  {member.id === props.user.id ? 'Me' : member.name}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <p>You cover this turn.</p>
        )}
      </div>
      <FormProblem problem={submission.problem} />
      <div class="row">
        <SubmitButton busy={submission.busy} disabled={userId === 0}>
          Cover this turn
        </SubmitButton>
        <button type="button" class="button" onClick={() => void props.onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
