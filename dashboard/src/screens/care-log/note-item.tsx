import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reply } from '../../api/types';
import { may, type User } from '../../app/session';
import { ActionButton } from '../../ui/action';
import { dateTime } from '../../ui/format';
import { Pill, type Tone } from '../../ui/page';
import { FormProblem, useSubmission } from '../../ui/submission';
import { NoteEditor } from './note-form';

export type Note = Reply<'/api/care-log'>['notes'][number];
type Reaction = Note['reactions'][number]['reaction'];

export const KIND_WORDS: Record<Note['kind'], [string, Tone]> = {
  handover: ['Handover', 'info'],
  visit: ['Visit', 'ok'],
  note: ['Note', 'muted'],
};

const REACTIONS: Array<[Reaction, string, string]> = [
  ['seen', 'Seen', 'Seen by'],
  ['thanks', 'Thanks', 'Thanks from'],
];

function names(note: Note, reaction: Reaction, me: User): string[] {
  return note.reactions.filter((r) => r.reaction === reaction).map((r) => (r.by.id === me.id ? 'you' : r.by.name));
}

/** One entry of the log: who wrote it and when, the words, who has seen it and thanked them. */
export function NoteItem(props: { note: Note; user: User; onChanged: () => Promise<void> }) {
  const { note, user } = props;
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [word, tone] = KIND_WORDS[note.kind];
  const author = note.author?.name ?? 'Someone no longer in the circle';
  const mine = note.author !== null && note.author.id === user.id;
  const canReact = may(user, 'care-log.write');
  const canDelete = canReact && (mine || user.role === 'owner');
  const whose = `${mine ? 'your' : `${author}’s`} ${word.toLowerCase()}`;
  const reactedLines = REACTIONS.map(([reaction, , lead]) => {
    const who = names(note, reaction, user);
    return who.length === 0 ? null : `${lead} ${who.join(', ')}`;
  }).filter((line): line is string => line !== null);

  return (
    <li class={`care-note care-note-${note.kind}`} data-note={note.id}>
      <div class="care-note-head">
        <Pill tone={tone}>{word}</Pill>
        <strong>{mine ? `${author} (you)` : author}</strong>
        <time dateTime={note.at} class="muted small">
          {dateTime(note.at)}
        </time>
        {note.editedAt ? <span class="muted small">edited {dateTime(note.editedAt)}</span> : null}
      </div>
      {editing ? (
        <NoteEditor
          note={note}
          onDone={async (changed) => {
            if (changed) await props.onChanged();
            setEditing(false);
          }}
        />
      ) : (
        <p class="care-note-text">{note.text}</p>
      )}
      {reactedLines.length > 0 ? <p class="muted small care-note-reacted">{reactedLines.join(' · ')}</p> : null}
      {!editing && (canReact || canDelete) ? (
        <div class="row care-note-actions">
          {canReact
            ? REACTIONS.map(([reaction, label]) => {
                const pressed = note.reactions.some((r) => r.reaction === reaction && r.by.id === user.id);
                return (
                  <ReactionButton key={reaction} pressed={pressed} label={label} context={` for ${whose}`} count={note.reactions.filter((r) => r.reaction === reaction).length}
                    onToggle={async () => {
                      if (pressed) await api.delete('/api/care-log/{id}/reactions/{reaction}', { params: { id: note.id, reaction } });
                      else await api.put('/api/care-log/{id}/reactions/{reaction}', { params: { id: note.id, reaction } });
                      await props.onChanged();
                    }}
                  />
                );
              })
            : null}
          {mine ? (
            <button type="button" class="button button-plain" onClick={() => setEditing(true)}>
              Edit<span class="visually-hidden"> {whose}</span>
            </button>
          ) : null}
          {canDelete && !confirming ? (
            <button type="button" class="button button-plain" onClick={() => setConfirming(true)}>
              Delete<span class="visually-hidden"> {whose}</span>
            </button>
          ) : null}
        </div>
      ) : null}
      {confirming ? (
        <div class="row care-note-confirm" role="group" aria-label={`Delete ${whose}?`}>
          <span>Delete {whose}? It cannot be brought back.</span>
          <ActionButton kind="danger" onAction={async () => {
            await api.delete('/api/care-log/{id}', { params: { id: note.id } });
            await props.onChanged();
          }}>
            Yes, delete
          </ActionButton>
          <button type="button" class="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : null}
    </li>
  );
}

function ReactionButton(props: { pressed: boolean; label: string; context: string; count: number; onToggle: () => Promise<void> }) {
  const { busy, problem, run } = useSubmission();
  return (
    <span class="action">
      <button
        type="button"
        class={`button ${props.pressed ? 'button-primary' : ''}`}
        aria-pressed={props.pressed}
        disabled={busy}
        onClick={() => void run(props.onToggle)}
      >
        {props.label}
        <span class="visually-hidden">{props.context}</span>
        {props.count > 0 ? <span class="care-note-count"> · {props.count}</span> : null}
      </button>
      <FormProblem problem={problem} inline />
    </span>
  );
}
