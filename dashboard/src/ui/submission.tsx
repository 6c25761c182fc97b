import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { describe } from './action';

/**
 * The state every form that sends something to the hub keeps: busy while it runs (so it cannot be
 * sent twice), the hub's refusal as a sentence, and the refusal's per-field problems keyed by the
 * first part of their path ('/baseTopic' → 'baseTopic') so each is shown next to its control.
 * One place, so every form refuses, announces and recovers the same way.
 */
export interface Submission {
  busy: boolean;
  problem: string | null;
  /** For a check made here, before anything is sent (or to clear the problem as the person corrects it). */
  setProblem: (problem: string | null) => void;
  fieldProblem: (key: string) => string | null;
  /** Forget the last refusal, e.g. when the form is given something new to edit. */
  clear: () => void;
  /**
   * Runs `work` (the request and whatever follows it). `stayBusy` keeps the form busy after success,
   * for forms that go away once done, so it cannot be sent again while it closes.
   */
  run: (work: () => Promise<unknown>, options?: { stayBusy?: boolean }) => Promise<void>;
}

export function useSubmission(): Submission {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const clear = () => {
    setProblem(null);
    setFields({});
  };
  const run = async (work: () => Promise<unknown>, options: { stayBusy?: boolean } = {}) => {
    setBusy(true);
    clear();
    try {
      await work();
      if (!options.stayBusy) setBusy(false);
    } catch (error) {
      setFields(fieldProblems(error));
      setProblem(describe(error));
      setBusy(false);
    }
  };
  return { busy, problem, setProblem, fieldProblem: (key) => fields[key] ?? null, clear, run };
}

function fieldProblems(error: unknown): Record<string, string> {
  const byField: Record<string, string> = {};
  if (error instanceof ApiError) for (const p of error.problems ?? []) if (p.path) byField[p.path.split('/')[1] ?? ''] = p.message;
  return byField;
}

/** A form's refusal, announced to screen readers as it appears; `inline` beside a lone button, as ActionButton shows it. */
export function FormProblem(props: { problem: string | null; inline?: boolean }) {
  if (!props.problem) return null;
  return props.inline ? (
    <span class="action-problem" role="alert">
      {props.problem}
    </span>
  ) : (
    <p class="problem" role="alert">
      {props.problem}
    </p>
  );
}

/** A form's submit button: not pressable, and said to be busy, while the form is being sent. */
export function SubmitButton(props: { busy: boolean; disabled?: boolean; kind?: 'primary' | 'secondary'; children: ComponentChildren }) {
  return (
    <button type="submit" class={props.kind === 'secondary' ? 'button' : 'button button-primary'} disabled={props.busy || props.disabled} aria-busy={props.busy}>
      {props.children}
    </button>
  );
}
