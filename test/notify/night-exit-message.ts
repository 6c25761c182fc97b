import type { NotificationMessage } from '../../src/notify/channel.js';

/** The message the notify tests send: an urgent night exit of incident i1, which can be acknowledged. */
export const nightExitMessage: NotificationMessage = {
  kind: 'alert',
  about: { alertId: 'a1', incidentId: 'i1' },
  title: 'Front door opened at night',
  body: 'Open it to see what is happening.',
  severity: 'urgent',
  urgency: 'high',
  ttlSeconds: 900,
  url: '/incidents/i1',
  acknowledgeable: true,
};
