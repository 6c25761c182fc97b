import type { DoctorContext } from './context.js';

/**
 * What one check of `homeward doctor` says (issue 9, item 5). "warning" is something to look at that
 * does not stop an alert reaching a phone today, so it does not fail the exit code; "problem" does.
 * `ok` stays in the JSON for scripts written against issue 7's doctor: true unless there is a problem.
 */
export type DoctorLevel = 'ok' | 'warning' | 'problem';

export interface DoctorFinding {
  name: string;
  ok: boolean;
  level: DoctorLevel;
  finding: string;
  /** A plain fix a family member or installer can follow; absent when all is well. */
  fix?: string;
}

/** One part of a check's finding (the broker check has its plain port and its TLS port, say). */
export interface FindingPart {
  level: DoctorLevel;
  finding: string;
  fix?: string;
}

export interface DoctorCheck {
  name: string;
  run(context: DoctorContext): FindingPart | FindingPart[] | Promise<FindingPart | FindingPart[]>;
}

const URGENCY: Record<DoctorLevel, number> = { problem: 0, warning: 1, ok: 2 };

export function byUrgency(a: { level: DoctorLevel }, b: { level: DoctorLevel }): number {
  return URGENCY[a.level] - URGENCY[b.level];
}

export const okPart = (finding: string): FindingPart => ({ level: 'ok', finding });
export const warningPart = (finding: string, fix: string): FindingPart => ({ level: 'warning', finding, fix });
export const problemPart = (finding: string, fix: string): FindingPart => ({ level: 'problem', finding, fix });

/** A check's parts as one finding: the worst level, the most urgent part first, each fix once. */
export function combineParts(name: string, parts: FindingPart | FindingPart[]): DoctorFinding {
  const list = (Array.isArray(parts) ? parts : [parts]).slice().sort(byUrgency);
  const level = list[0]?.level ?? 'ok';
  const fixes = [...new Set(list.filter((part) => part.level !== 'ok' && part.fix !== undefined).map((part) => part.fix as string))];
  return {
    name,
    ok: level !== 'problem',
    level,
    finding: list.map((part) => part.finding).join('; '),
    ...(fixes.length === 0 ? {} : { fix: fixes.join('; ') }),
  };
}

// Shared with the hub's storage watch (issue 10), so it lives in core.
export { formatBytes } from '../../core/byte-size.js';

/** "40 s", "12 min", "27 h", "3 days": how long ago, as a person says it. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}
