import Type, { type Static } from 'typebox';
import type { PrunableTable } from '../store/retention-repo.js';

/**
 * How long each kind of record about the person is kept (issue 5, item 8; DESIGN.md: "location history
 * is kept only as long as the circle decides"). Days, per data type; the owner changes them
 * (PUT /api/privacy/retention), the settings table keeps the choice, pruning applies it daily.
 */
export const retentionDatasets = ['positions', 'doors', 'pillbox', 'doses', 'alerts', 'careNotes', 'audit'] as const;
export type RetentionDataset = (typeof retentionDatasets)[number];
export type RetentionDays = Record<RetentionDataset, number>;

/** The tables each data type covers: an alert's incident leaves with the last of its alerts. */
export const tablesOf: Record<RetentionDataset, readonly PrunableTable[]> = {
  positions: ['positions'],
  doors: ['doors'],
  pillbox: ['pillbox'],
  doses: ['doses'],
  alerts: ['alerts', 'incidents'],
  careNotes: ['careNotes'],
  audit: ['audit'],
};

/**
 * Defaults, and why:
 *  - positions 30 days: issue 5 sets it. Location is the most sensitive thing held, and a month is
 *    enough to look back over an incident and draw "time out of the home" for the care review.
 *  - doors 180 days: the dashboard's night-time activity over weeks (issue 8) and the slow seasonal
 *    change carers watch for (more unsettled evenings in winter) need months; doors tell routine, not whereabouts.
 *  - pillbox and doses 365 days: a medication review with the GP is usually yearly, and it needs the
 *    year's adherence (on time, late, missed, double).
 *  - alerts 365 days: the pattern of incidents over a year is what a care-needs assessment asks about.
 *    Only resolved alerts and closed incidents ever leave.
 *  - careNotes 365 days: the circle's shared record, over the same year as the reviews that read it.
 *  - audit 730 days: the trail must outlive everything it records access to, so "who looked at her
 *    location?" can still be answered after the location itself is gone.
 */
export const defaultRetention: RetentionDays = {
  positions: 30,
  doors: 180,
  pillbox: 365,
  doses: 365,
  alerts: 365,
  careNotes: 365,
  audit: 730,
};

/**
 * Bounds on the owner's choice, and why the lower ones:
 *  - readings and doses >= 8 days: the medication and activity rules judge deadlines up to a week back
 *    after an outage (src/rules/dose-schedule.ts, DEADLINE_LOOKBACK_MS) from these records, plus a day
 *    of late openings; pruning them sooner could turn a taken dose into a missed one.
 *  - alerts >= 30 days: an alert's record is what keeps one condition to one alert (its key); rules
 *    re-derive keys up to a week back, so a month leaves a wide margin.
 *  - audit >= 365 days: whoever may shorten retention (the owner) must not be able to wipe the record
 *    of their own views of her location within days.
 *  - at most ten years, everywhere: "for ever" is not a retention period.
 */
export const retentionLimits: Record<RetentionDataset, { min: number; max: number }> = {
  positions: { min: 1, max: 3650 },
  doors: { min: 8, max: 3650 },
  pillbox: { min: 8, max: 3650 },
  doses: { min: 8, max: 3650 },
  alerts: { min: 30, max: 3650 },
  careNotes: { min: 1, max: 3650 },
  audit: { min: 365, max: 3650 },
};

const days = (dataset: RetentionDataset, description: string) =>
  Type.Integer({ minimum: retentionLimits[dataset].min, maximum: retentionLimits[dataset].max, description });

/** Every data type's retention in days: what PUT /api/privacy/retention takes and GET returns. */
export const RetentionDaysSchema = Type.Object(
  {
    positions: days('positions', 'GPS fixes'),
    doors: days('doors', 'door openings and closings'),
    pillbox: days('pillbox', 'pill-box lid openings'),
    doses: days('doses', 'adherence: each dose on each day (on time, late, missed, double)'),
    alerts: days('alerts', 'resolved alerts and closed incidents, with their timelines'),
    careNotes: days('careNotes', 'care-log notes and their reactions'),
    audit: days('audit', 'the audit log'),
  },
  { additionalProperties: false },
);

export type RetentionDaysInput = Static<typeof RetentionDaysSchema>;

/** The stored choice over the defaults: a value missing or out of bounds (an older hub's) falls back. */
export function effectiveRetention(stored: unknown): RetentionDays {
  const result: RetentionDays = { ...defaultRetention };
  if (typeof stored !== 'object' || stored === null) return result;
  for (const dataset of retentionDatasets) {
    const value = (stored as Record<string, unknown>)[dataset];
    const { min, max } = retentionLimits[dataset];
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) result[dataset] = value;
  }
  return result;
}
