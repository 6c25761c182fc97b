import { HomewardError } from '../core/errors.js';

/**
 * Paging cursors for the care lists (alerts, incidents, the care log): newest first, and the cursor
 * names the (time, id) of the last item shown, so an item added meanwhile neither repeats nor hides
 * one. Opaque to clients, who pass back `nextBefore` as `before`.
 */
export const CURSOR_PATTERN = '^[0-9]{1,15}_[A-Za-z0-9-]{1,64}$';
const CURSOR = new RegExp(CURSOR_PATTERN);

export function pageCursor(at: number, id: string | number): string {
  return `${at}_${id}`;
}

export function readCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  if (!CURSOR.test(cursor)) throw new HomewardError('HW_USAGE', 'before must be a nextBefore value from an earlier page', { reply: 'invalid_cursor' });
  const split = cursor.indexOf('_');
  return { at: Number(cursor.slice(0, split)), id: cursor.slice(split + 1) };
}

/** The cursor for the page after `items`, or null when this page was the last. */
export function nextCursor<T>(items: readonly T[], limit: number, key: (item: T) => { at: number; id: string | number }): string | null {
  const last = items[items.length - 1];
  if (items.length < limit || last === undefined) return null;
  const { at, id } = key(last);
  return pageCursor(at, id);
}
