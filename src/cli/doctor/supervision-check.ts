import type { DoctorCheck } from './finding.js';

/**
 * A dead-man ping is configured (issue 9, item 8). A warning only: the hub works without one, but if
 * it stops (a power cut, a full card, a crash loop) it cannot say so itself, and nobody outside notices.
 * The ping URL's path is its secret (anyone holding it can ping), so only its origin is shown.
 */
export const supervisionCheck: DoctorCheck = {
  name: 'supervision',
  run({ config }) {
    const { pingUrl, everyS } = config.supervision;
    if (pingUrl === '') {
      return {
        level: 'warning',
        finding: 'no dead-man ping: if the hub stops (a power cut, a full card, a crash), nobody outside will notice',
        fix:
          `set HOMEWARD_PING_URL to a check URL from healthchecks.io (or a "push" monitor of your own Uptime Kuma); the hub pings it every ${everyS} s ` +
          'while it is healthy, and the service tells you when the pings stop',
      };
    }
    return { level: 'ok', finding: `pings ${new URL(pingUrl).origin}/… every ${everyS} s` };
  },
};
