import type { ComponentChildren } from 'preact';
import type { User } from '../../app/session';
import { ActionButton } from '../../ui/action';
import { ago, clockTime } from '../../ui/format';
import { Card, Pill } from '../../ui/page';
import { ResolveWithNote } from './resolve-form';

type Person = { id: number | null; name: string } | null;

/** What an incident or an alert says at the top: open or over, and who is on it. */
export interface Standing {
  id: string;
  open: boolean;
  since: string;
  acknowledgedBy: Person;
  acknowledgedAt: string | null;
  closedAt: string | null;
  resolvedBy: Person;
  resolution: string | null;
}

/**
 * The top of the page someone opens from a 2 a.m. notification: since when, whether anyone is on it
 * ("Anna is on it" / "Nobody is on it yet", shown to everyone), and the two things to do about it —
 * only to roles that may act, and only while it is open.
 */
export function OnItCard(props: {
  standing: Standing;
  user: User | undefined;
  canAct: boolean;
  children?: ComponentChildren;
  onAcknowledge: () => Promise<unknown>;
  onResolve: (note: string) => Promise<unknown>;
}) {
  const { standing } = props;
  const onIt = standing.acknowledgedBy;
  const mine = onIt !== null && props.user !== undefined && onIt.id === props.user.id;
  return (
    <Card id="now" title={standing.open ? 'What is happening' : 'What happened'} tone={standing.open ? (onIt ? 'warn' : 'alert') : 'ok'}>
      <div class="stack">
        {/* Announced when it changes: someone else's "I’m on it" arrives live. */}
        <p class="row" data-standing aria-live="polite">
          {standing.open ? <Pill tone="alert">Open</Pill> : <Pill tone="ok">Closed</Pill>}
          {standing.open ? (
            onIt ? (
              <Pill tone="info">{onIt.name} is on it</Pill>
            ) : (
              <Pill tone="alert">Nobody is on it yet</Pill>
            )
          ) : null}
        </p>
        <p>
          Since {clockTime(standing.since)} ({ago(standing.since)})
          {standing.open && onIt && standing.acknowledgedAt ? `; ${onIt.name} has been on it since ${clockTime(standing.acknowledgedAt)}.` : '.'}
        </p>
        {standing.open ? null : (
          <p class="headline" data-resolution>
            {standing.resolvedBy ? `Resolved by ${standing.resolvedBy.name}` : 'Cleared by itself'}
            {standing.closedAt ? ` at ${clockTime(standing.closedAt)}` : ''}
            {standing.resolution ? `: “${standing.resolution}”` : ''}
          </p>
        )}
        {props.children}
        {props.canAct && standing.open ? (
          <div class="row">
            {mine ? null : (
              <ActionButton kind="primary" onAction={props.onAcknowledge}>
                {onIt ? 'I’m on it too' : 'I’m on it'}
              </ActionButton>
            )}
            <ResolveWithNote id={`resolve-${standing.id}`} onResolve={props.onResolve} />
          </div>
        ) : null}
      </div>
    </Card>
  );
}
