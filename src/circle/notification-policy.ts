import type { AlertType, Severity } from '../core/alerts.js';
import { clockMinutes, inDailyWindow } from '../core/local-time.js';
import type { Preferences } from './preferences.js';

/**
 * Whether one member is pushed one alert now (issue 6, item 1), for issue 6's escalation and digest.
 *   - An urgent alert for someone on call is always sent: neither their quiet hours nor their toggles
 *     silence it. Being on the rota is the promise; whoever cannot keep it marks themselves away.
 *   - Otherwise, push switched off, or the alert's type or severity switched off: muted.
 *   - Otherwise, inside quiet hours: held (for the digest, or for when the quiet hours end).
 */
export type NotificationDecision = 'send' | 'held-quiet-hours' | 'muted';

export function notificationDecision(
  preferences: Preferences,
  alert: { type: AlertType; severity: Severity },
  member: { onCall: boolean; /** minutes since local midnight in home.timezone */ localMinutes: number },
): NotificationDecision {
  if (alert.severity === 'urgent' && member.onCall) return 'send';
  if (!preferences.channels.push) return 'muted';
  if (preferences.alertTypes[alert.type] === false || preferences.severities[alert.severity] === false) return 'muted';
  const quiet = preferences.quietHours;
  if (quiet !== null && inDailyWindow(member.localMinutes, clockMinutes(quiet.start), clockMinutes(quiet.end))) return 'held-quiet-hours';
  return 'send';
}
