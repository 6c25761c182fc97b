import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A screen: its heading takes focus when the screen opens, so a screen-reader or keyboard user
 * hears where they are after a client-side navigation (WCAG 2.4.3), and the tab title follows.
 */
export function Page(props: { title: string; subtitle?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; wide?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Homeward`;
    heading.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <section class={props.wide ? 'page page-wide' : 'page'} aria-labelledby="page-title">
      <header class="page-header">
        <div>
          <h1 id="page-title" tabIndex={-1} ref={heading}>
            {props.title}
          </h1>
          {props.subtitle ? <p class="page-subtitle">{props.subtitle}</p> : null}
        </div>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** A titled block of a screen. */
export function Card(props: { title?: ComponentChildren; id?: string; actions?: ComponentChildren; children: ComponentChildren; tone?: 'alert' | 'warn' | 'ok' }) {
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section class={`card${props.tone ? ` card-${props.tone}` : ''}`} id={props.id} aria-labelledby={headingId}>
      {props.title ? (
        <div class="card-header">
          <h2 id={headingId}>{props.title}</h2>
          {props.actions}
        </div>
      ) : null}
      {props.children}
    </section>
  );
}

export type Tone = 'ok' | 'warn' | 'alert' | 'muted' | 'info';

/** A short status word with colour and an icon-free shape, never colour alone (WCAG 1.4.1). */
export function Pill(props: { tone: Tone; children: ComponentChildren; label?: string }) {
  return (
    <span class={`pill pill-${props.tone}`} {...(props.label ? { 'aria-label': props.label } : {})}>
      {props.children}
    </span>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}
