import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HomewardError } from '../core/errors.js';

/**
 * Password hashing with scrypt (issue 5, item 3), stored in the PHC string format
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` so the parameters travel with each hash and can be raised
 * later without breaking old ones (a successful log-in re-hashes: see needsRehash).
 *
 * N = 2^15, r = 8, p = 1 costs 32 MiB and about 75 ms on the 2-core build machine (several times
 * that on a Pi Zero 2 W). OWASP's 2^17 would need 128 MiB per log-in, a quarter of the Pi's memory.
 * crypto.scrypt runs on libuv's thread pool, so the event loop (and with it MQTT ingest) never waits;
 * at most `concurrency` hashes run at once, so a burst of log-ins cannot multiply the 32 MiB, and a
 * queue longer than `maxQueue` is refused rather than grown.
 */
export interface ScryptParams {
  /** log2 of N, the CPU/memory cost. */
  ln: number;
  r: number;
  p: number;
}

export const defaultScryptParams: ScryptParams = { ln: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** NIST SP 800-63B §5.1.1.2: passwords are compared after Unicode normalisation (NFKC). */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

function encode(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

function parse(stored: string): ParsedHash | undefined {
  const match = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (match === null) return undefined;
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (params.ln < 1 || params.ln > 24 || params.r < 1 || params.p < 1) return undefined;
  return { params, salt: Buffer.from(match[4] as string, 'base64url'), hash: Buffer.from(match[5] as string, 'base64url') };
}

function scryptOptions(params: ScryptParams): ScryptOptions {
  // Node refuses when 128·N·r exceeds maxmem (32 MiB by default), which N = 2^15, r = 8 reaches exactly.
  return { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: 128 * 2 ** params.ln * params.r * 2 + 1024 * 1024 };
}

export interface PasswordHasherOptions {
  params?: ScryptParams;
  concurrency?: number;
  maxQueue?: number;
}

export function createPasswordHasher(options: PasswordHasherOptions = {}) {
  const params = options.params ?? defaultScryptParams;
  const concurrency = options.concurrency ?? 1;
  const maxQueue = options.maxQueue ?? 32;
  let running = 0;
  const waiting: Array<() => void> = [];

  /** Takes a hashing slot, waiting in the queue if all are busy; a freed slot passes straight to the next waiter. */
  async function acquire(): Promise<void> {
    if (running < concurrency) {
      running++;
      return;
    }
    if (waiting.length >= maxQueue) throw new HomewardError('HW_BUSY', 'too many password checks waiting; try again shortly');
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  function release(): void {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next();
  }

  async function derive(password: string, salt: Buffer, with_: ScryptParams, length: number): Promise<Buffer> {
    await acquire();
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        scrypt(normalisePassword(password), salt, length, scryptOptions(with_), (error, key) => (error ? reject(error) : resolve(key)));
      });
    } finally {
      release();
    }
  }

  // Stands in for the hash of an account that does not exist, so that an unknown email costs one
  // scrypt like a wrong password does (no user enumeration by timing, issue 5 item 4). Its "hash" is
  // random bytes that no password derives to.
  const decoy: ParsedHash = { params, salt: randomBytes(SALT_BYTES), hash: randomBytes(KEY_BYTES) };

  async function check(password: string, parsed: ParsedHash): Promise<boolean> {
    const candidate = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
    return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
  }

  return {
    params,

    async hash(password: string): Promise<string> {
      const salt = randomBytes(SALT_BYTES);
      return encode(params, salt, await derive(password, salt, params, KEY_BYTES));
    },

    /** True when `password` matches `stored`. An unreadable stored hash matches nothing (and still costs a hash). */
    async verify(password: string, stored: string): Promise<boolean> {
      const parsed = parse(stored);
      if (parsed === undefined) {
        await check(password, decoy);
        return false;
      }
      return check(password, parsed);
    },

    /** Spends what verify() spends, for a password that has no account behind it. */
    async verifyDecoy(password: string): Promise<false> {
      await check(password, decoy);
      return false;
    },

    /** True when `stored` was made with other parameters than today's (re-hash it after a successful log-in). */
    needsRehash(stored: string): boolean {
      const parsed = parse(stored);
      return parsed === undefined || parsed.params.ln !== params.ln || parsed.params.r !== params.r || parsed.params.p !== params.p;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
