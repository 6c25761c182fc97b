import { writeFileSync } from 'node:fs';

/**
 * The benchmark's output: one table a person reads (figure, measured, target, verdict) and the same
 * rows plus the raw measurements as JSON for a script or a later comparison.
 */
export type Verdict = 'pass' | 'FAIL' | 'info' | 'error';

export interface ReportRow {
  figure: string;
  measured: string;
  target: string;
  verdict: Verdict;
  /** The number behind `measured`, for scripts. */
  value?: number;
  unit?: string;
}

export function budgetRow(figure: string, value: number | undefined, unit: string, format: (value: number) => string, limit: { max?: number; min?: number }, target: string): ReportRow {
  if (value === undefined || Number.isNaN(value)) return { figure, measured: 'not measured', target, verdict: 'error', unit };
  const ok = (limit.max === undefined || value <= limit.max) && (limit.min === undefined || value >= limit.min);
  return { figure, measured: format(value), target, verdict: ok ? 'pass' : 'FAIL', value, unit };
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
export const formatMs = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
