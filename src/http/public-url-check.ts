import type { Logger } from '../core/logger.js';

/**
 * Is the hub reached over https (issue 9, item 3)? Browsers give Web Push, service workers and
 * "install to home screen" only to an https origin, and a Secure session cookie only comes back over
 * https: a hub without an https HOMEWARD_PUBLIC_URL works on the home network but cannot alert a phone.
 * One pure judgement, so the start-up warning and `homeward doctor` say the same thing.
 */
export type PublicUrlFinding = { ok: true; publicUrl: string } | { ok: false; problem: string; fix: string };

export const REMOTE_ACCESS_GUIDE = 'deploy/remote-access.md';

const FIX =
  'put the hub behind Caddy (a domain name) or Tailscale Serve, and set HOMEWARD_PUBLIC_URL to the https address people open ' +
  `(such as https://mums-house.example.net or https://homeward.your-tailnet.ts.net): see ${REMOTE_ACCESS_GUIDE}`;

export function judgePublicUrl(publicUrl: string | undefined): PublicUrlFinding {
  if (publicUrl === undefined || publicUrl === '') {
    return { ok: false, problem: 'HOMEWARD_PUBLIC_URL is not set: Web Push and installing the dashboard need https', fix: FIX };
  }
  if (!publicUrl.toLowerCase().startsWith('https://')) {
    return { ok: false, problem: `HOMEWARD_PUBLIC_URL is ${publicUrl}, not https: Web Push and installing the dashboard need https`, fix: FIX };
  }
  return { ok: true, publicUrl };
}

/** At start: one warning line, with the fix, when the public URL is missing or not https. */
export function warnUnlessPublicUrlHttps(publicUrl: string | undefined, log: Logger): PublicUrlFinding {
  const finding = judgePublicUrl(publicUrl);
  if (!finding.ok) log.warn({ publicUrl: publicUrl ?? null, fix: finding.fix }, `${finding.problem}. To fix: ${finding.fix}`);
  return finding;
}
