import { randomBytes } from 'node:crypto';
import type { Hub } from '../hub.js';

/**
 * The people of the demo (`npm start -- --demo`), so a newcomer signs in and sees a circle at work
 * at once (issue 8): an owner to sign in as, a daughter and a carer, and the care log they keep.
 * The password is made fresh for each demo and printed once: even a demo has no default password
 * (DESIGN.md, "Reliability and security promises").
 */
export interface DemoSignIn {
  email: string;
  password: string;
}

export async function seedDemoCircle(hub: Pick<Hub, 'home' | 'api'>): Promise<DemoSignIn> {
  const password = `demo ${randomBytes(6).toString('base64url')} garden`;
  const owner = await hub.home.accounts.create({ email: 'demo@homeward.invalid', role: 'owner', password, name: 'You (demo)' });
  const anna = await hub.home.accounts.create({ email: 'anna@homeward.invalid', role: 'family', password: randomBytes(18).toString('base64url'), name: 'Anna' });
  const carol = await hub.home.accounts.create({ email: 'carol@homeward.invalid', role: 'carer', password: randomBytes(18).toString('base64url'), name: 'Carol' });
  const log = hub.api.care.careLog;
  log.add({ userId: carol.id, role: 'carer' }, { kind: 'visit', text: 'Morning visit: breakfast eaten, tablets taken, we did the crossword together.' });
  const handover = log.add({ userId: carol.id, role: 'carer' }, { kind: 'handover', text: 'She was a little unsettled after the delivery van; talking about her roses helped. Bread and milk are low.' });
  log.react({ userId: anna.id, role: 'family' }, handover.id, 'thanks');
  log.add({ userId: anna.id, role: 'family' }, { kind: 'note', text: 'I will bring shopping on Saturday and stay for lunch.' });
  log.react({ userId: owner.id, role: 'owner' }, handover.id, 'seen');
  return { email: 'demo@homeward.invalid', password };
}
