/** Times in the API's JSON are ISO 8601 strings in UTC (Unix ms inside the hub). */
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : iso(ms));
