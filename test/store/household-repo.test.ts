import { describe, expect, it } from 'vitest';
import { useTempStore } from './temp-store.js';

const T = Date.UTC(2025, 5, 1, 12, 0, 0);
const temp = useTempStore();

describe('household repo', () => {
  it('has no document and revision 0 at first', () => {
    expect(temp.store.household.get()).toBeUndefined();
    expect(temp.store.household.revision()).toBe(0);
  });

  it('saves whole documents with an increasing revision', () => {
    const first = { home: { name: 'Home', timezone: 'UTC' }, person: { name: 'Margaret' } };
    expect(temp.store.household.save(first, T)).toBe(1);
    const second = { ...first, person: { name: 'Maggie', routines: ['Tea at 4'] } };
    expect(temp.store.household.save(second, T + 1)).toBe(2);
    expect(temp.reopen().household.get()).toEqual({ household: second, revision: 2, importedAt: T + 1 });
  });
});
