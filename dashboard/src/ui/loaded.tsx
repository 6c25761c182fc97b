import type { ComponentChildren } from 'preact';
import type { Resource } from '../app/resource';
import { ago } from './format';

/**
 * A resource's three honest states: loading, failed (with a way to try again), or shown, and
 * when what is shown is stale, saying so and since when.
 */
export function Loaded<T>(props: { resource: Resource<T>; label: string; children: (data: T) => ComponentChildren }) {
  const { data, error, loading, stale, fetchedAt } = props.resource;
  if (data === undefined) {
    if (loading) return <p class="loading" role="status">Loading {props.label}…</p>;
    return (
      <div class="problem" role="alert">
        <p>Could not load {props.label}: {error?.message ?? 'unknown problem'}</p>
        <button type="button" class="button" onClick={() => void props.resource.reload()}>
          Try again
        </button>
      </div>
    );
  }
  return (
    <>
      {stale ? (
        <p class="stale" role="status">
          Not current: last updated {ago(fetchedAt)}{error ? ` (${error.message})` : ''}.
        </p>
      ) : null}
      {props.children(data)}
    </>
  );
}
