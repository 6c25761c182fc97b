import { describe, expect, it } from 'vitest';
import { useTempStore } from './temp-store.js';

const T = Date.UTC(2025, 5, 1, 12, 0, 0);
const temp = useTempStore();

describe('credentials repo', () => {
  const row = { username: 'front-door', type: 'device' as const, generation: 1, salt: Buffer.alloc(16, 1), hash: Buffer.alloc(32, 2), at: T };

  it('inserts, reads, rotates and removes', () => {
    temp.store.credentials.insert(row);
    expect(temp.store.credentials.get('front-door')).toEqual({
      username: 'front-door',
      subjectType: 'device',
      generation: 1,
      salt: row.salt,
      hash: row.hash,
      createdAt: T,
      rotatedAt: null,
    });
    temp.store.credentials.rotate({ username: 'front-door', generation: 2, salt: Buffer.alloc(16, 3), hash: Buffer.alloc(32, 4), at: T + 1 });
    expect(temp.store.credentials.get('front-door')).toMatchObject({ generation: 2, rotatedAt: T + 1, createdAt: T });
    expect(temp.store.credentials.usernames()).toEqual(['front-door']);
    temp.store.credentials.remove('front-door');
    expect(temp.store.credentials.get('front-door')).toBeUndefined();
  });

  it('refuses a second credential for one username and an unknown subject type, changing nothing', () => {
    temp.store.credentials.insert(row);
    expect(() => temp.store.credentials.insert({ ...row, generation: 9 })).toThrow(/UNIQUE|PRIMARY/);
    expect(() => temp.store.credentials.insert({ ...row, username: 'x', type: 'admin' as unknown as 'device' })).toThrow(/CHECK/);
    expect(temp.store.credentials.usernames()).toEqual(['front-door']);
    expect(temp.store.credentials.get('front-door')?.generation).toBe(1);
  });
});
