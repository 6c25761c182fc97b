import type { DoseRecord } from '../core/alerts.js';
import type { Db } from './database.js';

/**
 * A later status replaces an earlier one only if it says more: taken late beats missed, double beats
 * on time, and "missed" never overwrites a dose recorded as taken (a carer's hand-recorded dose).
 */
export const dosePrecedence: Record<DoseRecord['status'], number> = { missed: 0, 'on-time': 1, late: 2, double: 3 };

/** Per-rule watermarks and dose adherence: the stored state that deadlines are derived from. */
export function createRuleStateRepo(db: Db) {
  const getWatermark = db.prepare<[string], { at: number }>('SELECT at FROM rule_watermarks WHERE rule = ?');
  const setWatermark = db.prepare<[string, number]>(
    'INSERT INTO rule_watermarks (rule, at) VALUES (?, ?) ON CONFLICT (rule) DO UPDATE SET at = max(at, excluded.at)',
  );
  const getDose = db.prepare<[string, string], { status: DoseRecord['status'] }>('SELECT status FROM dose_records WHERE dose = ? AND date = ?');
  const putDose = db.prepare<[string, string, string, number]>(
    'INSERT INTO dose_records (dose, date, status, at) VALUES (?, ?, ?, ?) ON CONFLICT (dose, date) DO UPDATE SET status = excluded.status, at = excluded.at',
  );
  const getDoseRecord = db.prepare<[string, string], DoseRecord>('SELECT dose, date, status, at FROM dose_records WHERE dose = ? AND date = ?');
  const doses = db.prepare<[string, string], DoseRecord>('SELECT dose, date, status, at FROM dose_records WHERE date >= ? AND date <= ? ORDER BY date, dose');

  return {
    watermark(rule: string): number | undefined {
      return getWatermark.get(rule)?.at;
    },
    /** Moves a watermark forward only: a clock stepping back never rewinds it. */
    advance(rule: string, at: number): void {
      setWatermark.run(rule, at);
    },
    recordDose(record: DoseRecord): void {
      const existing = getDose.get(record.dose, record.date);
      if (existing !== undefined && dosePrecedence[existing.status] > dosePrecedence[record.status]) return;
      putDose.run(record.dose, record.date, record.status, record.at);
    },
    doses(fromDate: string, toDate: string): DoseRecord[] {
      return doses.all(fromDate, toDate);
    },
    /** One dose's record on one local date (medication overview, a dose given by hand). */
    dose(dose: string, date: string): DoseRecord | undefined {
      return getDoseRecord.get(dose, date);
    },
  };
}

export type RuleStateRepo = ReturnType<typeof createRuleStateRepo>;
