import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { useResource } from '../../app/resource';
import type { Reply } from '../../api/types';
import { ActionButton } from '../../ui/action';
import { Field } from '../../ui/field';
import { dateTime } from '../../ui/format';
import { Loaded } from '../../ui/loaded';
import { Card, Empty, Pill, type Tone } from '../../ui/page';
import { FormProblem, SubmitButton, useSubmission } from '../../ui/submission';
import { ROLE_WORDS, ROLES, type Role } from './words';

type Invitation = Reply<'/api/invitations'>['invitations'][number];

const STATUS: Record<Invitation['status'], [string, Tone]> = {
  pending: ['Waiting to be used', 'info'],
  used: ['Joined', 'ok'],
  expired: ['Expired', 'muted'],
  revoked: ['Withdrawn', 'muted'],
};

const VALID_FOR: Array<[number, string]> = [
  [24, 'One day'],
  [3 * 24, 'Three days'],
  [7 * 24, 'One week'],
  [30 * 24, 'Thirty days'],
];

/** The owner invites people by a link carrying a role; the link is shown once, then only its fate. */
export function InvitationsCard() {
  const invitations = useResource('/api/invitations', { on: ['circle'], remember: false });
  const [made, setMade] = useState<{ link: string; who: string } | null>(null);
  return (
    <Card id="invitations" title="Invite someone">
      <InviteForm
        onMade={async (link, who) => {
          setMade({ link, who });
          await invitations.reload();
        }}
      />
      {made ? <NewLink link={made.link} who={made.who} /> : null}
      <h3 class="circle-part">Invitations</h3>
      <Loaded resource={invitations} label="the invitations">
        {(data) =>
          data.invitations.length === 0 ? (
            <Empty>No invitations yet.</Empty>
          ) : (
            <ul class="list">
              {data.invitations.map((invitation) => (
                <InvitationLine key={invitation.id} invitation={invitation} onChanged={() => invitations.reload()} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

function InviteForm(props: { onMade: (link: string, who: string) => Promise<void> }) {
  const [role, setRole] = useState<Role>('carer');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [hours, setHours] = useState(7 * 24);
  const submission = useSubmission();
  const submit = async (event: Event) => {
    event.preventDefault();
    await submission.run(async () => {
      const reply = await api.post('/api/invitations', {
        body: { role, validForHours: hours, ...(name.trim() ? { name: name.trim() } : {}), ...(email.trim() ? { email: email.trim() } : {}) },
      });
      await props.onMade(reply.link, `${name.trim() || email.trim() || 'them'} (${ROLE_WORDS[role].name.toLowerCase()})`);
      setName('');
      setEmail('');
    });
  };
  return (
    <form onSubmit={(event) => void submit(event)}>
      <div class="circle-inline">
        <Field id="invite-role" label="Their role" hint={`${ROLE_WORDS[role].name}: ${ROLE_WORDS[role].does}.`}>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} aria-describedby="invite-role-hint">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_WORDS[r].name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="invite-name" label="Their name (optional)">
          <input id="invite-name" maxLength={100} autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="invite-email" label="Their email (optional)" hint="Only this email can then use the link.">
          <input id="invite-email" type="email" maxLength={254} autocomplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} aria-describedby="invite-email-hint" />
        </Field>
        <Field id="invite-valid" label="The link works for">
          <select id="invite-valid" value={String(hours)} onChange={(e) => setHours(Number(e.currentTarget.value))}>
            {VALID_FOR.map(([h, words]) => (
              <option key={h} value={String(h)}>
                {words}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <FormProblem problem={submission.problem} />
      <SubmitButton busy={submission.busy}>Create an invitation link</SubmitButton>
    </form>
  );
}

/** The link, once: the hub keeps only a hash of it. */
function NewLink(props: { link: string; who: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div class="circle-box">
      <p role="status">
        <strong>Invitation link for {props.who}.</strong> It is shown only now: copy it and send it to them.
      </p>
      <div class="circle-link">
        <Field id="invite-link" label="Invitation link">
          <input id="invite-link" readOnly value={props.link} onFocus={(e) => e.currentTarget.select()} />
        </Field>
        <button
          type="button"
          class="button button-primary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(props.link);
              setCopied('Copied. Paste it into a message to them.');
            } catch {
              setCopied('This browser would not copy it: select the link and copy it by hand.');
            }
          }}
        >
          Copy
        </button>
      </div>
      {copied ? <p class="small">{copied}</p> : null}
    </div>
  );
}

function InvitationLine(props: { invitation: Invitation; onChanged: () => Promise<void> }) {
  const { invitation } = props;
  const [word, tone] = STATUS[invitation.status];
  const who = invitation.name ?? invitation.email ?? 'Anyone with the link';
  return (
    <li data-invitation={invitation.id}>
      <div class="circle-member">
        <strong>{who}</strong>
        <span class="muted small">
          {ROLE_WORDS[invitation.role].name} · made {dateTime(invitation.createdAt)}
          {invitation.invitedBy ? ` by ${invitation.invitedBy.name}` : ''}
          {invitation.status === 'pending' ? ` · works until ${dateTime(invitation.expiresAt)}` : ''}
          {invitation.status === 'used' && invitation.usedBy ? ` · ${invitation.usedBy.name} joined ${dateTime(invitation.usedAt)}` : ''}
        </span>
      </div>
      <span class="row">
        <Pill tone={tone}>{word}</Pill>
        {invitation.status === 'pending' ? (
          <ActionButton
            onAction={async () => {
              await api.delete('/api/invitations/{id}', { params: { id: invitation.id } });
              await props.onChanged();
            }}
          >
            Withdraw<span class="visually-hidden"> the invitation for {who}</span>
          </ActionButton>
        ) : null}
      </span>
    </li>
  );
}
