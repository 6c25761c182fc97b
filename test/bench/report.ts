import { writeFileSync } from 'node:fs';

/**
 * The benchmark's output: one table a person reads (figure, measured, target, verdict) and the same
 * rows plus the raw measurements as JSON for a script or a later comparison. A row with a target is
 * 'met' or 'NOT MET' (an error counts as not met); a row without one is 'info'.
 */
export type Verdict = 'met' | 'NOT MET' | 'info' | 'error';

export interface ReportRow {
  figure: string;
  measured: string;
  target: string;
  verdict: Verdict;
  /** The number behind `measured`, for scripts. */
  value?: number;
  unit?: string;
  /** The budget behind `target`, in `unit`, for scripts (budget rows only). */
  limit?: { max?: number; min?: number };
}

/** A row as the JSON report holds it: with `met` true, false, or null for a row that has no target. */
export type JsonRow = ReportRow & { met: boolean | null };

export function jsonRows(rows: readonly ReportRow[]): JsonRow[] {
  return rows.map((row) => ({ ...row, met: row.verdict === 'info' ? null : row.verdict === 'met' }));
}

/** A correctness check (rows = PUBACKs, alerts = openings): met or not, no number to budget. */
export function checkRow(figure: string, measured: string, target: string, ok: boolean, value?: number, unit?: string): ReportRow {
  return { figure, measured, target, verdict: ok ? 'met' : 'NOT MET', ...(value !== undefined ? { value } : {}), ...(unit !== undefined ? { unit } : {}) };
}

export function budgetRow(figure: string, value: number | undefined, unit: string, format: (value: number) => string, limit: { max?: number; min?: number }, target: string): ReportRow {
  if (value === undefined || Number.isNaN(value)) return { figure, measured: 'not measured', target, verdict: 'error', unit, limit };
  const ok = (limit.max === undefined || value <= limit.max) && (limit.min === undefined || value >= limit.min);
  return { figure, measured: format(value), target, verdict: ok ? 'met' : 'NOT MET', value, unit, limit };
}

export function infoRow(figure: string, measured: string, value?: number, unit?: string): ReportRow {
  return { figure, measured, target: '—', verdict: 'info', ...(value !== undefined ? { value } : {}), ...(unit !== undefined ? { unit } : {}) };
}

export function errorRow(figure: string, message: string): ReportRow {
  return { figure, measured: `error: ${message.split('\n')[0]}`, target: '—', verdict: 'error' };
}

export function formatTable(rows: readonly ReportRow[]): string {
  const headers = ['Figure', 'Measured', 'Target', 'Verdict'];
  const cells = rows.map((row) => [row.figure, row.measured, row.target, row.verdict]);
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((cell) => (cell[column] as string).length)));
  const line = (values: readonly string[]) => values.map((value, column) => value.padEnd(widths[column] as number)).join(' │ ').trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('─┼─');
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

export function writeJsonReport(file: string, report: unknown): void {
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}

export const formatRate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-GB')}/s`;
export const formatMiB = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
export const formatMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export const formatKiB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const formatMs = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;

/** The same rows as a Markdown table, for the README's "Performance" section. */
export function formatMarkdown(rows: readonly ReportRow[]): string {
  const cell = (text: string) => text.trim().replace(/\|/g, '\\|');
  return [
    '| Figure | Measured | Target | Verdict |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${cell(row.figure)} | ${cell(row.measured)} | ${cell(row.target)} | ${row.verdict === 'NOT MET' ? '**NOT MET**' : row.verdict} |`),
  ].join('\n');
}
