import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Resource } from '../../app/resource';
import { may, type User } from '../../app/session';
import type { Reply } from '../../api/types';
import { ActionButton } from '../../ui/action';
import { dateTime } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Card, Empty, Pill } from '../../ui/page';
import { ROLE_WORDS, ROLES, type Member, type Role } from './words';

/** Who is in the circle, their role, who is on call now and who is away; the owner changes roles. */
export function MembersCard(props: { user: User; members: Resource<Reply<'/api/members'>> }) {
  const manage = may(props.user, 'people.manage');
  return (
    <Card id="members" title="Who is in the circle">
      <Loaded resource={props.members} label="the circle">
        {(data) => {
          const active = data.members.filter((member) => !member.disabled);
          if (active.length === 0) return <Empty>Nobody yet.</Empty>;
          return (
            <ul class="list">
              {active.map((member) => (
                <MemberLine key={member.id} member={member} me={props.user} manage={manage} onChanged={() => props.members.reload()} />
              ))}
            </ul>
          );
        }}
      </Loaded>
    </Card>
  );
}

function MemberLine(props: { member: Member; me: User; manage: boolean; onChanged: () => Promise<void> }) {
  const { member } = props;
  const [role, setRole] = useState<Role>(member.role);
  const [removing, setRemoving] = useState(false);
  const self = member.id === props.me.id;
  const selectId = `member-role-${member.id}`;
  return (
    <li data-member={member.id}>
      <div class="circle-member">
        <strong>
          {member.name}
          {self ? ' (you)' : ''}
        </strong>
        <span class="muted small">
          {ROLE_WORDS[member.role].name}: {ROLE_WORDS[member.role].does}
          {member.email ? ` · ${member.email}` : ''}
        </span>
        <span class="row">
          {member.onCallNow ? <Pill tone="info">{member.onCallTier === 1 ? 'On call now' : 'Backup on call now'}</Pill> : null}
          {member.away ? <Pill tone="muted">Away until {dateTime(member.away.until)}</Pill> : null}
        </span>
      </div>
      {props.manage ? (
        <div class="stack">
          <div class="circle-inline">
            <div class="field">
              <label for={selectId}>Role</label>
              <select id={selectId} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_WORDS[r].name}
                  </option>
                ))}
              </select>
            </div>
            {role === member.role ? null : (
            <ActionButton
              onAction={async () => {
                await api.patch('/api/members/{id}', { params: { id: member.id }, body: { role } });
                await props.onChanged();
              }}
            >
              Change<span class="visually-hidden"> {member.name}’s</span> role
            </ActionButton>
            )}
          </div>
          {role !== member.role ? <p class="hint">They will be signed out everywhere and sign in again with the new role.</p> : null}
          {self ? null : removing ? (
            <div class="row" role="group" aria-label={`Remove ${member.name}?`}>
              <span>Remove {member.name} from the circle? Their sign-in, devices and shifts stop at once.</span>
              <ActionButton
                kind="danger"
                onAction={async () => {
                  await api.delete('/api/members/{id}', { params: { id: member.id } });
                  await props.onChanged();
                }}
              >
                Yes, remove
              </ActionButton>
              <button type="button" class="button" onClick={() => setRemoving(false)}>
                Keep {member.name}
              </button>
            </div>
          ) : (
            <button type="button" class="button button-plain" onClick={() => setRemoving(true)}>
              Remove<span class="visually-hidden"> {member.name}</span> from the circle
            </button>
          )}
        </div>
      ) : null}
    </li>
  );
}
