import { judgePublicUrl } from '../../http/public-url-check.js';
import type { DoctorCheck } from './finding.js';

/** HOMEWARD_PUBLIC_URL is https (issue 9, item 3): the same judgement as the hub's warning at start. */
export const publicUrlCheck: DoctorCheck = {
  name: 'public-url',
  run({ config }) {
    const found = judgePublicUrl(config.publicUrl);
    return found.ok ? { level: 'ok', finding: found.publicUrl } : { level: 'problem', finding: found.problem, fix: found.fix };
  },
};
