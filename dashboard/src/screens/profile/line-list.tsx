import { useEffect, useRef } from 'preact/hooks';

/**
 * A list of short lines (routines, triggers, ...) to add to, change and remove from. Each line is
 * its own labelled input; a new line takes focus so typing can start at once.
 */
export function LineList(props: { id: string; legend: string; hint: string; lines: string[]; onChange: (lines: string[]) => void; addLabel: string }) {
  const focusLast = useRef(false);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (!focusLast.current) return;
    focusLast.current = false;
    const inputs = list.current?.querySelectorAll('input');
    inputs?.[inputs.length - 1]?.focus();
  }, [props.lines.length]);
  const set = (index: number, value: string) => props.onChange(props.lines.map((line, i) => (i === index ? value : line)));
  return (
    <fieldset class="profile-lines" id={props.id} aria-describedby={`${props.id}-hint`}>
      <legend>{props.legend}</legend>
      <p class="hint" id={`${props.id}-hint`}>
        {props.hint}
      </p>
      <ul class="profile-line-edit" ref={list}>
        {props.lines.map((line, index) => (
          <li key={index}>
            <input aria-label={`${props.legend}, line ${index + 1}`} maxLength={500} value={line} onInput={(e) => set(index, e.currentTarget.value)} />
            <button type="button" class="button button-plain" onClick={() => props.onChange(props.lines.filter((_, i) => i !== index))}>
              Remove<span class="visually-hidden"> line {index + 1} of {props.legend}</span>
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        class="button"
        onClick={() => {
          focusLast.current = true;
          props.onChange([...props.lines, '']);
        }}
      >
        {props.addLabel}
      </button>
    </fieldset>
  );
}
