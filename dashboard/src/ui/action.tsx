import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';

/**
 * A button that does something on the hub: busy while it runs (and not pressable twice), and the
 * hub's answer, if it refused, said next to it (announced to screen readers).
 */
export function ActionButton(props: {
  onAction: () => Promise<unknown>;
  children: ComponentChildren;
  kind?: 'primary' | 'danger' | 'plain';
  disabled?: boolean;
  label?: string;
  done?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const run = async () => {
    setBusy(true);
    setProblem(null);
    setDone(false);
    try {
      await props.onAction();
      setDone(true);
    } catch (error) {
      setProblem(describe(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={`button button-${props.kind ?? 'plain'}`}
        disabled={busy || props.disabled}
        aria-busy={busy}
        {...(props.label ? { 'aria-label': props.label } : {})}
        onClick={() => void run()}
      >
        {props.children}
      </button>
      {problem ? (
        <span class="action-problem" role="alert">
          {problem}
        </span>
      ) : done && props.done ? (
        <span class="action-done" role="status">
          {props.done}
        </span>
      ) : null}
    </span>
  );
}

/** The sentence to show for a failed request. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const first = error.problems?.[0];
    return first ? `${error.message} (${first.path ? `${first.path}: ` : ''}${first.message})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
