import { describe, expect, it } from 'vitest';
import { createPasswordHasher, defaultScryptParams } from '../../src/accounts/password-hash.js';
import { isHomewardError } from '../../src/core/errors.js';

const hasher = createPasswordHasher();



describe('password hashing (scrypt)', () => {
  it('stores the parameters with a salted hash, and verifies only the right password', async () => {
    const stored = await hasher.hash('kettle on the windowsill 7');
    expect(stored).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(defaultScryptParams).toEqual({ ln: 15, r: 8, p: 1 });
    expect(stored).not.toContain('kettle');
    expect(await hasher.verify('kettle on the windowsill 7', stored)).toBe(true);
    expect(await hasher.verify('kettle on the windowsill 8', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
  });

  it('salts each hash: the same password twice gives two different hashes', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password here'), hasher.hash('same password here')]);
    expect(a).not.toBe(b);
  });

  it('compares passwords after NFKC normalisation (NIST SP 800-63B), so a ligature or composed accent still matches', async () => {
    const stored = await hasher.hash('café ﬁnest roast 1');
    expect(await hasher.verify('cafe\u0301 finest roast 1', stored)).toBe(true);
  });

  it('verifies hashes made with other parameters, and says they need re-hashing', async () => {
    const old = createPasswordHasher({ params: { ln: 12, r: 8, p: 1 } });
    const stored = await old.hash('an older hash of mine');
    expect(stored).toContain('$ln=12,');
    expect(await hasher.verify('an older hash of mine', stored)).toBe(true);
    expect(hasher.needsRehash(stored)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('a current hash of mine'))).toBe(false);
  });

  it('a malformed stored hash matches nothing', async () => {
    for (const stored of ['', 'plaintext', '$scrypt$ln=99,r=8,p=1$abc$def', '$argon2id$v=19$m=65536,t=3,p=4$abc$def']) {
      expect(await hasher.verify('plaintext', stored), stored).toBe(false);
      expect(hasher.needsRehash(stored)).toBe(true);
    }
  });

  it('runs off the event loop: timers keep firing while a hash is computed', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await hasher.hash('the loop must keep turning');
    clearInterval(timer);
    // A synchronous scrypt would let no 5 ms timer fire at all until it finished.
    expect(ticks).toBeGreaterThan(0);
  });

  it('hashes one at a time, and refuses work beyond its queue instead of growing it', async () => {
    const small = createPasswordHasher({ params: { ln: 10, r: 8, p: 1 }, concurrency: 1, maxQueue: 1 });
    const first = small.hash('first in the queue');
    const second = small.hash('second in the queue');
    const third = small.hash('third in the queue').catch((error: unknown) => error);
    await expect(first).resolves.toMatch(/^\$scrypt\$/);
    await expect(second).resolves.toMatch(/^\$scrypt\$/);
    const refused = await third;
    expect(isHomewardError(refused, 'HW_BUSY')).toBe(true);
    // Once the queue drains, work is accepted again.
    await expect(small.hash('after the rush')).resolves.toMatch(/^\$scrypt\$/);
  });
});
